/// <reference lib="webworker" />
/**
 * The inference worker's dispatch: one queue for every session run (ORT rejects overlapping runs on a
 * session), the loaded pair, the latest image, device-loss recovery. The jobs live in their own modules:
 * ortEnv (ORT setup, wasm threads), gpuDevice + sessions (device, session options), runs (timed runs),
 * modelSources + load (cards, bytes, new sessions), decode + latestInput + classify (images), benchmark.
 */
import { checkpointSource } from './checkpointSource.ts';
import { importFiles, listImports, removeImport, saveImport } from './importStore.ts';
import { memorySnapshot, watchWasmMemory } from './memoryProbe.ts';
import { configureOrt, isOrtThread, ortVersion } from './ortEnv.ts';
import { benchmarkBatches } from './pageBenchmark.ts';
import type { CurrentImage } from './classify.ts';
import { classifyLatest } from './classify.ts';
import { currentGpu, type GpuHandle } from './gpuDevice.ts';
import { LatestInput } from './latestInput.ts';
import { evaluateSet } from './evaluate.ts';
import { loadPair } from './load.ts';
import { releaseBaselines, type MethodPair } from './methods.ts';
import { fileSource, urlSource, type ModelSource } from './modelSources.ts';
import type { Backend, FromWorker, ReadyMessage, ToWorker } from './protocol.ts';
import { countsFor, DeviceLostError } from './runs.ts';
import { errText } from './sessions.ts';
import type { Warmed } from './benchmark.ts';

declare const self: DedicatedWorkerGlobalScope;

type LoadKind = 'load' | 'load-files' | 'load-checkpoints' | 'load-import';

interface Loaded extends MethodPair {
  /** how to load the same pair again (after a device loss) */
  origin: { id: number; request: LoadKind; src: ModelSource; choice: Backend | 'auto' };
}

const post = (msg: FromWorker, transfer: Transferable[] = []) => self.postMessage(msg, transfer);

let model: Loaded | null = null;
const inputs = new LatestInput<CurrentImage>();
let latestClassifyId = -1;
let cancelBenchId = -1;
let cancelEvalId = -1;
let cancelLoadId = -1;
/** Input shapes the current sessions have run (shaders compiled): the benchmark warms up only new ones. */
const warmed: Warmed = new Set();

let queue: Promise<unknown> = Promise.resolve();
function enqueue<T>(job: () => Promise<T>): Promise<T> {
  const p = queue.then(job);
  queue = p.catch(() => undefined);
  return p;
}

/**
 * A lost device takes its sessions with it: the page is told, then the same pair is loaded again on a new
 * device (or on wasm, with the reason, when no new device can be had). A run in flight fails with
 * DeviceLostError and the page runs it again once the new sessions are ready.
 */
function onDeviceLost(g: GpuHandle, info: GPUDeviceLostInfo): void {
  const m = model;
  if (!m || m.gpu !== g) return; // nothing of ours runs on it any more
  const { id, request, src, choice } = m.origin;
  post({ status: 'device-lost', id, reason: info.reason, message: info.message });
  const t0 = performance.now();
  void enqueue(() => load(id, request, src, choice, { reason: info.reason, message: info.message, t0 })).catch((e: unknown) => {
    if (model === m) model = null;
    post({
      status: 'error',
      id,
      request,
      message: `The GPU device was lost (${info.reason}) and the sessions could not be recreated: ${errText(e)}`,
    });
  });
}

/** Loads a pair and swaps it in: until it is ready (and whenever anything about it is wrong) the previous model stays. */
async function load(
  id: number,
  request: LoadKind,
  src: ModelSource,
  choice: Backend | 'auto',
  recovery?: { reason: string; message: string; t0: number },
): Promise<void> {
  const { pair, ready } = await loadPair({ id, src, choice, post, gpu: () => currentGpu(onDeviceLost), recovery });
  const previous = model;
  model = { ...pair, origin: { id, request, src, choice } };
  inputs.invalidate(); // the current image is prepared again for the new model (bridge.ts re-classifies)
  warmed.clear();
  warmed.add('deit:1').add(`dvit:1:${countsFor(pair.dvitCard, pair.dvitCard.pruning!.trained_keep_ratio).join(',')}`);
  if (previous)
    await Promise.all([previous.dvit.release(), previous.deit.release(), releaseBaselines(previous.baselines)]).catch(() => undefined);
  const msg: ReadyMessage = { status: 'ready', id, ortVersion: ortVersion(), wasmThreads, ...ready };
  if (recovery) msg.recovery = { reason: recovery.reason, message: recovery.message, ms: performance.now() - recovery.t0 };
  post(msg);
}

async function classify(req: Extract<ToWorker, { type: 'classify' }>): Promise<void> {
  if (req.id !== latestClassifyId) return; // superseded while queued: the last request wins
  if (!model) throw new Error('no model loaded');
  const { msg, transfer } = await classifyLatest(model, inputs, req.rho, req.id);
  post(msg, transfer);
}

