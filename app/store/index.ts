/** One zustand store made of slices. Components read it with one selector per value. */
import { create } from 'zustand';
import { createBenchSlice, type BenchSlice } from './benchSlice.ts';
import { createCheckpointSlice, type CheckpointSlice } from './checkpointSlice.ts';
import { createDebugSlice, type DebugSlice } from './debugSlice.ts';
import { createEvaluateSlice, type EvaluateSlice } from './evaluateSlice.ts';
import { createInferenceSlice, type InferenceSlice } from './inferenceSlice.ts';
import { createMethodSlice, type MethodSlice } from './methodSlice.ts';
import { createModelSlice, type ModelSlice } from './modelSlice.ts';
import { createRuntimeSlice, type RuntimeSlice } from './runtimeSlice.ts';
import { createUserModelSlice, type UserModelSlice } from './userModelSlice.ts';

export type Store = CheckpointSlice &
  RuntimeSlice &
  ModelSlice &
  InferenceSlice &
  BenchSlice &
  UserModelSlice &
  DebugSlice &
  MethodSlice &
  EvaluateSlice;

export const useStore = create<Store>()((...a) => ({
  ...createRuntimeSlice(...a),
  ...createModelSlice(...a),
  ...createInferenceSlice(...a),
  ...createBenchSlice(...a),
  ...createUserModelSlice(...a),
  ...createCheckpointSlice(...a),
  ...createDebugSlice(...a),
  ...createMethodSlice(...a),
  ...createEvaluateSlice(...a),
}));
