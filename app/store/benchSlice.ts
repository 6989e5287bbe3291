import type { StateCreator } from 'zustand';
import type { BenchResultMessage } from '../../src/worker/protocol.ts';
import { engine } from '../engine.ts';
import type { Store } from './index.ts';

/** Batch sizes the panel offers; batch 1 alone is the default (a software adapter takes seconds per batch-32 run). */
export const BENCH_BATCHES = [1, 8, 32] as const;

export interface BenchState {
  benchRuns: number;
  /** chosen batch sizes, ascending */
  benchBatches: number[];
  benchRunning: boolean;
  benchProgress: { done: number; total: number } | null;
  benchResult: BenchResultMessage | null;
  benchId: number;
}

export interface BenchActions {
  setBenchRuns: (n: number) => void;
  toggleBenchBatch: (b: number) => void;
  runBenchmark: () => void;
  cancelBenchmark: () => void;
}

export type BenchSlice = BenchState & BenchActions;

const params = () => new URLSearchParams(window.location.search);

function initialRuns(): number {
  const n = Number(params().get('runs'));
  return Number.isInteger(n) && n > 0 ? Math.min(n, 500) : 20;
}

/** ?batches=1,8,32 preselects batch sizes (the benchmark script's cross-check); default batch 1. */
function initialBatches(): number[] {
  const chosen = (params().get('batches') ?? '')
    .split(',')
    .map(Number)
    .filter((b) => (BENCH_BATCHES as readonly number[]).includes(b));
  return chosen.length ? [...new Set(chosen)].sort((a, b) => a - b) : [1];
}

export const createBenchSlice: StateCreator<Store, [], [], BenchSlice> = (set, get) => ({
  benchRuns: initialRuns(),
  benchBatches: initialBatches(),
  benchRunning: false,
  benchProgress: null,
  benchResult: null,
  benchId: -1,

  setBenchRuns: (n) => set({ benchRuns: Math.min(500, Math.max(1, Math.round(n) || 1)) }),

  toggleBenchBatch: (b) => {
    const cur = get().benchBatches;
    const next = cur.includes(b) ? cur.filter((x) => x !== b) : [...cur, b].sort((x, y) => x - y);
    if (next.length) set({ benchBatches: next }); // at least one batch size stays chosen
  },

  runBenchmark: () => {
    const { status, benchRunning, rho, benchRuns, benchBatches } = get();
    if (status !== 'ready' || benchRunning || rho === null) return;
    const id = engine.newId();
    set({ benchId: id, benchRunning: true, benchProgress: { done: 0, total: benchRuns * benchBatches.length }, benchResult: null });
    engine.send({ type: 'benchmark', id, runs: benchRuns, rho, batches: benchBatches });
  },

  cancelBenchmark: () => {
    if (get().benchRunning) engine.send({ type: 'cancel-benchmark', id: get().benchId });
  },
});
