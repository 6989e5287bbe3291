import type { StateCreator } from 'zustand';
import { engine } from '../engine.ts';
import type { Store } from './index.ts';

/** A model pair the user chose (file picker or drop). The current model stays loaded until it is ready. */
export interface UserModelState {
  userLoadId: number;
  userLoading: boolean;
}

export interface UserModelActions {
  loadUserFiles: (files: File[]) => void;
}

export type UserModelSlice = UserModelState & UserModelActions;

export const createUserModelSlice: StateCreator<Store, [], [], UserModelSlice> = (set, get) => ({
  userLoadId: -1,
  userLoading: false,

  loadUserFiles: (files) => {
    if (get().status !== 'ready' || get().userLoading) return;
    const onnx = files.filter((f) => /\.onnx$/i.test(f.name));
    const cards = files.filter((f) => /\.json$/i.test(f.name));
    if (!onnx.length || !cards.length) {
      const names = files.map((f) => f.name).join(', ') || 'nothing';
      set({
        error: `Choose the model's cards and graphs together (dynamicvit.json, dynamicvit.onnx, deit.json, deit.onnx); got: ${names}.`,
      });
      return;
    }
    const id = engine.newId();
    set({ userLoadId: id, userLoading: true, error: null });
    engine.send({ type: 'load-files', id, files: [...onnx, ...cards], backend: get().backendChoice });
  },
});
