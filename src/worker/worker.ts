/// <reference lib="webworker" />
/**
 * The inference worker: owns both ONNX Runtime sessions (DynamicViT and its full-DeiT twin), decodes and
 * preprocesses images, runs classification and the latency benchmark. Created once by the UI; every
 * session run goes through one queue (ORT rejects overlapping runs on a session).
 */
import * as ort from 'onnxruntime-web/webgpu';
// Same-origin copy of the wasm that matches the JS (the .mjs glue is bundled into the webgpu entry).
import ortWasmUrl from 'ort-dist/ort-wasm-simd-threaded.asyncify.wasm?url';

import { fetchModelBytes } from '../engine/fetchModel.ts';
import { fp16Refusal } from '../engine/gpuRequirements.ts';
import { decodeFailure, decodeSize, extremeAspectCut, ImageInputError, orientedSize, refusal, sniffImage } from '../engine/imageDecode.ts';
import { keepCounts } from '../engine/keepCounts.ts';
import { checkCardAgainstSession, parseCard, type ModelCard } from '../engine/modelCard.ts';
import { validateCard } from '../engine/validateCard.ts';
import { predictions } from '../engine/postprocess.ts';
import { preprocess, rawTensorBytes, tensorToRgba, type RgbaImage } from '../engine/preprocess.ts';
import { summarize } from '../engine/stats.ts';
import { createGpu, requestAdapter, type GpuHandle } from './gpuDevice.ts';
import { memorySnapshot, watchWasmMemory } from './memoryProbe.ts';
import type { AdapterSummary, Backend, FromWorker, ReadyMessage, ToWorker } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

ort.env.wasm.wasmPaths = { wasm: ortWasmUrl };
ort.env.wasm.numThreads = 1; // no cross-origin isolation needed
ort.env.logLevel = 'error';

/** Debug mode (?debug=1 on the page names the worker "...:debug"): memory probes and the device-loss button. */
const DEBUG = self.name.endsWith(':debug');
if (DEBUG) watchWasmMemory();

const post = (msg: FromWorker, transfer: Transferable[] = []) => self.postMessage(msg, transfer);

interface Loaded {
  backend: Backend;
  dvit: ort.InferenceSession;
  deit: ort.InferenceSession;
  dvitCard: ModelCard;
  deitCard: ModelCard;
  /** the device under the sessions (WebGPU only) and a rejection that fires when it is lost */
  gpu: GpuHandle | null;
  gpuLost: Promise<never> | null;
  /** how to load the same pair again (after a device loss) */
  origin: { id: number; request: 'load' | 'load-files'; src: ModelSource; choice: Backend | 'auto' };
}

/** A run that could not finish because the GPU device went away; the sessions are recreated. */
class DeviceLostError extends Error {}

let model: Loaded | null = null;
let lastInput: { tensor: Float32Array; deit?: { top5: ReturnType<typeof predictions>; latencyMs: number } } | null = null;
let latestClassifyId = -1;
let latestImage: { id: number; blob: Blob; name: string } | null = null;
let processedImageId = -1;
let cancelBenchId = -1;
/** Input shapes each session has already run (shaders compiled): the benchmark warms up only new ones. */
const warmed = new Set<string>();

let queue: Promise<unknown> = Promise.resolve();
function enqueue<T>(job: () => Promise<T>): Promise<T> {
  const p = queue.then(job);
  queue = p.catch(() => undefined);
  return p;
}

// ---------------------------------------------------------------------------------------------- backend

/** The device ORT runs on: the current one while it lives, else a new adapter and device. */
let gpu: GpuHandle | null = null;

async function currentGpu(): Promise<{ gpu: GpuHandle | null; reason?: string }> {
  if (gpu && !gpu.lostInfo) return { gpu };
  const { adapter, reason } = await requestAdapter();
  if (!adapter) return { gpu: null, reason };
  try {
    const g = await createGpu(adapter);
    gpu = g;
    void g.lost.then((info) => onDeviceLost(g, info));
    return { gpu: g };
  } catch (e) {
    return { gpu: null, reason: `GPUAdapter.requestDevice() failed: ${errText(e)}` };
  }
}

/**
 * A lost device takes its sessions with it: the page is told, then the same pair is loaded again on a new
 * device (or on wasm, with the reason, when no new device can be had). A run in flight fails with
 * DeviceLostError and the page runs it again once the new sessions are ready.
 */
