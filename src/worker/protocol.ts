/**
 * The one message vocabulary between the UI and the inference worker.
 * UI -> worker: { type, id, ... }. Worker -> UI: { status, id, ... }. Every request carries an id; the UI
 * drops replies to requests it has superseded (the last request wins).
 */
import type { ModelCard } from '../engine/modelCard.ts';
import type { LatencySummary } from '../engine/stats.ts';
import type { Prediction } from '../engine/postprocess.ts';

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
  runs: number;
  rho: number;
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

export type ToWorker = LoadRequest | LoadFilesRequest | ClassifyRequest | BenchmarkRequest | CancelBenchmarkRequest | DebugRequest;

export type LoadPhase = 'probing' | 'downloading' | 'creating-sessions' | 'warming-up';

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
  dynamicvit: ModelCard;
  deit: ModelCard;
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
  latencyMs: number;
}

export interface ResultMessage {
  status: 'result';
  id: number;
  rho: number;
  keepCounts: number[];
  backend: Backend;
  dynamicvit: ModelOutput & { kept: number[][] };
  deit: ModelOutput;
  /** the 224x224 crop the models saw (RGBA), sent only for a new image */
  crop?: {
    data: Uint8ClampedArray;
    size: number;
    source: { width: number; height: number; name: string };
    /** resized size and crop offsets (for mapping source-image annotations onto the patch grid) */
    resized: { width: number; height: number; left: number; top: number };
  };
}

export interface BenchProgressMessage {
  status: 'bench-progress';
  id: number;
  done: number;
  total: number;
}

export interface BenchResultMessage {
  status: 'bench-result';
  id: number;
  backend: Backend;
  rho: number;
  keepCounts: number[];
  cancelled: boolean;
  samples: { deit: number[]; dynamicvit: number[] };
  deit: LatencySummary;
  dynamicvit: LatencySummary;
  /** median DeiT / median DynamicViT */
  speedup: number;
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
  | ErrorMessage;
