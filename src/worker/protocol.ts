/**
 * The one message vocabulary between the UI and the inference worker.
 * UI -> worker: { type, id, ... }. Worker -> UI: { status, id, ... }. Every request carries an id; the UI
 * drops replies to requests it has superseded (the last request wins).
 */
import type { ModelCard } from '../engine/modelCard.ts';
import type { LatencySummary } from '../engine/stats.ts';
import type { Prediction } from '../engine/postprocess.ts';
import type { WasmThreads } from './threads.ts';

export type { WasmThreads };

export type Backend = 'webgpu' | 'wasm';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean | null;
  features: string[];
}

export interface LoadRequest {
  type: 'load';
  id: number;
  /** folder URL of the model pair, e.g. "/models/demo/" */
  baseUrl: string;
  /** 'auto' = WebGPU when an adapter exists, else wasm with a reason */
  backend: Backend | 'auto';
}

/** A model pair chosen by the user (file picker or drop): two cards and the .onnx files they name. */
export interface LoadFilesRequest {
  type: 'load-files';
  id: number;
  files: File[];
  backend: Backend | 'auto';
}

/** Official PyTorch checkpoints (DynamicViT .pth and, optionally, its teacher), read in the worker (issue 11). */
export interface LoadCheckpointsRequest {
  type: 'load-checkpoints';
  id: number;
  files: File[];
  /** the DynamicViT's trained keep ratio, as the user gave it (a checkpoint does not record it) */
  rho: number;
  /** folder URL of public/templates/ */
  templatesUrl: string;
  backend: Backend | 'auto';
  /** store the files in the Origin Private File System once the pair is ready */
  save: boolean;
}

/** A pair stored by an earlier import (see ImportedPair), loaded from the Origin Private File System. */
export interface LoadImportRequest {
  type: 'load-import';
  id: number;
  importId: string;
  templatesUrl: string;
  backend: Backend | 'auto';
}

/** Stop the checkpoint load `id` at its next cancel point (reading, parsing, session creation). */
export interface CancelLoadRequest {
  type: 'cancel-load';
  id: number;
}

/** List the stored imports (after removing `remove`, if given). */
export interface ImportsRequest {
  type: 'imports';
  id: number;
  remove?: string;
}

export interface ClassifyRequest {
  type: 'classify';
  id: number;
  rho: number;
  /** a new image (encoded file); absent = re-run the last image (e.g. the keep ratio moved) */
  image?: Blob;
  name?: string;
}

export interface BenchmarkRequest {
  type: 'benchmark';
  id: number;
  /** timed runs per model and batch size */
  runs: number;
  rho: number;
  /** batch sizes, measured in this order (the current image repeated) */
  batches: number[];
}

export interface CancelBenchmarkRequest {
  type: 'cancel-benchmark';
  id: number;
}

/** Diagnostics, sent by the page only in debug mode (?debug=1): simulate a GPU device loss, read memory figures. */
export interface DebugRequest {
  type: 'debug';
  id: number;
  action: 'lose-device' | 'memory';
}

/** One labelled image of an evaluation set (the page has already matched files to labels). */
export interface EvalItem {
  name: string;
  image: Blob;
  /** logit index of the true class */
  label: number;
}

/** Accuracy-speed curve: every item through DeiT once and through every pruning method at each keep ratio. */
export interface EvaluateRequest {
  type: 'evaluate';
  id: number;
  items: EvalItem[];
  /** keep ratios of the pruning methods (DeiT runs once per image, at its key "1.0") */
  rhos: number[];
}

export interface CancelEvaluateRequest {
  type: 'cancel-evaluate';
  id: number;
}

export type ToWorker =
  | LoadRequest
  | LoadFilesRequest
  | LoadCheckpointsRequest
  | LoadImportRequest
  | CancelLoadRequest
  | ImportsRequest
  | ClassifyRequest
  | BenchmarkRequest
  | CancelBenchmarkRequest
  | DebugRequest
  | EvaluateRequest
  | CancelEvaluateRequest;