function onDeviceLost(g: GpuHandle, info: GPUDeviceLostInfo): void {
  if (gpu === g) gpu = null;
  const m = model;
  if (!m || m.gpu !== g) return; // nothing of ours runs on it any more
  const { id, request, src, choice } = m.origin;
  post({ status: 'device-lost', id, reason: info.reason, message: info.message });
  const t0 = performance.now();
  void enqueue(() => load(id, request, src, choice, { reason: info.reason, message: info.message, t0 })).catch((e: unknown) => {
    if (model === m) model = null;
    post({ status: 'error', id, request, message: `The GPU device was lost (${info.reason}) and the sessions could not be recreated: ${errText(e)}` });
  });
}

function sessionOptions(backend: Backend, strict: boolean, device: GPUDevice | null): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [backend === 'webgpu' && device ? { name: 'webgpu', device } : backend],
    graphOptimizationLevel: 'all',
    // Any node the WebGPU EP cannot take becomes a creation error instead of a silent CPU placement.
    ...(backend === 'webgpu' && strict ? { extra: { session: { disable_cpu_ep_fallback: '1' } } } : {}),
  };
}

// ------------------------------------------------------------------------------------------------- load

async function fetchJson(url: string): Promise<unknown> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return r.json();
}

/** Where a model pair comes from: the app's own folder (URL) or files the user picked. */
interface ModelSource {
  dvitCard(): Promise<unknown>;
  twinCard(name: string): Promise<unknown>;
  bytes(card: ModelCard, id: number): Promise<ArrayBuffer>;
}

function urlSource(baseUrl: string): ModelSource {
  const base = new URL(baseUrl, self.location.href).href;
  return {
    dvitCard: () =>
      fetchJson(new URL('dynamicvit.json', base).href).catch((e: unknown) => {
        throw new Error(`no model card at ${base}dynamicvit.json (${errText(e)}); models live in public/models/<id>/ and are listed in public/models/index.json`);
      }),
    twinCard: (name) => fetchJson(new URL(name, base).href),
    bytes: (card, id) => fetchModelBytes(new URL(card.onnx.file, base).href, card.onnx, (p) => post({ status: 'progress', id, file: card.onnx.file, ...p })),
  };
}

/** A user's files (picker or drop): two cards (.json) and the two .onnx files they name. */
function fileSource(files: File[]): ModelSource {
  const byName = new Map(files.map((f) => [f.name, f]));
  const names = files.map((f) => f.name).join(', ') || 'none';
  const parse = async (f: File) => {
    try {
      return JSON.parse(await f.text()) as unknown;
    } catch (e) {
      throw new Error(`"${f.name}" is not valid JSON (${errText(e)})`);
    }
  };
  return {
    async dvitCard() {
      const cards = files.filter((f) => /\.json$/i.test(f.name));
      if (!cards.length) throw new Error(`no model card among the chosen files (${names}): choose dynamicvit.json, deit.json and their .onnx files`);
      for (const f of cards) {
        const j = await parse(f);
        if ((j as { family?: unknown } | null)?.family === 'dynamicvit') return j;
      }
      if (cards.length === 1) return parse(cards[0]); // validated as a DynamicViT card: names what is wrong
      throw new Error(`none of the chosen cards (${cards.map((f) => f.name).join(', ')}) has "family": "dynamicvit"`);
    },
    async twinCard(name) {
      const f = byName.get(name);
      if (!f) throw new Error(`the DynamicViT card names its DeiT twin "${name}", which is not among the chosen files (${names})`);
      return parse(f);
    },
    async bytes(card) {
      const f = byName.get(card.onnx.file);
      if (!f) throw new Error(`card "${card.name}" names the graph "${card.onnx.file}", which is not among the chosen files (${names})`);
      if (f.size === 0) throw new Error(`"${f.name}" is empty (0 bytes)`);
      return f.arrayBuffer();
    },
  };
}

/** Field-by-field validation, then the typed read; the message names the card and every bad field. */
function readCard(json: unknown, family: 'dynamicvit' | 'deit', what: string): ModelCard {
  const problems = validateCard(json, family);
  if (problems.length) throw new Error(`the ${what} model card is invalid:\n- ${problems.join('\n- ')}`);
  return parseCard(json, family);
}

const CORRUPT_ONNX = /protobuf parsing failed|failed to load model|invalid model|model_proto|ERROR_CODE: 7/i;

/**
 * Loads a model pair into new sessions, then swaps them in: until the new pair is ready (and whenever
 * anything about it is wrong) the previous model stays loaded and keeps working.
 */
