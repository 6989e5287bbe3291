/// <reference lib="webworker" />
/**
 * Benchmark worker: loads a model pair the way the app's worker does (same ORT build, same wasm asset, same
 * session options), then times DeiT and DynamicViT interleaved, the predictor-free and static-k variants, and
 * the app's pipeline (decode + preprocess + run + postprocess, same src/engine code) against bare runs.
 * Every timing ends when the outputs have been read back to the CPU (as the app's does).
 */
import * as ort from 'onnxruntime-web/webgpu';
import ortWasmUrl from 'ort-dist/ort-wasm-simd-threaded.asyncify.wasm?url';

import { keepCounts } from '../../src/engine/keepCounts.ts';
import { parseCard, type ModelCard } from '../../src/engine/modelCard.ts';
import { keepMask, predictions } from '../../src/engine/postprocess.ts';
import { preprocess, type RgbaImage } from '../../src/engine/preprocess.ts';
import { summarize } from '../../src/engine/stats.ts';
import { requestAdapter, summarizeAdapter } from '../../src/worker/gpuDevice.ts';
import type { Backend, CaptureCellReq, CellReq, HarnessReply, HarnessRequest, LoadReq, OutputLocation, OverheadReq, Variant } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

ort.env.wasm.wasmPaths = { wasm: ortWasmUrl };
ort.env.wasm.numThreads = 1; // as the app: no cross-origin isolation
ort.env.logLevel = 'error';

const post = (m: HarnessReply) => self.postMessage(m);
const log = (text: string) => post({ kind: 'log', text });

interface State {
  backend: Backend;
  outputLocation: OutputLocation;
  strict: boolean;
  base: string;
  dvitCard: ModelCard;
  deitCard: ModelCard;
  sessions: Partial<Record<Variant, ort.InferenceSession>>;
  staticRho: number | null;
  input: Float32Array;
}
let st: State | null = null;
const capture: { device: GPUDevice | null; inputs: Map<Variant, { buffer: GPUBuffer; tensor: ort.Tensor }> } = { device: null, inputs: new Map() };

async function adapterInfo() {
  const { adapter } = await requestAdapter();
  return adapter ? summarizeAdapter(adapter) : null;
}

function options(backend: Backend, strict: boolean, loc: OutputLocation): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    ...(backend === 'webgpu' && loc === 'gpu-buffer' ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
    ...(backend === 'webgpu' && strict ? { extra: { session: { disable_cpu_ep_fallback: '1' } } } : {}),
  };
}

