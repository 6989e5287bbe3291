/// <reference lib="webworker" />
/**
 * Benchmark worker: the app's own worker modules (src/worker) driven by bench/run.mjs. Same ORT setup and wasm
 * threads (ortEnv), same GPUDevice (gpuDevice.currentGpu), same session options and fallbacks (sessions), same
 * card reading (modelSources), same timed runs and interleaving as the page's Benchmark panel (runs, benchmark),
 * and the page's own classification path for the pipeline overhead (classify: decode, preprocess, runs,
 * postprocess). Keep counts and FLOPs come from src/engine with the card's architecture.
 */
import { vitFlops } from '../../src/engine/flops.ts';
import { summarize } from '../../src/engine/stats.ts';
import { interleave, measureBatch, type Contender, type Warmed } from '../../src/worker/benchmark.ts';
import { classifyLatest, type CurrentImage } from '../../src/worker/classify.ts';
import { currentGpu } from '../../src/worker/gpuDevice.ts';
import { LatestInput } from '../../src/worker/latestInput.ts';
import { configureOrt, isOrtThread, ortVersion } from '../../src/worker/ortEnv.ts';
import { readCards, urlSource } from '../../src/worker/modelSources.ts';
import { countsFor, lostRejection, repeatBatch, runDeit, runDvit, type ModelPair } from '../../src/worker/runs.ts';
import { createOnBackend, createSessions } from '../../src/worker/sessions.ts';
import type { InferenceSession } from 'onnxruntime-web/webgpu';
import type { CellReq, HarnessReply, HarnessRequest, LoadReq, OverheadReq } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

/** "dynamicvit-bench:threads=1" fixes the wasm thread count; without it, the app's rule (every core up to the cap). */
const fixed = /threads=(\d+)/.exec(self.name)?.[1];
const threads = isOrtThread ? null : configureOrt(fixed ? Number(fixed) : undefined);

const post = (m: HarnessReply) => self.postMessage(m);
const log = (text: string) => post({ kind: 'log', text });

interface State {
  pair: ModelPair;
  nopred: InferenceSession | null;
  input: Float32Array;
  warmed: Warmed;
}
let st: State | null = null;

/** deterministic pseudo-random input (xorshift), roughly the range of a normalised image */
function syntheticInput(size: number): Float32Array {
  const input = new Float32Array(3 * size * size);
  let x = 2463534242;
  for (let i = 0; i < input.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    input[i] = ((x >>> 0) / 4294967296) * 4 - 2;
  }
  return input;
}