async function load(
  id: number,
  request: 'load' | 'load-files',
  src: ModelSource,
  choice: Backend | 'auto',
  recovery?: { reason: string; message: string; t0: number },
): Promise<void> {
  post({ status: 'phase', id, phase: 'probing' });
  let backend: Backend = 'wasm';
  let gpuHandle: GpuHandle | null = null;
  let adapter: AdapterSummary | null = null;
  let fallbackReason: string | undefined;
  if (choice === 'wasm') {
    fallbackReason = 'WebAssembly was selected by hand (WebGPU not probed)';
  } else {
    const probe = await currentGpu();
    gpuHandle = probe.gpu;
    adapter = gpuHandle?.adapter ?? null;
    fallbackReason = probe.reason && recovery ? `the GPU device was lost (${recovery.reason}) and no new one could be created: ${probe.reason}` : probe.reason;
    backend = gpuHandle ? 'webgpu' : 'wasm';
  }
  post({ status: 'backend', id, backend, adapter, fallbackReason });

  const dvitCard = readCard(await src.dvitCard(), 'dynamicvit', 'DynamicViT');
  const deitCard = readCard(await src.twinCard(dvitCard.twin ?? 'deit.json'), 'deit', `DeiT (${dvitCard.twin ?? 'deit.json'})`);
  const refused = adapter && backend === 'webgpu' ? fp16Refusal([dvitCard, deitCard], adapter) : null;
  if (refused) throw new Error(refused);

  post({ status: 'phase', id, phase: 'downloading' });
  const bytes = await Promise.all([dvitCard, deitCard].map((card) => src.bytes(card, id)));

  post({ status: 'phase', id, phase: 'creating-sessions' });
  const t0 = performance.now();
  let allNodesOnGpu = false;
  let gpuNote: string | undefined;
  // One at a time: the WebGPU EP refuses to create two sessions concurrently.
  const create = async (b: Backend, strict: boolean) => {
    const out: ort.InferenceSession[] = [];
    try {
      for (const [i, buf] of bytes.entries()) {
        const file = [dvitCard, deitCard][i].onnx.file;
        out.push(
          await ort.InferenceSession.create(new Uint8Array(buf), sessionOptions(b, strict, b === 'webgpu' ? gpuHandle!.device : null)).catch((e: unknown) => {
            const msg = errText(e);
            throw CORRUPT_ONNX.test(msg) ? new Error(`"${file}" is not a valid ONNX model (onnxruntime: ${msg})`) : e;
          }),
        );
      }
    } catch (e) {
      await Promise.all(out.map((s) => s.release())).catch(() => undefined);
      throw e;
    }
    return out;
  };
  let sessions: ort.InferenceSession[];
  if (backend === 'webgpu') {
    try {
      sessions = await create('webgpu', true);
      allNodesOnGpu = true;
    } catch (e) {
      const msg = errText(e);
      if (CORRUPT_ONNX.test(msg)) throw e;
      if (/fallback to CPU EP has been explicitly disabled|cpu ep fallback/i.test(msg)) {
        gpuNote = `some nodes need the CPU EP, so sessions were created with CPU fallback allowed: ${msg}`;
        sessions = await create('webgpu', false);
      } else {
        fallbackReason = `WebGPU session creation failed, using WebAssembly: ${msg}`;
        backend = 'wasm';
        gpuHandle = null;
        post({ status: 'backend', id, backend, adapter, fallbackReason });
        sessions = await create('wasm', false);
      }
    }
  } else {
    sessions = await create('wasm', false);
  }
  const [dvit, deit] = sessions;
  const createMs = performance.now() - t0;

  // checks and warm-up: on any failure the new sessions are released and the previous model stays
  let checked: { loaded: Loaded; deitFirst: { ms: number }; dvitFirst: { ms: number }; warmupMs: number };
  try {
    const problems = [
      ...checkCardAgainstSession(dvitCard, dvit),
      ...checkCardAgainstSession(deitCard, deit),
    ];
    if (problems.length) throw new Error(`model card and ONNX graph disagree:\n${problems.join('\n')}`);
    if (dvitCard.labels.length !== deitCard.labels.length) throw new Error('DynamicViT and DeiT cards have different label sets');

    // One warm-up run each so that shader compilation is not part of any reported latency.
    post({ status: 'phase', id, phase: 'warming-up', fraction: 0, detail: 'compiling shaders: DeiT' });
    const size = dvitCard.preprocessing.crop_size;
    const dummy = new Float32Array(3 * size * size);
    const w0 = performance.now();
    const gpuLost = gpuHandle ? gpuHandle.lost.then((info): never => {
      throw new DeviceLostError(`the GPU device was lost during the run (${info.reason}${info.message ? `: ${info.message}` : ''})`);
    }) : null;
    gpuLost?.catch(() => undefined); // handled by whichever run races it
    const loaded: Loaded = { backend, dvit, deit, dvitCard, deitCard, gpu: gpuHandle, gpuLost, origin: { id, request, src, choice } };
    const deitFirst = await runDeit(loaded, dummy).catch((e: unknown) => {
      throw new Error(`${deitCard.onnx.file} failed its first run (does the graph match its card?): ${errText(e)}`);
    });
    post({ status: 'phase', id, phase: 'warming-up', fraction: 0.5, detail: 'compiling shaders: DynamicViT' });
    const dvitFirst = await runDvit(loaded, dummy, keepCounts(dvitCard.pruning!.trained_keep_ratio)).catch((e: unknown) => {
      throw new Error(`${dvitCard.onnx.file} failed its first run (does the graph match its card?): ${errText(e)}`);
    });
    post({ status: 'phase', id, phase: 'warming-up', fraction: 1 });
    const warmupMs = performance.now() - w0;
    checked = { loaded, deitFirst, dvitFirst, warmupMs };
  } catch (e) {
    await Promise.all(sessions.map((s) => s.release())).catch(() => undefined);
    throw e;
  }
  const { loaded, deitFirst, dvitFirst, warmupMs } = checked;

  const previous = model;
  model = loaded;
  lastInput = null;
  warmed.clear();
  processedImageId = -1; // the current image is decoded again for the new model (bridge.ts re-classifies)
  if (previous) await Promise.all([previous.dvit.release(), previous.deit.release()]).catch(() => undefined);
  const ready: ReadyMessage = {
    status: 'ready', id, backend, adapter, fallbackReason, allNodesOnGpu, gpuNote, ortVersion: ort.env.versions.web ?? ort.env.versions.common ?? '?',
    dynamicvit: dvitCard, deit: deitCard,
    timings: { createMs, warmupMs, firstRunMs: { deit: deitFirst.ms, dynamicvit: dvitFirst.ms } },
  };
  if (recovery) ready.recovery = { reason: recovery.reason, message: recovery.message, ms: performance.now() - recovery.t0 };
  post(ready);
}

