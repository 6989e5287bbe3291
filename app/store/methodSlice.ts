import type { StateCreator } from 'zustand';
import type { MethodInfo, MethodOutput, ResultMessage } from '../../src/worker/protocol.ts';
import type { Store } from './index.ts';

export const DYNAMICVIT = 'dynamicvit';

/** Names on the page for the method keys (a baseline's key is its card's file stem). */
export function methodName(key: string, card?: { family: string } | null): string {
  if (key === DYNAMICVIT) return 'DynamicViT';
  if (card?.family === 'evit-topk' || key === 'attentive') return 'Attentive top-k';
  if (card?.family === 'random-keep' || key === 'random') return 'Random keep';
  return key;
}

/** The pruning method `key`'s answer in a result (DynamicViT's when the key is unknown). */
export function methodOutput(result: ResultMessage, key: string): MethodOutput {
  const b = key === DYNAMICVIT ? undefined : result.baselines.find((x) => x.key === key);
  return b ?? { key: DYNAMICVIT, ...result.dynamicvit };
}

export interface MethodState {
  /** training-free baselines of the loaded pair ([] when its card lists none) */
  baselines: MethodInfo[];
  baselineNote: string | null;
  /** the pruning method the main overlay shows */
  method: string;
}

export interface MethodActions {
  setMethod: (key: string) => void;
}

export type MethodSlice = MethodState & MethodActions;

export const createMethodSlice: StateCreator<Store, [], [], MethodSlice> = (set, get) => ({
  baselines: [],
  baselineNote: null,
  method: DYNAMICVIT,
  setMethod: (key) => {
    if (key === DYNAMICVIT || get().baselines.some((b) => b.key === key)) set({ method: key });
  },
});