async function fetchBytes(url: string): Promise<Uint8Array | null> {
  const r = await fetch(url);
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function load(req: LoadReq) {
  if (st) await release();
  const base = new URL(req.baseUrl, self.location.href).href;
  const src = urlSource(base);
  const { dvitCard, deitCard } = await readCards(src);
  const gpu = req.backend === 'webgpu' ? await currentGpu(() => log('GPU device lost')) : { gpu: null };
  if (req.backend === 'webgpu' && !gpu.gpu) throw new Error(`no WebGPU device: ${gpu.reason}`);
  const t0 = performance.now();
  const bytes = await Promise.all([dvitCard, deitCard].map((c) => src.bytes(c, () => undefined)));
  const created = await createOnBackend(
    [
      { file: dvitCard.onnx.file, bytes: bytes[0] },
      { file: deitCard.onnx.file, bytes: bytes[1] },
    ],
    req.backend,
    gpu.gpu,
  );
  if (created.backend !== req.backend)
    throw new Error(`asked for ${req.backend}, sessions run on ${created.backend}: ${created.fallbackReason}`);
  const createMs = performance.now() - t0;
  const [dvit, deit] = created.sessions;
  let nopred: InferenceSession | null = null;
  if (req.nopred) {
    const b = await fetchBytes(new URL('dynamicvit-nopred.onnx', base).href);
    if (b) [nopred] = await createSessions([{ file: 'dynamicvit-nopred.onnx', bytes: b }], req.backend, created.allNodesOnGpu, gpu.gpu);
    else log('dynamicvit-nopred.onnx: not found, skipped');
  }
  const pair: ModelPair = { backend: created.backend, dvit, deit, dvitCard, deitCard, gpu: gpu.gpu, gpuLost: lostRejection(gpu.gpu) };
  const input = syntheticInput(dvitCard.preprocessing.crop_size);
  st = { pair, nopred, input, warmed: new Set() };
  // as the app: one run of each at batch 1 and the trained keep ratio compiles the first shaders
  const trained = countsFor(dvitCard, dvitCard.pruning!.trained_keep_ratio);
  const firstRunMs = { deit: (await runDeit(pair, input)).ms, dynamicvit: (await runDvit(pair, input, trained)).ms };
  st.warmed.add('deit:1').add(`dvit:1:${trained.join(',')}`);
  const secondDeitMs = (await runDeit(pair, input)).ms; // steady-state estimate (plans the grid)
  // V8 runs ORT's 26 MB of wasm with its baseline compiler first and tiers hot functions up in the background
  // (seconds on a loaded 2-core machine): keep running until that is done, so no cell times baseline code.
  const tierUp: number[] = [secondDeitMs];
  const w0 = performance.now();
  while (pair.backend === 'wasm' && performance.now() - w0 < req.tierUpMs) {
    tierUp.push((await runDeit(pair, input)).ms);
    await runDvit(pair, input, trained);
  }
  log(
    `${dvitCard.name} on ${pair.backend}${pair.backend === 'wasm' ? ` (${threads!.threads} threads)` : ''}: created in ${createMs.toFixed(0)} ms, DeiT runs ${secondDeitMs.toFixed(0)} ms -> ${tierUp.at(-1)!.toFixed(0)} ms after ${tierUp.length} warm-up runs`,
  );
  const full = vitFlops(deitCard, []).total;
  return {
    backend: pair.backend,
    adapter: gpu.gpu?.adapter ?? null,
    allNodesOnGpu: pair.backend === 'webgpu' ? created.allNodesOnGpu : null,
    gpuNote: created.gpuNote,
    wasmThreads: threads,
    crossOriginIsolated: self.crossOriginIsolated,
    createMs,
    firstRunMs,
    secondDeitMs,
    tierUpRunsMs: tierUp,
    ortVersion: ortVersion(),
    userAgent: self.navigator.userAgent,
    // the rules of src/engine applied to the card: what native_reference.py and report.mjs use
    rules: Object.fromEntries(
      req.rhos.map((rho) => {
        const counts = countsFor(dvitCard, rho);
        const g = vitFlops(dvitCard, counts).total;
        return [String(rho), { keepCounts: counts, gflops: g, deitGflops: full, flopRatio: g / full }];
      }),
    ),
    dvitCard: { name: dvitCard.name, gflops: dvitCard.gflops, architecture: dvitCard.architecture },
    deitCard: { name: deitCard.name, gflops: deitCard.gflops },
  };
}

async function cell(req: CellReq) {
  const s = st;
  if (!s) throw new Error('load first');
  const counts = countsFor(s.pair.dvitCard, req.rho);
  const ctl = { runs: req.runs, maxMs: req.maxMs, minRuns: req.minRuns };
  const t0 = performance.now();
  if (!req.extra.includes('nopred') || !s.nopred) {
    // exactly the page's Benchmark: src/worker/benchmark.ts measureBatch
    const r = await measureBatch(s.pair, s.input, counts, req.batch, ctl, s.warmed);
    if (!r) throw new Error('no rounds');
    log(
      `rho ${req.rho} batch ${req.batch}: deit ${r.deit.median.toFixed(1)} ms, dvit ${r.dynamicvit.median.toFixed(1)} ms, ratio ${r.ratio.toFixed(3)} (${r.rounds} rounds, ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    );
    return { rho: req.rho, keepCounts: counts, ...r };
  }
  // with the no-predictor variant as a third contender (same runs, same interleaving)
  const input = repeatBatch(s.input, req.batch);
  const nopred = s.nopred;
  const contenders: Contender[] = [
    { name: 'deit', run: () => runDeit(s.pair, input) },
    { name: 'dynamicvit', run: () => runDvit(s.pair, input, counts) },
    { name: 'nopred', run: () => runDvit(s.pair, input, counts, nopred) },
  ];
  const firstRunMs: Record<string, number> = {};
  for (const c of contenders) firstRunMs[c.name] = (await c.run()).ms; // warm-up at this shape, excluded
  const r = await interleave(contenders, ctl);
  const summary = Object.fromEntries(Object.entries(r.samples).map(([k, v]) => [k, summarize(v)]));
  return {
    rho: req.rho,
    batch: req.batch,
    keepCounts: counts,
    firstRunMs,
    samples: r.samples,
    rounds: r.rounds,
    timeBound: r.timeBound,
    summary,
  };
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
  const rnd = () => (x = (x * 1103515245 + 12345) >>> 0) / 4294967296;
  for (let i = 0; i < 200; i++) {
    ctx.fillStyle = `hsl(${Math.floor(rnd() * 360)} 60% 50%)`;
    ctx.beginPath();
    ctx.arc(rnd() * w, rnd() * h, 5 + rnd() * 60, 0, Math.PI * 2);
    ctx.fill();
  }
  return c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
}

/**
 * The app's overhead for a new image: src/worker/classify.ts classifyLatest (what the page's worker runs for a
 * dropped file: decode, preprocess, DeiT, DynamicViT, postprocess) timed stage by stage, plus the result message
 * (structured clone + transfer to the page), interleaved with bare session runs on the same tensor.
 */
async function overhead(req: OverheadReq) {
  const s = st;
  if (!s) throw new Error('load first');
  const blob = await syntheticJpeg(req.imageWidth, req.imageHeight);
  const inputs = new LatestInput<CurrentImage>();
  const counts = countsFor(s.pair.dvitCard, req.rho);
  let id = 0;
  const newImage = async () => {
    // a new Blob each time, as a drop gives a new file (nothing cached by the decoder)
    inputs.offer(++id, new Blob([await blob.arrayBuffer()], { type: 'image/jpeg' }), `synthetic-${id}.jpg`);
    const r = await classifyLatest(s.pair, inputs, req.rho, id);
    const t0 = performance.now();
    self.postMessage({ kind: 'result-message', msg: r.msg }, r.transfer);
    return { ...r.msg.pipeline, messageMs: performance.now() - t0 };
  };
  const rhoChange = async () => {
    const r = await classifyLatest(s.pair, inputs, req.rho, ++id);
    const t0 = performance.now();
    self.postMessage({ kind: 'result-message', msg: r.msg }, r.transfer);
    return { ...r.msg.pipeline, messageMs: performance.now() - t0 };
  };
  await newImage(); // warm-up (JIT of decode/preprocess), excluded
  const pipes: Awaited<ReturnType<typeof newImage>>[] = [];
  const rerun: Awaited<ReturnType<typeof rhoChange>>[] = [];
  const bare: number[] = [];
  const tensor = inputs.currentValue!.input.tensor;
  const t0 = performance.now();
  let i = 0;
  for (; i < req.runs; i++) {
    const doBare = async () => bare.push((await runDeit(s.pair, tensor)).ms + (await runDvit(s.pair, tensor, counts)).ms);
    if (i % 2) {
      await doBare();
      pipes.push(await newImage());
    } else {
      pipes.push(await newImage());
      await doBare();
    }
    rerun.push(await rhoChange());
    if (performance.now() - t0 > req.maxMs) {
      i++;
      break;
    }
  }
  const med = (xs: number[]) => summarize(xs).median;
  const keys = ['sniffMs', 'decodeMs', 'pixelsMs', 'preprocessMs', 'deitMs', 'dvitMs', 'postprocessMs', 'messageMs', 'totalMs'] as const;
  const split = Object.fromEntries(keys.map((k) => [k, summarize(pipes.map((p) => p[k]))]));
  // per pipeline run: everything that is not a model run, over the model runs of that same classification
  const ours = pipes.map((p) => (p.totalMs + p.messageMs - p.deitMs - p.dvitMs) / (p.deitMs + p.dvitMs));
  const oursRerun = rerun.map((p) => (p.totalMs + p.messageMs - p.dvitMs) / p.dvitMs);
  const res = {
    rho: req.rho,
    runs: i,
    image: { width: req.imageWidth, height: req.imageHeight, bytes: blob.size },
    newImageRecomputed: pipes.every((p) => p.newImage),
    rhoChangeRecomputed: rerun.some((p) => p.newImage),
    pipeline: split,
    rerun: Object.fromEntries(keys.map((k) => [k, summarize(rerun.map((p) => p[k]))])),
    bare: summarize(bare),
    /** median over new-image classifications of (time outside the model runs) / (model run time) */
    overheadNewImage: med(ours),
    /** the same when only rho moved (no decode, no preprocess, DeiT's result reused) */
    overheadRhoChange: med(oursRerun),
    /** (pipeline total - bare DeiT + DynamicViT runs) / bare, medians: the same figure from separate runs */
    overheadVsBare: (med(pipes.map((p) => p.totalMs + p.messageMs)) - med(bare)) / med(bare),
  };
  log(
    `overhead rho ${req.rho}: new image ${(100 * res.overheadNewImage).toFixed(1)}% of model time (decode ${split.decodeMs.median.toFixed(1)} ms, pixels ${split.pixelsMs.median.toFixed(1)} ms, preprocess ${split.preprocessMs.median.toFixed(1)} ms, models ${(split.deitMs.median + split.dvitMs.median).toFixed(1)} ms); rho change ${(100 * res.overheadRhoChange).toFixed(1)}%`,
  );
  return res;
}

async function release() {
  if (!st) return;
  await Promise.all([st.pair.dvit.release(), st.pair.deit.release(), st.nopred?.release()]).catch(() => undefined);
  st = null;
}

async function onMessage(ev: MessageEvent<HarnessRequest>) {
  const req = ev.data;
  try {
    let result: unknown;
    if (req.type === 'load') result = await load(req);
    else if (req.type === 'cell') result = await cell(req);
    else if (req.type === 'overhead') result = await overhead(req);
    else result = await release();
    post({ kind: 'ok', id: req.id, result: result ?? null });
  } catch (e) {
    post({ kind: 'error', id: req.id, message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  }
}

if (!isOrtThread) self.onmessage = onMessage;