// -------------------------------------------------------------------------------------------------- run

function pixelTensor(card: ModelCard, data: Float32Array): ort.Tensor {
  const s = card.preprocessing.crop_size;
  return new ort.Tensor('float32', data, [1, 3, s, s]);
}

/** Reads an output whether it came back on the CPU or stayed on the GPU (the timing ends here). */
async function read(t: ort.Tensor): Promise<ort.Tensor['data']> {
  return t.location === 'cpu' || t.location === 'cpu-pinned' ? t.data : await t.getData(true);
}

/** session.run, failing fast with DeviceLostError if the device goes away (a run on a lost device may never settle). */
function run(m: Loaded, session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
  if (!m.gpuLost) return session.run(feeds);
  if (m.gpu?.lostInfo) return Promise.reject(new DeviceLostError(`the GPU device was lost (${m.gpu.lostInfo.reason})`));
  return Promise.race([session.run(feeds), m.gpuLost]);
}

async function runDeit(m: Loaded, data: Float32Array) {
  const t0 = performance.now();
  const out = await run(m, m.deit, { pixel_values: pixelTensor(m.deitCard, data) });
  const logits = (await read(out.logits)) as Float32Array;
  warmed.add('deit');
  return { ms: performance.now() - t0, logits };
}

async function runDvit(m: Loaded, data: Float32Array, counts: number[]) {
  const feeds: Record<string, ort.Tensor> = { pixel_values: pixelTensor(m.dvitCard, data) };
  counts.forEach((k, i) => (feeds[`keep_count_stage${i + 1}`] = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1])));
  const t0 = performance.now();
  const out = await run(m, m.dvit, feeds);
  const logits = (await read(out.logits)) as Float32Array;
  const kept: number[][] = [];
  for (let p = 1; p <= counts.length; p++) {
    const d = await read(out[`kept_positions_stage${p}`]);
    kept.push(Array.from(d as ArrayLike<number | bigint>, Number));
  }
  warmed.add(`dvit:${counts.join(',')}`);
  return { ms: performance.now() - t0, logits, kept };
}