async function fetchBytes(url: string): Promise<Uint8Array | null> {
  const r = await fetch(url);
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function create(s: Pick<State, 'backend' | 'strict' | 'outputLocation'>, bytes: Uint8Array) {
  return ort.InferenceSession.create(bytes, options(s.backend, s.strict, s.outputLocation));
}

function feeds(sess: ort.InferenceSession, card: ModelCard, data: Float32Array, counts: number[]) {
  const size = card.preprocessing.crop_size;
  const f: Record<string, ort.Tensor> = { pixel_values: new ort.Tensor('float32', data, [1, 3, size, size]) };
  counts.forEach((k, i) => {
    const n = `keep_count_stage${i + 1}`;
    if (sess.inputNames.includes(n)) f[n] = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
  });
  return f;
}

/** One run: session.run + reading every output back (the app reads logits and all kept positions). */
async function runOnce(v: Variant, data: Float32Array, counts: number[]) {
  const s = st!;
  const sess = s.sessions[v];
  if (!sess) throw new Error(`variant ${v} not loaded`);
  const card = v === 'deit' ? s.deitCard : s.dvitCard;
  const f = feeds(sess, card, data, counts);
  const gpuIn = capture.inputs.get(v);
  const t0 = performance.now();
  if (gpuIn) {
    // graph capture: the input must live on the GPU; the upload is part of the timing
    capture.device!.queue.writeBuffer(gpuIn.buffer, 0, data as Float32Array<ArrayBuffer>);
    f.pixel_values = gpuIn.tensor;
  }
  const out = await sess.run(f);
  const t1 = performance.now();
  const read: Record<string, ort.Tensor['data']> = {};
  for (const name of sess.outputNames) {
    const t = out[name];
    read[name] = t.location === 'cpu' || t.location === 'cpu-pinned' ? t.data : await t.getData(!gpuIn);
  }
  const t2 = performance.now();
  return { ms: t2 - t0, runMs: t1 - t0, readMs: t2 - t1, out: read };
}

async function load(req: LoadReq) {
  if (st) await release();
  const base = new URL(req.baseUrl, self.location.href).href;
  const j = async (f: string) => {
    const r = await fetch(new URL(f, base).href);
    if (!r.ok) throw new Error(`GET ${f}: HTTP ${r.status}`);
    return r.json();
  };
  const dvitCard = parseCard(await j('dynamicvit.json'), 'dynamicvit');
  const deitCard = parseCard(await j(dvitCard.twin ?? 'deit.json'), 'deit');
  const adapter = req.backend === 'webgpu' ? await adapterInfo() : null;
  if (req.backend === 'webgpu' && !adapter) throw new Error('no WebGPU adapter in this browser');
  const size = dvitCard.preprocessing.crop_size;
  // deterministic pseudo-random input (xorshift), roughly normalised-image range
  const input = new Float32Array(3 * size * size);
  let x = 2463534242;
  for (let i = 0; i < input.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    input[i] = ((x >>> 0) / 4294967296) * 4 - 2;
  }
  const s: State = {
    backend: req.backend, outputLocation: req.outputLocation, strict: true, base, dvitCard, deitCard,
    sessions: {}, staticRho: null, input,
  };
  const files: [Variant, string][] = [['deit', deitCard.onnx.file], ['dynamicvit', dvitCard.onnx.file]];
  if (req.nopred) files.push(['nopred', 'dynamicvit-nopred.onnx']);
  const createMs: Record<string, number> = {};
  let gpuNote: string | undefined;
  for (const [v, file] of files) {
    const bytes = await fetchBytes(new URL(file, base).href);
    if (!bytes) {
      log(`${file}: not found, skipped`);
      continue;
    }
    const t0 = performance.now();
    try {
      s.sessions[v] = await create(s, bytes);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (req.backend === 'webgpu' && /fallback/i.test(msg)) {
        gpuNote = `${file}: needs CPU EP fallback: ${msg}`;
        s.sessions[v] = await create({ ...s, strict: false }, bytes);
      } else throw e;
    }
    createMs[v] = performance.now() - t0;
    log(`${file}: session created in ${createMs[v].toFixed(0)} ms`);
  }
  st = s;
  // warm-up as the app does (one run each at the trained keep ratio): first runs compile shaders
  const firstRunMs: Record<string, number> = {};
  const counts = keepCounts(req.warmupRho, dvitCard.architecture.pruning_locations.length, dvitCard.architecture.num_patches);
  for (const v of Object.keys(s.sessions) as Variant[]) {
    firstRunMs[v] = (await runOnce(v, input, counts)).ms;
    log(`${v}: first run ${firstRunMs[v].toFixed(0)} ms`);
  }
  const secondDeitMs = (await runOnce('deit', input, counts)).ms; // steady-state estimate (plans the grid)
  log(`deit: second run ${secondDeitMs.toFixed(0)} ms`);
  return {
    backend: req.backend, outputLocation: req.outputLocation, adapter, allNodesOnGpu: req.backend === 'webgpu' ? !gpuNote : null,
    gpuNote, createMs, firstRunMs, secondDeitMs, warmupRho: req.warmupRho, ortVersion: ort.env.versions?.web ?? null,
    userAgent: self.navigator.userAgent, dvitCard: { name: dvitCard.name, gflops: dvitCard.gflops, architecture: dvitCard.architecture },
    deitCard: { name: deitCard.name, gflops: deitCard.gflops },
  };
}

async function loadStatic(rho: number): Promise<boolean> {
  const s = st!;
  if (s.staticRho === rho && s.sessions.static_k) return true;
  if (s.sessions.static_k) await s.sessions.static_k.release();
  delete s.sessions.static_k;
  s.staticRho = null;
  const bytes = await fetchBytes(new URL(`dynamicvit-k${rho.toFixed(2)}.onnx`, s.base).href);
  if (!bytes) return false;
  s.sessions.static_k = await create(s, bytes);
  s.staticRho = rho;
  return true;
}

async function cell(req: CellReq) {
  const s = st;
  if (!s) throw new Error('load first');
  const a = s.dvitCard.architecture;
  const counts = keepCounts(req.rho, a.pruning_locations.length, a.num_patches);
  const variants: Variant[] = ['deit', 'dynamicvit'];
  for (const v of req.extra) {
    if (v === 'static_k' ? await loadStatic(req.rho) : !!s.sessions[v]) variants.push(v);
  }
  // first run at this keep ratio (new shapes for the DynamicViT graphs): excluded from the statistics, reported
  // apart. DeiT's shapes do not depend on rho (warmed up at load).
  const firstRunMs: Record<string, number> = {};
  for (const v of variants) if (v !== 'deit') firstRunMs[v] = (await runOnce(v, s.input, counts)).ms;
  const samples: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
  const readMs: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
  const t0 = performance.now();
  let i = 0;
  for (; i < req.runs; i++) {
    const order = [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)];
    for (const v of order) {
      const r = await runOnce(v, s.input, counts);
      samples[v].push(r.ms);
      readMs[v].push(r.readMs);
    }
    if (performance.now() - t0 > req.maxMs && i + 1 >= req.minRuns) {
      i++;
      break;
    }
  }
  const summary = Object.fromEntries(variants.map((v) => [v, summarize(samples[v])]));
  log(`rho ${req.rho}: deit ${summary.deit.median.toFixed(1)} ms, dvit ${summary.dynamicvit.median.toFixed(1)} ms (${i} runs)`);
  return {
    rho: req.rho, keepCounts: counts, runs: i, timeBound: i < req.runs, firstRunMs, samples,
    readMedianMs: Object.fromEntries(variants.map((v) => [v, summarize(readMs[v]).median])), summary,
  };
}

