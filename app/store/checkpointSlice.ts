import type { StateCreator } from 'zustand';
import type { ImportedPair } from '../../src/worker/protocol.ts';
import { engine } from '../engine.ts';
import type { Store } from './index.ts';

/** Weightless templates the worker fills with a checkpoint's tensors (public/templates/). */
export const TEMPLATES_URL = new URL('templates/', new URL(import.meta.env.BASE_URL, window.location.href)).href;
/** The releases' trained keep ratios; a checkpoint does not record its own, so the page asks. */
export const TRAINED_RHOS = [0.5, 0.6, 0.7, 0.8, 0.9] as const;
export const DEFAULT_TRAINED_RHO = 0.7;

export interface CheckpointFileProgress {
  file: string;
  loaded: number;
  total: number;
  done: boolean;
}

/** Official .pth files dropped on the page: asked for the trained rho, read in the worker, stored in OPFS. */
export interface CheckpointState {
  /** files chosen, waiting for the trained keep ratio */
  ckptPending: File[] | null;
  ckptRho: number;
  /** the running import (also the user load id while it runs) */
  ckptLoadId: number;
  ckptPhase: string | null;
  ckptPhaseFraction: number | null;
  ckptPhaseDetail: string | null;
  ckptFiles: CheckpointFileProgress[];
  imports: ImportedPair[];
  importNote: string | null;
}

export interface CheckpointActions {
  chooseCheckpoints: (files: File[]) => void;
  setCheckpointRho: (rho: number) => void;
  startCheckpointLoad: () => void;
  cancelCheckpoints: () => void;
  refreshImports: () => void;
  loadImport: (importId: string) => void;
  removeImport: (importId: string) => void;
}

export type CheckpointSlice = CheckpointState & CheckpointActions;

const idle = { ckptLoadId: -1, ckptPhase: null, ckptPhaseFraction: null, ckptPhaseDetail: null, ckptFiles: [] };

export const createCheckpointSlice: StateCreator<Store, [], [], CheckpointSlice> = (set, get) => ({
  ckptPending: null,
  ckptRho: DEFAULT_TRAINED_RHO,
  ...idle,
  imports: [],
  importNote: null,

  chooseCheckpoints: (files) => {
    if (!files.length) return;
    set({ ckptPending: files, ckptRho: DEFAULT_TRAINED_RHO, importNote: null, error: null });
  },
  setCheckpointRho: (rho) => set({ ckptRho: rho }),

  startCheckpointLoad: () => {
    const files = get().ckptPending;
    if (!files || get().userLoading || get().status !== 'ready') return;
    const id = engine.newId();
    set({ ...idle, ckptLoadId: id, ckptPhase: 'reading', userLoadId: id, userLoading: true, error: null, importNote: null });
    engine.send({
      type: 'load-checkpoints',
      id,
      files,
      rho: get().ckptRho,
      templatesUrl: TEMPLATES_URL,
      backend: get().backendChoice,
      save: true,
    });
  },
  cancelCheckpoints: () => {
    const id = get().ckptLoadId;
    if (id >= 0) engine.send({ type: 'cancel-load', id });
    else set({ ckptPending: null });
  },

  refreshImports: () => engine.send({ type: 'imports', id: engine.newId() }),
  loadImport: (importId) => {
    if (get().userLoading || get().status !== 'ready') return;
    const id = engine.newId();
    set({ ...idle, ckptLoadId: id, ckptPhase: 'reading', userLoadId: id, userLoading: true, error: null, importNote: null });
    engine.send({ type: 'load-import', id, importId, templatesUrl: TEMPLATES_URL, backend: get().backendChoice });
  },
  removeImport: (importId) => engine.send({ type: 'imports', id: engine.newId(), remove: importId }),
});
