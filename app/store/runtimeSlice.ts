import type { StateCreator } from 'zustand';
import type { AdapterSummary, Backend, LoadPhase, ReadyMessage } from '../../src/worker/protocol.ts';
import type { Store } from './index.ts';

export interface Download {
  file: string;
  loaded: number;
  total: number;
  fromCache: boolean;
  done: boolean;
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
  downloads: Download[];
  timings: ReadyMessage['timings'] | null;
  error: string | null;
  loadId: number;
}

export interface RuntimeActions {
  setBackendChoice: (b: 'auto' | 'wasm') => void;
  dismissError: () => void;
}

export type RuntimeSlice = RuntimeState & RuntimeActions;

export const runtimeInitial: RuntimeState = {
  status: 'idle', phase: null, phaseFraction: null, phaseDetail: null, backendChoice: 'auto', backend: null,
  adapter: null, fallbackReason: null, allNodesOnGpu: null, gpuNote: null, ortVersion: null, downloads: [], timings: null,
  error: null, loadId: -1,
};

export const createRuntimeSlice: StateCreator<Store, [], [], RuntimeSlice> = (set, get) => ({
  ...runtimeInitial,
  setBackendChoice: (b) => {
    set({ backendChoice: b });
    const id = get().modelId;
    if (id) get().selectModel(id);
  },
  dismissError: () => set({ error: null }),
});
