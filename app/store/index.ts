/** One zustand store made of slices. Components read it with one selector per value. */
import { create } from 'zustand';
import { createBenchSlice, type BenchSlice } from './benchSlice.ts';
import { createInferenceSlice, type InferenceSlice } from './inferenceSlice.ts';
import { createModelSlice, type ModelSlice } from './modelSlice.ts';
import { createRuntimeSlice, type RuntimeSlice } from './runtimeSlice.ts';

export type Store = RuntimeSlice & ModelSlice & InferenceSlice & BenchSlice;

export const useStore = create<Store>()((...a) => ({
  ...createRuntimeSlice(...a),
  ...createModelSlice(...a),
  ...createInferenceSlice(...a),
  ...createBenchSlice(...a),
}));