export type LoadPhase = 'reading' | 'parsing' | 'probing' | 'downloading' | 'creating-sessions' | 'warming-up';

export interface ProgressMessage {
  status: 'progress';
  id: number;
  file: string;
  loaded: number;
  total: number;
  fromCache: boolean;
  done: boolean;
}

export interface PhaseMessage {
  status: 'phase';
  id: number;
  phase: LoadPhase;
  /** 0..1 within the phase where known (warm-up: runs done / runs) */
  fraction?: number;
  detail?: string;
}

export interface BackendMessage {
  status: 'backend';
  id: number;
  backend: Backend;
  adapter: AdapterSummary | null;
  /** why WebGPU is not used (absent when it is) */
  fallbackReason?: string;
}

export interface ReadyMessage {
  status: 'ready';
  id: number;
  backend: Backend;
  adapter: AdapterSummary | null;
  fallbackReason?: string;
  /** true when both sessions were created with disable_cpu_ep_fallback = 1 on WebGPU */
  allNodesOnGpu: boolean;
  gpuNote?: string;
  /** onnxruntime-web version (JS and wasm are the same build, served from this origin) */
  ortVersion: string;
  /** ONNX Runtime's WebAssembly threads and why not more (also used under WebGPU for CPU-side work) */
  wasmThreads: WasmThreads;
  dynamicvit: ModelCard;
  deit: ModelCard;
  /** training-free baselines the DynamicViT card lists (same backend and device), in the card's order */
  baselines: MethodInfo[];
  /** why a listed baseline is not loaded (absent when all are) */
  baselineNote?: string;
  timings: { createMs: number; warmupMs: number; firstRunMs: { dynamicvit: number; deit: number } };
  /** set when these sessions replace ones whose GPU device was lost */
  recovery?: { reason: string; message: string; ms: number };
}

/** The GPUDevice under the sessions was lost; the worker is recreating them (a 'ready' with `recovery` follows, or an 'error'). */
export interface DeviceLostMessage {
  status: 'device-lost';
  /** the load request whose model was running */
  id: number;
  reason: string;
  message: string;
}

export interface MemorySnapshot {
  /** ONNX Runtime's WebAssembly heap (grows, never shrinks) */
  wasmHeapBytes: number | null;
  /** GPU buffers ORT holds on the current device (created minus destroyed) */
  gpuBuffers: number | null;
  gpuBufferBytes: number | null;
}

export interface MemoryMessage {
  status: 'memory';
  id: number;
  memory: MemorySnapshot;
}

export interface ModelOutput {
  top5: Prediction[];
  /** every class score (for "Save result") */
  logits: number[];
  latencyMs: number;
}

/** A pruning method of the DynamicViT IO contract: "dynamicvit" or a baseline (key = card file stem, e.g. "attentive"). */
export interface MethodInfo {
  key: string;
  card: ModelCard;
}

/** One pruning method's answer at the request's keep ratio. */
export interface MethodOutput extends ModelOutput {
  key: string;
  kept: number[][];
}

export interface ResultMessage {
  status: 'result';
  id: number;
  rho: number;
  keepCounts: number[];
  backend: Backend;
  dynamicvit: ModelOutput & { kept: number[][] };
  deit: ModelOutput;
  /** the baselines at the same keep ratio, in the order of ReadyMessage.baselines ([] when the pair has none) */
  baselines: MethodOutput[];
  /** where this classification's time went, in the worker (ms) */
  pipeline: PipelineTimings;
  /** the 224x224 crop the models saw (RGBA), sent only for a new image */
  crop?: {
    data: Uint8ClampedArray;
    size: number;
    source: { width: number; height: number; name: string };
    /** resized size and crop offsets (for mapping source-image annotations onto the patch grid) */
    resized: { width: number; height: number; left: number; top: number };
  };
}

