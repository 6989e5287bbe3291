/**
 * Loading a model pair into new sessions: backend probe, cards, download, session creation, card-vs-graph
 * checks and one warm-up run each. The caller swaps the result in; on any failure nothing is kept.
 */
import { fp16Refusal } from '../engine/gpuRequirements.ts';
import { checkCardAgainstSession } from '../engine/modelCard.ts';
import type { GpuHandle } from './gpuDevice.ts';
import { readCards, type ModelSource } from './modelSources.ts';
import type { AdapterSummary, Backend, FromWorker, ReadyMessage } from './protocol.ts';
import { baselineNote, loadBaselines, releaseBaselines, warmBaselines, type Baseline, type MethodPair } from './methods.ts';
import { countsFor, lostRejection, runDeit, runDvit } from './runs.ts';
import { createOnBackend, errText } from './sessions.ts';

export interface LoadContext {
  id: number;
  src: ModelSource;
  choice: Backend | 'auto';
  post: (msg: FromWorker) => void;
  /** the device to use (null + reason when none can be had) */
  gpu: () => Promise<{ gpu: GpuHandle | null; reason?: string }>;
  /** set when reloading after a device loss */
  recovery?: { reason: string; message: string; t0: number };
}

export type LoadedReady = Omit<ReadyMessage, 'status' | 'id' | 'ortVersion' | 'wasmThreads'>;

export async function loadPair(ctx: LoadContext): Promise<{ pair: MethodPair; ready: LoadedReady }> {
  const { id, src, choice, post, recovery } = ctx;
  post({ status: 'phase', id, phase: 'probing' });
  let backend: Backend = 'wasm';
  let gpu: GpuHandle | null = null;
  let adapter: AdapterSummary | null = null;
  let fallbackReason: string | undefined;
  if (choice === 'wasm') {
    fallbackReason = 'WebAssembly was selected by hand (WebGPU not probed)';
  } else {
    const probe = await ctx.gpu();
    gpu = probe.gpu;
    adapter = gpu?.adapter ?? null;
    fallbackReason =
      probe.reason && recovery
        ? `the GPU device was lost (${recovery.reason}) and no new one could be created: ${probe.reason}`
        : probe.reason;
    backend = gpu ? 'webgpu' : 'wasm';
  }
  post({ status: 'backend', id, backend, adapter, fallbackReason });

  const { dvitCard, deitCard } = await readCards(src);
  const refused = adapter && backend === 'webgpu' ? fp16Refusal([dvitCard, deitCard], adapter) : null;
  if (refused) throw new Error(refused);

  post({ status: 'phase', id, phase: 'downloading' });
  const bytes = await Promise.all(
    [dvitCard, deitCard].map((card) => src.bytes(card, (file, p) => post({ status: 'progress', id, file, ...p }))),
  );

  post({ status: 'phase', id, phase: 'creating-sessions' });
  const t0 = performance.now();
  const created = await createOnBackend(
    [
      { file: dvitCard.onnx.file, bytes: bytes[0], externalData: src.externalData?.(dvitCard) },
      { file: deitCard.onnx.file, bytes: bytes[1], externalData: src.externalData?.(deitCard) },
    ],
    backend,
    gpu,
    (reason) => post({ status: 'backend', id, backend: 'wasm', adapter, fallbackReason: reason }),
  );
  if (created.backend === 'wasm') gpu = null;
  const [dvit, deit] = created.sessions;
  const createMs = performance.now() - t0;

  let baselines: Baseline[] = [];
  try {
    src.sessionsCreated?.();
    const problems = [...checkCardAgainstSession(dvitCard, dvit), ...checkCardAgainstSession(deitCard, deit)];
    if (problems.length) throw new Error(`model card and ONNX graph disagree:\n${problems.join('\n')}`);
    if (dvitCard.labels.length !== deitCard.labels.length) throw new Error('DynamicViT and DeiT cards have different label sets');
    const extra = await loadBaselines({
      dvitCard,
      src,
      backend: created.backend,
      strict: created.allNodesOnGpu,
      gpu,
      onProgress: (file, p) => post({ status: 'progress', id, file, ...p }),
    });
    baselines = extra.baselines;

    // One warm-up run each so that shader compilation is not part of any reported latency.
    post({ status: 'phase', id, phase: 'warming-up', fraction: 0, detail: 'compiling shaders: DeiT' });
    const size = dvitCard.preprocessing.crop_size;
    const dummy = new Float32Array(3 * size * size);
    const w0 = performance.now();
    const pair: MethodPair = { backend: created.backend, dvit, deit, dvitCard, deitCard, gpu, gpuLost: lostRejection(gpu), baselines: [] };
    const deitFirst = await runDeit(pair, dummy).catch((e: unknown) => {
      throw new Error(`${deitCard.onnx.file} failed its first run (does the graph match its card?): ${errText(e)}`);
    });
    post({ status: 'phase', id, phase: 'warming-up', fraction: 0.5, detail: 'compiling shaders: DynamicViT' });
    const dvitFirst = await runDvit(pair, dummy, countsFor(dvitCard, dvitCard.pruning!.trained_keep_ratio)).catch((e: unknown) => {
      throw new Error(`${dvitCard.onnx.file} failed its first run (does the graph match its card?): ${errText(e)}`);
    });
    if (baselines.length) post({ status: 'phase', id, phase: 'warming-up', fraction: 0.75, detail: 'compiling shaders: baselines' });
    const warmed = await warmBaselines(pair, baselines, dummy);
    pair.baselines = baselines = warmed.baselines;
    post({ status: 'phase', id, phase: 'warming-up', fraction: 1 });
    const ready: LoadedReady = {
      backend: created.backend,
      adapter,
      fallbackReason: created.fallbackReason ?? fallbackReason,
      allNodesOnGpu: created.allNodesOnGpu,
      gpuNote: created.gpuNote,
      dynamicvit: dvitCard,
      deit: deitCard,
      baselines: baselines.map((b) => ({ key: b.key, card: b.card })),
      baselineNote: baselineNote([...extra.problems, ...warmed.problems]),
      timings: { createMs, warmupMs: performance.now() - w0, firstRunMs: { deit: deitFirst.ms, dynamicvit: dvitFirst.ms } },
    };
    if (recovery) ready.recovery = { reason: recovery.reason, message: recovery.message, ms: performance.now() - recovery.t0 };
    return { pair, ready };
  } catch (e) {
    await Promise.all(created.sessions.map((s) => s.release())).catch(() => undefined);
    await releaseBaselines(baselines);
    throw e;
  }
}
