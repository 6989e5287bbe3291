import type { StateCreator } from 'zustand';
import { parseIndex, type ModelCard, type ModelIndex } from '../../src/engine/modelCard.ts';
import { engine } from '../engine.ts';
import { INDEX_URL, modelBaseUrl, readQuery, resolveModel } from '../paths.ts';
import type { Store } from './index.ts';

export interface ModelState {
  index: ModelIndex | null;
  indexError: string | null;
  modelId: string | null;
  dvitCard: ModelCard | null;
  deitCard: ModelCard | null;
}

export interface ModelActions {
  init: () => Promise<void>;
  selectModel: (id: string) => void;
}

export type ModelSlice = ModelState & ModelActions;

export const createModelSlice: StateCreator<Store, [], [], ModelSlice> = (set, get) => ({
  index: null,
  indexError: null,
  modelId: null,
  dvitCard: null,
  deitCard: null,

  init: async () => {
    const q = readQuery();
    set({ backendChoice: q.backend === 'wasm' ? 'wasm' : 'auto' });
    let index: ModelIndex | null = null;
    try {
      const r = await fetch(INDEX_URL);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      index = parseIndex(await r.json());
      set({ index });
    } catch (e) {
      set({ indexError: `models/index.json could not be read (${e instanceof Error ? e.message : String(e)})` });
    }
    const id = q.model ?? index?.default ?? null;
    if (id) get().selectModel(id);
    else set({ status: 'error', error: 'No model: models/index.json is missing and no ?model= was given.' });
  },

  selectModel: (id) => {
    const entry = resolveModel(get().index, id);
    const loadId = engine.newId();
    set({
      modelId: id,
      loadId,
      status: 'loading',
      phase: 'probing',
      phaseFraction: null,
      phaseDetail: null,
      downloads: [],
      error: null,
      dvitCard: null,
      deitCard: null,
      timings: null,
      result: null,
      benchResult: null,
      benchRunning: false,
      benchProgress: null,
    });
    engine.send({ type: 'load', id: loadId, baseUrl: modelBaseUrl(entry), backend: get().backendChoice });
    // The current image, if any, is re-classified once the new model is ready (see bridge.ts).
  },
});