export interface PipelineTimings {
  /** true when the image was decoded and preprocessed for this request (a new image), false when reused */
  newImage: boolean;
  sniffMs: number;
  decodeMs: number;
  pixelsMs: number;
  preprocessMs: number;
  /** model runs incl. reading the outputs back; deitMs is 0 when DeiT's result for this image was reused */
  deitMs: number;
  dvitMs: number;
  /** all baseline runs together (0 without baselines) */
  baselinesMs: number;
  /** top-5 of both models and the kept positions */
  postprocessMs: number;
  /** from the request's turn in the queue to the result message being ready */
  totalMs: number;
}

export interface BenchProgressMessage {
  status: 'bench-progress';
  id: number;
  done: number;
  total: number;
}

/** One batch size of a benchmark: DeiT and DynamicViT interleaved on the same input, warm-up excluded. */
export interface BatchResult {
  batch: number;
  /** ms per run of the whole batch, in run order */
  samples: { deit: number[]; dynamicvit: number[] };
  deit: LatencySummary;
  dynamicvit: LatencySummary;
  /** batch / median run time */
  imagesPerSecond: { deit: number; dynamicvit: number };
  /** median DynamicViT / median DeiT time (the paper's throughput gain is 1 / ratio) */
  ratio: number;
}

export interface BenchResultMessage {
  status: 'bench-result';
  id: number;
  backend: Backend;
  /** wasm threads of this worker (the backend's threads on wasm) */
  threads: number;
  rho: number;
  keepCounts: number[];
  cancelled: boolean;
  /** in the order measured; a cancelled benchmark has the batches it finished or started */
  batches: BatchResult[];
  /** median DeiT / median DynamicViT at the first batch size */
  speedup: number;
}

export interface EvalProgressMessage {
  status: 'eval-progress';
  id: number;
  /** model runs done / planned (images x (DeiT + methods x ratios)) */
  done: number;
  total: number;
  imagesDone: number;
  failed: number;
}

/** {method: {rho: {top1, gflops, ms}}}, DeiT under "deit" at "1.0": the shape of models/evaluate_curve.py's curve.json */
export type CurveJson = Record<string, Record<string, { top1: number; gflops: number; ms: number }>>;

export interface EvalResultMessage {
  status: 'eval-result';
  id: number;
  backend: Backend;
  cancelled: boolean;
  /** images evaluated (every method and ratio ran on each); a cancelled run counts the images it finished */
  images: number;
  /** items that could not be decoded, with the reason (not part of the curve) */
  failed: { name: string; reason: string }[];
  curve: CurveJson;
  /** predicted class per evaluated image, in item order: {method: {rho: [index...]}} */
  predictions: Record<string, Record<string, number[]>>;
  /** names of the evaluated images, in the order of predictions */
  names: string[];
  seconds: number;
}

/** An imported checkpoint pair kept in the Origin Private File System (src/worker/importStore.ts). */
export interface ImportedPair {
  id: string;
  title: string;
  arch: string;
  rho: number;
  files: string[];
  bytes: number;
  savedAt: string;
}

export interface ImportsMessage {
  status: 'imports';
  id: number;
  imports: ImportedPair[];
  /** set when a just-loaded pair was stored */
  saved?: ImportedPair;
  /** why a just-loaded pair could not be stored (it stays loaded for this visit) */
  saveError?: string;
}

export interface ErrorMessage {
  status: 'error';
  id: number;
  request: ToWorker['type'];
  message: string;
}

export type FromWorker =
  | ProgressMessage
  | PhaseMessage
  | BackendMessage
  | ReadyMessage
  | ResultMessage
  | BenchProgressMessage
  | BenchResultMessage
  | DeviceLostMessage
  | MemoryMessage
  | EvalProgressMessage
  | EvalResultMessage
  | ImportsMessage
  | ErrorMessage;
