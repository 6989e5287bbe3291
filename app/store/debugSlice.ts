import type { StateCreator } from 'zustand';
import type { MemorySnapshot } from '../../src/worker/protocol.ts';
import { engine, isDebug } from '../engine.ts';
import type { Store } from './index.ts';

/** Diagnostics shown with ?debug=1: simulate a GPU device loss, read memory figures (page and worker). */
export interface DebugState {
  debug: boolean;
  memory: (MemorySnapshot & { pageJsHeapBytes: number | null; at: number }) | null;
}

export interface DebugActions {
  loseDevice: () => void;
  readMemory: () => void;
}

export type DebugSlice = DebugState & DebugActions;

export const createDebugSlice: StateCreator<Store, [], [], DebugSlice> = (_set, get) => ({
  debug: isDebug,
  memory: null,

  loseDevice: () => {
    if (get().debug && get().backend === 'webgpu' && get().status === 'ready')
      engine.send({ type: 'debug', id: engine.newId(), action: 'lose-device' });
  },

  readMemory: () => {
    if (get().debug) engine.send({ type: 'debug', id: engine.newId(), action: 'memory' });
  },
});
