/** Worker -> store: the one switch over worker messages. Replies to superseded requests are dropped. */
import { stageCount, type ModelCard } from '../../src/engine/modelCard.ts';
import type { FromWorker } from '../../src/worker/protocol.ts';
import { engine } from '../engine.ts';
import { evaluationDone } from './evaluateSlice.ts';
import { useStore } from './index.ts';
import { DYNAMICVIT } from './methodSlice.ts';

/** Loads the user starts (own ONNX files, official checkpoints): on failure the loaded model stays. */
const USER_LOADS: readonly string[] = ['load-files', 'load-checkpoints', 'load-import'];

export function connectEngine(): () => void {
  return engine.subscribe(onMessage);
}

function onMessage(msg: FromWorker): void {
  const s = useStore.getState();
  const set = useStore.setState;
  switch (msg.status) {
    case 'backend':
      if (msg.id !== s.loadId) return;
      set({ backend: msg.backend, adapter: msg.adapter, fallbackReason: msg.fallbackReason ?? null });
      return;
    case 'phase':
      if (msg.id === s.ckptLoadId) {
        set({ ckptPhase: msg.phase, ckptPhaseFraction: msg.fraction ?? null, ckptPhaseDetail: msg.detail ?? null });
        return;
      }
      if (msg.id !== s.loadId) return;
      set({ phase: msg.phase, phaseFraction: msg.fraction ?? null, phaseDetail: msg.detail ?? null });
      return;
    case 'progress': {
      if (msg.id === s.ckptLoadId && !msg.file.endsWith('.onnx')) {
        const others = s.ckptFiles.filter((f) => f.file !== msg.file);
        set({ ckptFiles: [...others, { file: msg.file, loaded: msg.loaded, total: msg.total, done: msg.done }] });
        return;
      }
      if (msg.id !== s.loadId) return;
      const rest = s.downloads.filter((d) => d.file !== msg.file);
      set({
        downloads: [...rest, { file: msg.file, loaded: msg.loaded, total: msg.total, fromCache: msg.fromCache, done: msg.done }].sort(
          (a, b) => a.file.localeCompare(b.file),
        ),
      });
      return;
    }
    case 'device-lost':
      if (msg.id !== s.loadId && msg.id !== s.userLoadId) return;
      set({
        status: 'loading',
        phase: null,
        benchRunning: false,
        deviceLoss: {
          at: Date.now(),
          reason: msg.reason,
          message: msg.message,
          recoveredMs: null,
          backend: null,
          count: (s.deviceLoss?.count ?? 0) + 1,
        },
      });
      return;
    case 'memory': {
      const heap = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
      set({ memory: { ...msg.memory, pageJsHeapBytes: heap?.usedJSHeapSize ?? null, at: Date.now() } });
      return;
    }
    case 'ready': {
      const user = msg.id === s.userLoadId;
      if (msg.id !== s.loadId && !user) return;
      if (msg.recovery && s.deviceLoss) set({ deviceLoss: { ...s.deviceLoss, recoveredMs: msg.recovery.ms, backend: msg.backend } });
      if (user)
        set({ userLoading: false, modelId: `your model: ${msg.dynamicvit.display_name || msg.dynamicvit.name}`, benchResult: null });
      if (msg.id === s.ckptLoadId) set({ ckptLoadId: -1, ckptPending: null, ckptPhase: null, ckptFiles: [] });
      set({
        status: 'ready',
        phase: null,
        backend: msg.backend,
        adapter: msg.adapter,
        fallbackReason: msg.fallbackReason ?? null,
        allNodesOnGpu: msg.allNodesOnGpu,
        gpuNote: msg.gpuNote ?? null,
        ortVersion: msg.ortVersion,
        wasmThreads: msg.wasmThreads,
        dvitCard: msg.dynamicvit,
        deitCard: msg.deit,
        timings: msg.timings,
        ...shapeState(msg.dynamicvit, s),
        baselines: msg.baselines,
        baselineNote: msg.baselineNote ?? null,
        method: msg.baselines.some((b) => b.key === s.method) ? s.method : DYNAMICVIT,
        ...(s.rhoCard === `${msg.dynamicvit.name}:${msg.dynamicvit.onnx.sha256}` ? {} : { evalResult: null }),
      });
      if (s.hasImage) s.reclassify();
      return;
    }
    case 'result':
      if (msg.crop) {
        const c = msg.crop;
        set({
          crop: { data: c.data, size: c.size, name: c.source.name, width: c.source.width, height: c.source.height, resized: c.resized },
        });
      }
      if (msg.id !== useStore.getState().classifyId) return; // a newer request is on its way
      set({ result: msg, classifying: false });
      return;
    case 'bench-progress':
      if (msg.id !== s.benchId) return;
      set({ benchProgress: { done: msg.done, total: msg.total } });
      return;
    case 'bench-result':
      if (msg.id !== s.benchId) return;
      set({ benchResult: msg, benchRunning: false });
      return;
    case 'eval-progress':
      if (msg.id !== s.evalId) return;
      set({ evalProgress: { ...msg, images: s.evalProgress?.images ?? msg.imagesDone } });
      return;
    case 'eval-result':
      if (msg.id !== s.evalId) return;
      set(evaluationDone(msg));
      return;
    case 'imports':
      set({
        imports: msg.imports,
        ...(msg.saveError ? { importNote: `Loaded, but not stored in this browser for next time: ${msg.saveError}.` } : {}),
        ...(msg.saved ? { importNote: `Stored in this browser: ${msg.saved.title}. It stays in the list below after a reload.` } : {}),
      });
      return;
    case 'error':
      if (msg.id === s.ckptLoadId) set({ ckptLoadId: -1, ckptPending: null, ckptPhase: null, ckptFiles: [] });
      if (msg.request === 'load' && (msg.id === s.loadId || msg.id === -1)) {
        set({ status: 'error', phase: null, error: msg.message });
      } else if (USER_LOADS.includes(msg.request) && msg.id === s.userLoadId && s.deviceLoss?.recoveredMs === null) {
        set({ status: 'error', phase: null, userLoading: false, error: msg.message }); // recreating after a device loss failed
      } else if (USER_LOADS.includes(msg.request) && msg.id === s.userLoadId) {
        const current = s.dvitCard?.display_name ?? s.modelId ?? 'the previous model';
        set({ userLoading: false, error: `Your model was not loaded: ${msg.message}\n${current} is still loaded and working.` });
      } else if (msg.request === 'classify' && msg.id === s.classifyId) {
        set({ classifying: false, error: msg.message });
      } else if (msg.request === 'benchmark' && msg.id === s.benchId) {
        set({ benchRunning: false, error: msg.message });
      } else if (msg.request === 'evaluate' && msg.id === s.evalId) {
        set({ evalRunning: false, evalError: msg.message });
      }
      return;
  }
}

/**
 * Keep ratio and stage shown for a newly ready card: a new pair starts at its trained ratio and its last
 * stage; the same pair again (backend switch, device-loss recovery) keeps what the user had chosen.
 */
function shapeState(card: ModelCard, s: { rho: number | null; rhoCard: string | null; stage: number }) {
  const key = `${card.name}:${card.onnx.sha256}`;
  const stages = stageCount(card);
  if (s.rho !== null && s.rhoCard === key) return { stage: Math.min(s.stage, stages) };
  return { rho: card.pruning!.trained_keep_ratio, rhoCard: key, stage: stages };
}