/**
 * Decodes a dropped file after checking its bytes (src/engine/imageDecode.ts): specific messages for
 * non-images, truncated files and formats the browser cannot decode; very large images are decoded at a
 * reduced size (never 50 MP at full size); extreme aspect ratios are cut to the part the centre crop uses.
 * EXIF orientation is respected; animated images give their first frame.
 */
async function decode(blob: Blob, name: string, spec: ModelCard['preprocessing']): Promise<{ img: RgbaImage; width: number; height: number }> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const s = sniffImage(bytes);
  const refused = refusal(name, bytes.length, s);
  if (refused) throw new ImageInputError(refused);
  if (s.format === 'svg') throw new ImageInputError(`"${name}" is an SVG image; SVG is rasterised on the page (it cannot be decoded in a worker): drop it again`);
  const oriented = orientedSize(s);
  const target = oriented ? decodeSize(oriented.width, oriented.height, spec.resize_shorter_side) : null;
  const opts: ImageBitmapOptions = { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' };
  if (target?.reduced) Object.assign(opts, { resizeWidth: target.width, resizeHeight: target.height, resizeQuality: 'high' });
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(new Blob([bytes], { type: blob.type }), opts);
    if (target?.reduced && bmp.width > bmp.height !== target.width > target.height) {
      // a browser that resizes before applying the EXIF orientation: ask again with the stored size's axes
      bmp.close();
      bmp = await createImageBitmap(new Blob([bytes], { type: blob.type }), { ...opts, resizeWidth: target.height, resizeHeight: target.width });
    }
  } catch (e) {
    throw new ImageInputError(decodeFailure(name, s, e));
  }
  try {
    const cut = extremeAspectCut(bmp.width, bmp.height, spec.resize_shorter_side, spec.crop_size) ?? { left: 0, top: 0, width: bmp.width, height: bmp.height };
    const canvas = new OffscreenCanvas(cut.width, cut.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('OffscreenCanvas 2d context unavailable');
    ctx.drawImage(bmp, cut.left, cut.top, cut.width, cut.height, 0, 0, cut.width, cut.height);
    const img = { data: ctx.getImageData(0, 0, cut.width, cut.height).data, width: cut.width, height: cut.height };
    return { img, width: oriented?.width ?? bmp.width, height: oriented?.height ?? bmp.height };
  } catch (e) {
    throw new ImageInputError(decodeFailure(name, s, e));
  } finally {
    bmp.close();
  }
}

async function classify(req: Extract<ToWorker, { type: 'classify' }>): Promise<void> {
  if (req.id !== latestClassifyId) return; // superseded while queued: the last request wins
  const m = model;
  if (!m) throw new Error('no model loaded');
  let crop: Extract<FromWorker, { status: 'result' }>['crop'];
  if (latestImage && latestImage.id > processedImageId) {
    const { blob, name, id } = latestImage;
    processedImageId = id;
    const spec = m.dvitCard.preprocessing;
    const size = spec.crop_size;
    if (!blob.type.startsWith('image/') && blob.size === rawTensorBytes(size)) {
      // A raw, already preprocessed float32 NCHW tensor: fed to the models as-is (exact reproducibility).
      const tensor = new Float32Array(await blob.arrayBuffer());
      lastInput = { tensor };
      crop = {
        data: tensorToRgba(tensor, size, spec), size,
        source: { width: size, height: size, name: `${name} (raw tensor)` },
        resized: { width: size, height: size, left: 0, top: 0 },
      };
    } else {
      const { img, width, height } = await decode(blob, name, spec).catch((e: unknown) => {
        throw lastInput && e instanceof ImageInputError ? new ImageInputError(`${e.message}\nThe previous image and its result are still shown.`) : e;
      });
      const pre = preprocess(img, spec);
      lastInput = { tensor: pre.tensor };
      crop = { data: pre.crop, size: pre.size, source: { width, height, name }, resized: pre.resized };
    }
  }
  if (!lastInput) throw new Error('no image yet');
  const counts = keepCounts(req.rho, m.dvitCard.architecture.pruning_locations.length, m.dvitCard.architecture.num_patches);
  if (!lastInput.deit) {
    const d = await runDeit(m, lastInput.tensor);
    lastInput.deit = { top5: predictions(d.logits, m.deitCard.labels), latencyMs: d.ms };
  }
  const r = await runDvit(m, lastInput.tensor, counts);
  post(
    {
      status: 'result', id: req.id, rho: req.rho, keepCounts: counts, backend: m.backend,
      dynamicvit: { top5: predictions(r.logits, m.dvitCard.labels), latencyMs: r.ms, kept: r.kept },
      deit: lastInput.deit,
      crop,
    },
    crop ? [crop.data.buffer] : [],
  );
}

