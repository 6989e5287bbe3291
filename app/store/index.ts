/** One zustand store made of slices. Components read it with one selector per value. */
import { create } from 'zustand';
import { createBenchSlice, type BenchSlice } from './benchSlice.ts';
import { createDebugSlice, type DebugSlice } from './debugSlice.ts';
import { createInferenceSlice, type InferenceSlice } from './inferenceSlice.ts';
import { createModelSlice, type ModelSlice } from './modelSlice.ts';
import { createRuntimeSlice, type RuntimeSlice } from './runtimeSlice.ts';
import { createUserModelSlice, type UserModelSlice } from './userModelSlice.ts';

export type Store = RuntimeSlice & ModelSlice & InferenceSlice & BenchSlice & UserModelSlice & DebugSlice;

export const useStore = create<Store>()((...a) => ({
  ...createRuntimeSlice(...a),
  ...createModelSlice(...a),
  ...createInferenceSlice(...a),
  ...createBenchSlice(...a),
  ...createUserModelSlice(...a),
  ...createDebugSlice(...a),
}));