// ------------------------------------------------------------------------------------- app pipeline

/** Same decode as src/worker/worker.ts (createImageBitmap + OffscreenCanvas getImageData). */
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

async function syntheticJpeg(w: number, h: number): Promise<Blob> {
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext('2d')!;
  const g = ctx.createLinearGradient(0, 0, w, h);
  g.addColorStop(0, '#204080');
  g.addColorStop(1, '#e0c060');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, w, h);
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 4294967296);
  for (let i = 0; i < 200; i++) {
    ctx.fillStyle = `hsl(${Math.floor(rnd() * 360)} 60% 50%)`;
    ctx.beginPath();
    ctx.arc(rnd() * w, rnd() * h, 5 + rnd() * 60, 0, Math.PI * 2);
    ctx.fill();
  }
  return c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
}

async function overhead(req: OverheadReq) {
  const s = st;
  if (!s) throw new Error('load first');
  const a = s.dvitCard.architecture;
  const counts = keepCounts(req.rho, a.pruning_locations.length, a.num_patches);
  const blob = await syntheticJpeg(req.imageWidth, req.imageHeight);
  const post = (r: Awaited<ReturnType<typeof runOnce>>, card: ModelCard, kept: boolean) => {
    const top5 = predictions(r.out.logits as Float32Array, card.labels);
    const masks = kept ? counts.map((_, p) => keepMask(Array.from(r.out[`kept_positions_stage${p + 1}`] as ArrayLike<number | bigint>, Number), a.grid)) : [];
    return { top5, masks };
  };
  /** What the app does for a new image: decode, preprocess, DeiT, DynamicViT, top-5 both, kept positions. */
  const pipeline = async () => {
    const t0 = performance.now();
    const img = await decode(blob);
    const t1 = performance.now();
    const pre = preprocess(img, s.dvitCard.preprocessing);
    const t2 = performance.now();
    const d = await runOnce('deit', pre.tensor, counts);
    const v = await runOnce('dynamicvit', pre.tensor, counts);
    const t3 = performance.now();
    post(d, s.deitCard, false);
    post(v, s.dvitCard, true);
    const t4 = performance.now();
    return { total: t4 - t0, decode: t1 - t0, preprocess: t2 - t1, run: t3 - t2, postprocess: t4 - t3, pre };
  };
  /** What the app does when only rho moves: DynamicViT + its postprocessing on the cached tensor. */
  const rerun = async (tensor: Float32Array) => {
    const t0 = performance.now();
    const v = await runOnce('dynamicvit', tensor, counts);
    const t1 = performance.now();
    post(v, s.dvitCard, true);
    return { total: performance.now() - t0, run: t1 - t0 };
  };
  // warm-up of decode/preprocess (JIT) without the model runs, then one full pipeline unless runs == 1
  const tensor = preprocess(await decode(blob), s.dvitCard.preprocessing).tensor;
  if (req.runs > 1) await pipeline();
  const P: Record<string, number[]> = { total: [], decode: [], preprocess: [], run: [], postprocess: [] };
  const bare: number[] = [];
  const bareDvit: number[] = [];
  const rer: number[] = [];
  const t0 = performance.now();
  let i = 0;
  for (; i < req.runs; i++) {
    const doBare = async () => {
      const d = await runOnce('deit', tensor, counts);
      const v = await runOnce('dynamicvit', tensor, counts);
      bare.push(d.ms + v.ms);
      bareDvit.push(v.ms);
    };
    const doPipe = async () => {
      const p = await pipeline();
      for (const k of Object.keys(P)) P[k].push((p as unknown as Record<string, number>)[k]);
    };
    if (i % 2) { await doBare(); await doPipe(); } else { await doPipe(); await doBare(); }
    rer.push((await rerun(tensor)).total);
    if (performance.now() - t0 > req.maxMs) {
      i++;
      break;
    }
  }
  const med = (xs: number[]) => summarize(xs).median;
  const pipeMed = med(P.total);
  const bareMed = med(bare);
  const res = {
    rho: req.rho, runs: i, image: { width: req.imageWidth, height: req.imageHeight, bytes: blob.size },
    pipeline: Object.fromEntries(Object.entries(P).map(([k, v]) => [k, summarize(v)])),
    bare: summarize(bare),
    rerun: { total: summarize(rer), bareDynamicvit: summarize(bareDvit) },
    /** (pipeline - bare session runs) / pipeline, medians: the app's overhead for a new image */
    overheadNewImage: (pipeMed - bareMed) / pipeMed,
    /** components measured inside the pipeline runs (decode + preprocess + postprocess) / total */
    overheadComponents: (med(P.decode) + med(P.preprocess) + med(P.postprocess)) / pipeMed,
    /** rho moved: (DynamicViT + postprocess) vs the bare DynamicViT run */
    overheadRerun: (med(rer) - med(bareDvit)) / med(rer),
  };
  log(`overhead rho ${req.rho}: pipeline ${pipeMed.toFixed(1)} ms vs bare ${bareMed.toFixed(1)} ms -> ${(100 * res.overheadNewImage).toFixed(1)}%`);
  return res;
}