// ------------------------------------------------------------------------------------------- benchmark

/** One macrotask turn (a MessageChannel hop: no 4 ms setTimeout clamp), so queued messages are handled. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

async function benchmark(req: Extract<ToWorker, { type: 'benchmark' }>): Promise<void> {
  const m = model;
  if (!m) throw new Error('no model loaded');
  const size = m.dvitCard.preprocessing.crop_size;
  const input = lastInput?.tensor ?? Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.001));
  const counts = keepCounts(req.rho);
  // Warm-up at exactly these shapes (another keep ratio may need other shaders), unless already run.
  if (!warmed.has('deit')) await runDeit(m, input);
  if (!warmed.has(`dvit:${counts.join(',')}`)) await runDvit(m, input, counts);
  const deit: number[] = [];
  const dvit: number[] = [];
  let cancelled = false;
  for (let i = 0; i < req.runs; i++) {
    // Runs on wasm resolve through microtasks only: without a macrotask turn the 'cancel-benchmark'
    // message would never be delivered before the last run.
    await yieldToMessages();
    if (cancelBenchId === req.id) {
      cancelled = true;
      break;
    }
    // Interleaved, alternating which model goes first, same input, same backend.
    if (i % 2 === 0) {
      deit.push((await runDeit(m, input)).ms);
      dvit.push((await runDvit(m, input, counts)).ms);
    } else {
      dvit.push((await runDvit(m, input, counts)).ms);
      deit.push((await runDeit(m, input)).ms);
    }
    post({ status: 'bench-progress', id: req.id, done: i + 1, total: req.runs });
  }
  if (deit.length === 0) {
    post({ status: 'error', id: req.id, request: 'benchmark', message: 'benchmark cancelled before the first run' });
    return;
  }
  const sd = summarize(deit);
  const sv = summarize(dvit);
  post({
    status: 'bench-result', id: req.id, backend: m.backend, rho: req.rho, keepCounts: counts, cancelled,
    samples: { deit, dynamicvit: dvit }, deit: sd, dynamicvit: sv, speedup: sd.median / sv.median,
  });
}

// ------------------------------------------------------------------------------------------- messages

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function debug(req: Extract<ToWorker, { type: 'debug' }>): void {
  if (req.action === 'memory') {
    post({ status: 'memory', id: req.id, memory: memorySnapshot(model?.gpu?.buffers ?? null) });
    return;
  }
  const g = model?.gpu;
  if (!g) throw new Error('no GPU device to lose: the model runs on WebAssembly');
  g.device.destroy(); // device.lost resolves with reason "destroyed": the same path as a driver reset
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const req = ev.data;
  const fail = (e: unknown) => {
    // the page re-runs the interrupted classification when the recreated sessions are ready
    if (e instanceof DeviceLostError && req.type === 'classify') return;
    const message = e instanceof DeviceLostError ? `Interrupted: ${e.message}. The sessions are being recreated; run it again when the page is ready.` : errText(e);
    post({ status: 'error', id: req.id, request: req.type, message });
  };
  switch (req.type) {
    case 'load':
      void enqueue(() => load(req.id, 'load', urlSource(req.baseUrl), req.backend)).catch(fail);
      break;
    case 'load-files':
      void enqueue(() => load(req.id, 'load-files', fileSource(req.files), req.backend)).catch(fail);
      break;
    case 'classify':
      latestClassifyId = req.id;
      if (req.image) latestImage = { id: req.id, blob: req.image, name: req.name ?? 'image' };
      void enqueue(() => classify(req)).catch(fail);
      break;
    case 'benchmark':
      void enqueue(() => benchmark(req)).catch(fail);
      break;
    case 'cancel-benchmark':
      cancelBenchId = req.id;
      break;
    case 'debug':
      if (!DEBUG) {
        fail(new Error('debug requests need ?debug=1 on the page'));
        break;
      }
      try {
        debug(req);
      } catch (e) {
        fail(e);
      }
      break;
  }
};
