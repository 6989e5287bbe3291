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
import { keepCounts } from '../engine/keepCounts.ts';
import { checkCardAgainstSession, parseCard, type ModelCard } from '../engine/modelCard.ts';
import { predictions } from '../engine/postprocess.ts';
import { preprocess, rawTensorBytes, tensorToRgba, type RgbaImage } from '../engine/preprocess.ts';
import { summarize } from '../engine/stats.ts';
import type { AdapterSummary, Backend, FromWorker, ToWorker } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

ort.env.wasm.wasmPaths = { wasm: ortWasmUrl };
ort.env.wasm.numThreads = 1; // no cross-origin isolation needed
ort.env.logLevel = 'error';

const post = (msg: FromWorker, transfer: Transferable[] = []) => self.postMessage(msg, transfer);

interface Loaded {
  backend: Backend;
  dvit: ort.InferenceSession;
  deit: ort.InferenceSession;
  dvitCard: ModelCard;
  deitCard: ModelCard;
}

let model: Loaded | null = null;
let lastInput: { tensor: Float32Array; deit?: { top5: ReturnType<typeof predictions>; latencyMs: number } } | null = null;
let latestClassifyId = -1;
let latestImage: { id: number; blob: Blob; name: string } | null = null;
let processedImageId = -1;
let cancelBenchId = -1;

let queue: Promise<unknown> = Promise.resolve();
function enqueue<T>(job: () => Promise<T>): Promise<T> {
  const p = queue.then(job);
  queue = p.catch(() => undefined);
  return p;
}

// ---------------------------------------------------------------------------------------------- backend

async function probeWebGpu(): Promise<{ adapter: AdapterSummary | null; reason?: string }> {
  const gpu = (self.navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { adapter: null, reason: 'navigator.gpu is undefined: this browser exposes no WebGPU API here' };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { adapter: null, reason: `navigator.gpu.requestAdapter() threw: ${errText(e)}` };
  }
  if (!adapter) {
    return {
      adapter: null,
      reason: 'navigator.gpu.requestAdapter() returned null: no WebGPU adapter (GPU disabled or blocklisted; headless Chromium needs --enable-unsafe-webgpu)',
    };
  }
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    adapter: {
      vendor: info.vendor || '(hidden)',
      architecture: info.architecture || '(hidden)',
      device: info.device || '',
      description: info.description || '',
      isFallbackAdapter: info.isFallbackAdapter ?? legacy ?? null,
      features: [...adapter.features].sort(),
    },
  };
}

/** The adapter ONNX Runtime actually runs on (GPUDevice.adapterInfo), over the probe's values. */
async function ortAdapter(probe: AdapterSummary): Promise<AdapterSummary> {
  try {
    const device = (await ort.env.webgpu.device) as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } };
    const info = device.adapterInfo;
    if (!info) return probe;
    return {
      ...probe,
      vendor: info.vendor || probe.vendor,
      architecture: info.architecture || probe.architecture,
      device: info.device || probe.device,
      description: info.description || probe.description,
      isFallbackAdapter: info.isFallbackAdapter ?? probe.isFallbackAdapter,
    };
  } catch {
    return probe;
  }
}

function sessionOptions(backend: Backend, strict: boolean): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [backend],
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

