import type { StateCreator } from 'zustand';
import type { AdapterSummary, Backend, LoadPhase, ReadyMessage, WasmThreads } from '../../src/worker/protocol.ts';
import type { Store } from './index.ts';

export interface Download {
  file: string;
  loaded: number;
  total: number;
  fromCache: boolean;
  done: boolean;
}

/** The last GPU device loss and what became of it (shown until dismissed). */
export interface DeviceLoss {
  at: number;
  reason: string;
  message: string;
  /** ms from the loss to new sessions being ready; null while recreating */
  recoveredMs: number | null;
  /** where the recreated sessions run (wasm when no new device could be had) */
  backend: Backend | null;
  /** losses since the page loaded */
  count: number;
}

export interface RuntimeState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  phase: LoadPhase | null;
  phaseFraction: number | null;
  phaseDetail: string | null;
  backendChoice: 'auto' | 'wasm';
  backend: Backend | null;
  adapter: AdapterSummary | null;
  fallbackReason: string | null;
  allNodesOnGpu: boolean | null;
  gpuNote: string | null;
  ortVersion: string | null;
  /** ONNX Runtime's WebAssembly threads (null until the worker reported them) */
  wasmThreads: WasmThreads | null;
  downloads: Download[];
  timings: ReadyMessage['timings'] | null;
  error: string | null;
  loadId: number;
  deviceLoss: DeviceLoss | null;
}

export interface RuntimeActions {
  setBackendChoice: (b: 'auto' | 'wasm') => void;
  dismissError: () => void;
  dismissDeviceLoss: () => void;
}

export type RuntimeSlice = RuntimeState & RuntimeActions;

export const runtimeInitial: RuntimeState = {
  status: 'idle',
  phase: null,
  phaseFraction: null,
  phaseDetail: null,
  backendChoice: 'auto',
  backend: null,
  adapter: null,
  fallbackReason: null,
  allNodesOnGpu: null,
  gpuNote: null,
  ortVersion: null,
  wasmThreads: null,
  downloads: [],
  timings: null,
  error: null,
  loadId: -1,
  deviceLoss: null,
};

export const createRuntimeSlice: StateCreator<Store, [], [], RuntimeSlice> = (set, get) => ({
  ...runtimeInitial,
  setBackendChoice: (b) => {
    set({ backendChoice: b });
    const id = get().modelId;
    if (id) get().selectModel(id);
  },
  dismissError: () => set({ error: null }),
  dismissDeviceLoss: () => set({ deviceLoss: null }),
});