async function captureCell(req: CaptureCellReq) {
  const s = st;
  if (!s || s.backend !== 'webgpu') throw new Error('captureCell needs a loaded WebGPU model');
  const device = (await (ort.env.webgpu as unknown as { device: Promise<GPUDevice> | GPUDevice }).device) as GPUDevice;
  capture.device = device;
  const a = s.dvitCard.architecture;
  const counts = keepCounts(req.rho, a.pruning_locations.length, a.num_patches);
  const size = s.dvitCard.preprocessing.crop_size;
  const opts = {
    executionProviders: [{ name: 'webgpu' }],
    graphOptimizationLevel: 'all',
    enableGraphCapture: true,
    preferredOutputLocation: 'gpu-buffer',
    freeDimensionOverrides: { batch: 1 },
    extra: { session: { disable_cpu_ep_fallback: '1' } },
  } as ort.InferenceSession.SessionOptions;
  const result: Record<string, unknown> = { rho: req.rho, keepCounts: counts };
  const made: Variant[] = [];
  try {
    for (const [v, file] of [['deit_capture', s.deitCard.onnx.file], ['static_k_capture', `dynamicvit-k${req.rho.toFixed(2)}.onnx`]] as [Variant, string][]) {
      const bytes = await fetchBytes(new URL(file, s.base).href);
      if (!bytes) throw new Error(`${file} not found`);
      s.sessions[v] = await ort.InferenceSession.create(bytes, opts);
      const buffer = device.createBuffer({ size: 4 * 3 * size * size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
      capture.inputs.set(v, { buffer, tensor: ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims: [1, 3, size, size] }) });
      made.push(v);
    }
    const variants: Variant[] = ['deit', 'dynamicvit', 'deit_capture', 'static_k_capture'];
    const firstRunMs: Record<string, number> = {};
    const check: Record<string, number[]> = {};
    for (const v of variants) {
      const r = await runOnce(v, s.input, counts);
      firstRunMs[v] = r.ms;
      check[v] = Array.from(r.out.logits as Float32Array).slice(0, 3);
    }
    const samples: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    const t0 = performance.now();
    let i = 0;
    for (; i < req.runs; i++) {
      const order = [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)];
      for (const v of order) samples[v].push((await runOnce(v, s.input, counts)).ms);
      if (performance.now() - t0 > req.maxMs && i >= 2) {
        i++;
        break;
      }
    }
    Object.assign(result, { runs: i, firstRunMs, logitsHead: check, samples, summary: Object.fromEntries(variants.map((v) => [v, summarize(samples[v])])) });
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
  } finally {
    for (const v of made) {
      await s.sessions[v]?.release().catch(() => undefined);
      delete s.sessions[v];
      capture.inputs.get(v)?.buffer.destroy();
      capture.inputs.delete(v);
    }
  }
  return result;
}

async function release() {
  if (!st) return;
  await Promise.all(Object.values(st.sessions).map((x) => x?.release())).catch(() => undefined);
  st = null;
}

self.onmessage = async (ev: MessageEvent<HarnessRequest>) => {
  const req = ev.data;
  try {
    let result: unknown;
    if (req.type === 'load') result = await load(req);
    else if (req.type === 'cell') result = await cell(req);
    else if (req.type === 'overhead') result = await overhead(req);
    else if (req.type === 'captureCell') result = await captureCell(req);
    else result = await release();
    post({ kind: 'ok', id: req.id, result: result ?? null });
  } catch (e) {
    post({ kind: 'error', id: req.id, message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  }
};
