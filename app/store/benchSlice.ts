import type { StateCreator } from 'zustand';
import type { BenchResultMessage } from '../../src/worker/protocol.ts';
import { engine } from '../engine.ts';
import type { Store } from './index.ts';

export interface BenchState {
  benchRuns: number;
  benchRunning: boolean;
  benchProgress: { done: number; total: number } | null;
  benchResult: BenchResultMessage | null;
  benchId: number;
}

export interface BenchActions {
  setBenchRuns: (n: number) => void;
  runBenchmark: () => void;
  cancelBenchmark: () => void;
}

export type BenchSlice = BenchState & BenchActions;

function initialRuns(): number {
  const n = Number(new URLSearchParams(window.location.search).get('runs'));
  return Number.isInteger(n) && n > 0 ? Math.min(n, 500) : 20;
}

export const createBenchSlice: StateCreator<Store, [], [], BenchSlice> = (set, get) => ({
  benchRuns: initialRuns(),
  benchRunning: false,
  benchProgress: null,
  benchResult: null,
  benchId: -1,

  setBenchRuns: (n) => set({ benchRuns: Math.min(500, Math.max(1, Math.round(n) || 1)) }),

  runBenchmark: () => {
    if (get().status !== 'ready' || get().benchRunning) return;
    const id = engine.newId();
    set({ benchId: id, benchRunning: true, benchProgress: { done: 0, total: get().benchRuns }, benchResult: null });
    engine.send({ type: 'benchmark', id, runs: get().benchRuns, rho: get().rho });
  },

  cancelBenchmark: () => {
    if (get().benchRunning) engine.send({ type: 'cancel-benchmark', id: get().benchId });
  },
});