async function benchmark(req: Extract<ToWorker, { type: 'benchmark' }>): Promise<void> {
  if (!model) throw new Error('no model loaded');
  const image = inputs.currentValue?.input.tensor ?? null;
  const result = await benchmarkBatches(model, image, req, warmed, {
    cancelled: () => cancelBenchId === req.id,
    progress: (done, total) => post({ status: 'bench-progress', id: req.id, done, total }),
  });
  if (!result) {
    post({ status: 'error', id: req.id, request: 'benchmark', message: 'benchmark cancelled before the first run' });
    return;
  }
  post({ ...result, threads: wasmThreads.threads });
}

/** Not one queue job: each image is one (evaluate.ts), so the page's classifications run in between. */
async function evaluate(req: Extract<ToWorker, { type: 'evaluate' }>): Promise<void> {
  const m = model;
  if (!m) throw new Error('no model loaded');
  const result = await evaluateSet(m, req, {
    enqueue,
    cancelled: () => cancelEvalId === req.id,
    current: () => model,
    progress: (p) => post({ status: 'eval-progress', id: req.id, ...p }),
  });
  post({ status: 'eval-result', id: req.id, ...result });
}

/** Official checkpoints (issue 11): read and matched to a template in the worker, then stored in OPFS if asked. */
async function loadCheckpoints(req: Extract<ToWorker, { type: 'load-checkpoints' | 'load-import' }>): Promise<void> {
  const stored = req.type === 'load-import' ? await importFiles(req.importId) : null;
  const files = stored ? stored.files : (req as Extract<ToWorker, { type: 'load-checkpoints' }>).files;
  const rho = stored ? stored.meta.rho : (req as Extract<ToWorker, { type: 'load-checkpoints' }>).rho;
  const src = checkpointSource(files, rho, req.templatesUrl, { id: req.id, post, cancelled: () => cancelLoadId === req.id });
  await enqueue(() => load(req.id, req.type, src, req.backend));
  if (req.type !== 'load-checkpoints' || !req.save || !model) return;
  // not a queue job: writing hundreds of MB to disk must not hold up classifications
  const meta = { title: model.dvitCard.display_name, arch: model.dvitCard.architecture.arch, rho };
  const saved = await saveImport(files, meta).catch((e: unknown) => errText(e));
  post({ status: 'imports', id: req.id, imports: await listImports(), ...(typeof saved === 'string' ? { saveError: saved } : { saved }) });
}

async function imports(req: Extract<ToWorker, { type: 'imports' }>): Promise<void> {
  if (req.remove) await removeImport(req.remove);
  post({ status: 'imports', id: req.id, imports: await listImports() });
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

/** Debug mode (?debug=1 on the page names the worker "...:debug"): memory probes and the device-loss button. */
const DEBUG = self.name.endsWith(':debug');
if (DEBUG && !isOrtThread) watchWasmMemory();
// In ORT's own pthread workers (which run this bundle too) nothing below may run: ORT handles their messages.
const wasmThreads = isOrtThread ? null! : configureOrt();

function onMessage(ev: MessageEvent<ToWorker>): void {
  const req = ev.data;
  const fail = (e: unknown) => {
    // the page re-runs the interrupted classification when the recreated sessions are ready
    if (e instanceof DeviceLostError && req.type === 'classify') return;
    const message =
      e instanceof DeviceLostError
        ? `Interrupted: ${e.message}. The sessions are being recreated; run it again when the page is ready.`
        : errText(e);
    post({ status: 'error', id: req.id, request: req.type, message });
  };
  switch (req.type) {
    case 'load':
      void enqueue(() => load(req.id, 'load', urlSource(req.baseUrl), req.backend)).catch(fail);
      break;
    case 'load-files':
      void enqueue(() => load(req.id, 'load-files', fileSource(req.files), req.backend)).catch(fail);
      break;
    case 'load-checkpoints':
    case 'load-import':
      void loadCheckpoints(req).catch(fail);
      break;
    case 'cancel-load':
      cancelLoadId = req.id;
      break;
    case 'imports':
      void imports(req).catch(fail);
      break;
    case 'classify':
      latestClassifyId = req.id;
      if (req.image) inputs.offer(req.id, req.image, req.name ?? 'image');
      void enqueue(() => classify(req)).catch(fail);
      break;
    case 'benchmark':
      void enqueue(() => benchmark(req)).catch(fail);
      break;
    case 'cancel-benchmark':
      cancelBenchId = req.id;
      break;
    case 'evaluate':
      void evaluate(req).catch(fail);
      break;
    case 'cancel-evaluate':
      cancelEvalId = req.id;
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
}

if (!isOrtThread) self.onmessage = onMessage;
