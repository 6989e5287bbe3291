import type { StateCreator } from 'zustand';
import { everyNth, ratiosInRange } from '../../src/engine/curve.ts';
import type { EvalItem, EvalResultMessage } from '../../src/worker/protocol.ts';
import { engine } from '../engine.ts';
import type { Store } from './index.ts';

/** A labelled set ready to run: what it is and what was left out before the worker saw it. */
export interface EvalSet {
  name: string;
  items: EvalItem[];
  /** files the page could not label or fetch, with why (never silently dropped) */
  skipped: { name: string; reason: string }[];
  /** how labels were found (folder sets) */
  how?: string;
}

export interface EvalState {
  evalId: number;
  evalRunning: boolean;
  /** reading the set's files before the runs start */
  evalPreparing: string | null;
  evalProgress: { done: number; total: number; imagesDone: number; images: number; failed: number } | null;
  evalResult: (EvalResultMessage & { set: string; skipped: EvalSet['skipped']; how?: string; labels: number[] }) | null;
  evalError: string | null;
  /** evaluate every N-th image of the set (1 = all); ?evalEvery=N presets it */
  evalEvery: number;
}

export interface EvalActions {
  setEvalEvery: (n: number) => void;
  setEvalPreparing: (what: string | null) => void;
  setEvalError: (msg: string | null) => void;
  runEvaluation: (set: EvalSet) => void;
  cancelEvaluation: () => void;
}

export type EvaluateSlice = EvalState & EvalActions;

function initialEvery(): number {
  const n = Number(new URLSearchParams(window.location.search).get('evalEvery'));
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** The set being evaluated (labels of the items sent), kept page-side for the result's exports. */
let running: { set: EvalSet; items: EvalItem[]; every: number } | null = null;

export const createEvaluateSlice: StateCreator<Store, [], [], EvaluateSlice> = (set, get) => ({
  evalId: -1,
  evalRunning: false,
  evalPreparing: null,
  evalProgress: null,
  evalResult: null,
  evalError: null,
  evalEvery: initialEvery(),

  setEvalEvery: (n) => set({ evalEvery: Math.max(1, Math.min(1000, Math.round(n) || 1)) }),
  setEvalPreparing: (what) => set({ evalPreparing: what }),
  setEvalError: (msg) => set({ evalError: msg, evalPreparing: null }),

  runEvaluation: (s) => {
    const { status, evalRunning, dvitCard, evalEvery } = get();
    if (status !== 'ready' || evalRunning || !dvitCard?.pruning) return;
    const items = everyNth(s.items.length, evalEvery).map((i) => s.items[i]);
    if (!items.length) {
      set({ evalError: `${s.name}: no labelled images to evaluate`, evalPreparing: null });
      return;
    }
    const rhos = ratiosInRange(dvitCard.pruning.keep_ratio_range);
    const id = engine.newId();
    running = { set: s, items, every: evalEvery };
    set({
      evalId: id,
      evalRunning: true,
      evalPreparing: null,
      evalError: null,
      evalResult: null,
      evalProgress: { done: 0, total: 0, imagesDone: 0, images: items.length, failed: 0 },
    });
    engine.send({ type: 'evaluate', id, items, rhos });
  },

  cancelEvaluation: () => {
    if (get().evalRunning) engine.send({ type: 'cancel-evaluate', id: get().evalId });
  },
});

/** The bridge's handler for the worker's answer: the curve with the set it belongs to. */
export function evaluationDone(msg: EvalResultMessage): Partial<EvalState> {
  const r = running;
  running = null;
  const byName = new Map(r?.items.map((it) => [it.name, it.label]) ?? []);
  const name = r ? `${r.set.name}${r.every > 1 ? ` (every ${r.every}th image: ${r.items.length} of ${r.set.items.length})` : ''}` : 'set';
  return {
    evalRunning: false,
    evalResult: { ...msg, set: name, skipped: r?.set.skipped ?? [], how: r?.set.how, labels: msg.names.map((n) => byName.get(n) ?? -1) },
  };
}