async function load(req: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  const { id } = req;
  if (model) {
    await Promise.all([model.dvit.release(), model.deit.release()]).catch(() => undefined);
    model = null;
  }
  lastInput = null;
  processedImageId = -1;

  post({ status: 'phase', id, phase: 'probing' });
  let backend: Backend = 'wasm';
  let adapter: AdapterSummary | null = null;
  let fallbackReason: string | undefined;
  if (req.backend === 'wasm') {
    fallbackReason = 'WebAssembly was selected by hand (WebGPU not probed)';
  } else {
    const probe = await probeWebGpu();
    adapter = probe.adapter;
    fallbackReason = probe.reason;
    backend = adapter ? 'webgpu' : 'wasm';
  }
  post({ status: 'backend', id, backend, adapter, fallbackReason });

  const base = new URL(req.baseUrl, self.location.href).href;
  const dvitCard = parseCard(
    await fetchJson(new URL('dynamicvit.json', base).href).catch((e: unknown) => {
      throw new Error(`no model card at ${base}dynamicvit.json (${errText(e)}); models live in public/models/<id>/ and are listed in public/models/index.json`);
    }),
    'dynamicvit',
  );
  const deitCard = parseCard(await fetchJson(new URL(dvitCard.twin ?? 'deit.json', base).href), 'deit');

  post({ status: 'phase', id, phase: 'downloading' });
  const bytes = await Promise.all(
    [dvitCard, deitCard].map((card) =>
      fetchModelBytes(new URL(card.onnx.file, base).href, card.onnx, (p) =>
        post({ status: 'progress', id, file: card.onnx.file, ...p }),
      ),
    ),
  );

  post({ status: 'phase', id, phase: 'creating-sessions' });
  const t0 = performance.now();
  let allNodesOnGpu = false;
  let gpuNote: string | undefined;
  // One at a time: the WebGPU EP refuses to create two sessions concurrently.
  const create = async (b: Backend, strict: boolean) => {
    const out: ort.InferenceSession[] = [];
    try {
      for (const buf of bytes) out.push(await ort.InferenceSession.create(new Uint8Array(buf), sessionOptions(b, strict)));
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
      if (/fallback to CPU EP has been explicitly disabled|cpu ep fallback/i.test(msg)) {
        gpuNote = `some nodes need the CPU EP, so sessions were created with CPU fallback allowed: ${msg}`;
        sessions = await create('webgpu', false);
      } else {
        fallbackReason = `WebGPU session creation failed, using WebAssembly: ${msg}`;
        backend = 'wasm';
        post({ status: 'backend', id, backend, adapter, fallbackReason });
        sessions = await create('wasm', false);
      }
    }
  } else {
    sessions = await create('wasm', false);
  }
  const [dvit, deit] = sessions;
  const createMs = performance.now() - t0;
  if (backend === 'webgpu' && adapter) adapter = await ortAdapter(adapter);

  const problems = [
    ...checkCardAgainstSession(dvitCard, dvit),
    ...checkCardAgainstSession(deitCard, deit),
  ];
  if (problems.length) {
    await Promise.all(sessions.map((s) => s.release()));
    throw new Error(`model card and ONNX graph disagree:\n${problems.join('\n')}`);
  }
  if (dvitCard.labels.length !== deitCard.labels.length) throw new Error('DynamicViT and DeiT cards have different label sets');

  // One warm-up run each so that shader compilation is not part of any reported latency.
  post({ status: 'phase', id, phase: 'warming-up', fraction: 0, detail: 'compiling shaders: DeiT' });
  const size = dvitCard.preprocessing.crop_size;
  const dummy = new Float32Array(3 * size * size);
  const w0 = performance.now();
  const loaded: Loaded = { backend, dvit, deit, dvitCard, deitCard };
  const deitFirst = await runDeit(loaded, dummy);
  post({ status: 'phase', id, phase: 'warming-up', fraction: 0.5, detail: 'compiling shaders: DynamicViT' });
  const dvitFirst = await runDvit(loaded, dummy, keepCounts(dvitCard.pruning!.trained_keep_ratio));
  post({ status: 'phase', id, phase: 'warming-up', fraction: 1 });
  const warmupMs = performance.now() - w0;

  model = loaded;
  post({
    status: 'ready', id, backend, adapter, fallbackReason, allNodesOnGpu, gpuNote, ortVersion: ort.env.versions.web ?? ort.env.versions.common ?? '?',
    dynamicvit: dvitCard, deit: deitCard,
    timings: { createMs, warmupMs, firstRunMs: { deit: deitFirst.ms, dynamicvit: dvitFirst.ms } },
  });
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

async function runDeit(m: Loaded, data: Float32Array) {
  const t0 = performance.now();
  const out = await m.deit.run({ pixel_values: pixelTensor(m.deitCard, data) });
  const logits = (await read(out.logits)) as Float32Array;
  return { ms: performance.now() - t0, logits };
}

async function runDvit(m: Loaded, data: Float32Array, counts: number[]) {
  const feeds: Record<string, ort.Tensor> = { pixel_values: pixelTensor(m.dvitCard, data) };
  counts.forEach((k, i) => (feeds[`keep_count_stage${i + 1}`] = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1])));
  const t0 = performance.now();
  const out = await m.dvit.run(feeds);
  const logits = (await read(out.logits)) as Float32Array;
  const kept: number[][] = [];
  for (let p = 1; p <= counts.length; p++) {
    const d = await read(out[`kept_positions_stage${p}`]);
    kept.push(Array.from(d as ArrayLike<number | bigint>, Number));
  }
  return { ms: performance.now() - t0, logits, kept };
}

async function decode(blob: Blob): Promise<RgbaImage> {
  const bmp = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  try {
    const canvas = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('OffscreenCanvas 2d context unavailable');
    ctx.drawImage(bmp, 0, 0);
    return { data: ctx.getImageData(0, 0, bmp.width, bmp.height).data, width: bmp.width, height: bmp.height };
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
      const img = await decode(blob);
      const pre = preprocess(img, spec);
      lastInput = { tensor: pre.tensor };
      crop = { data: pre.crop, size: pre.size, source: { width: img.width, height: img.height, name }, resized: pre.resized };
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

async function benchmark(req: Extract<ToWorker, { type: 'benchmark' }>): Promise<void> {
  const m = model;
  if (!m) throw new Error('no model loaded');
  const size = m.dvitCard.preprocessing.crop_size;
  const input = lastInput?.tensor ?? Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.001));
  const counts = keepCounts(req.rho);
  // Warm-up at exactly these shapes (another keep ratio may need other shaders).
  await runDeit(m, input);
  await runDvit(m, input, counts);
  const deit: number[] = [];
  const dvit: number[] = [];
  let cancelled = false;
  for (let i = 0; i < req.runs; i++) {
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

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const req = ev.data;
  const fail = (e: unknown) => post({ status: 'error', id: req.id, request: req.type, message: errText(e) });
  switch (req.type) {
    case 'load':
      void enqueue(() => load(req)).catch(fail);
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
  }
};
