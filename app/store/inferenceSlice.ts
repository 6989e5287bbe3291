import type { StateCreator } from 'zustand';
import { snapRho } from '../../src/engine/keepCounts.ts';
import type { ResultMessage } from '../../src/worker/protocol.ts';
import { engine } from '../engine.ts';
import { isSvg, rasterizeSvg } from '../svgRaster.ts';
import type { Store } from './index.ts';

export interface CropImage {
  data: Uint8ClampedArray;
  size: number;
  name: string;
  width: number;
  height: number;
  resized: { width: number; height: number; left: number; top: number };
}

/** An entry of public/samples/samples.json. */
export interface SampleInfo {
  file: string;
  label: string;
  kind: string;
  label_index?: number;
  emoji?: string;
  object_patches?: number[] | null;
  source?: string;
  license?: string;
  note?: string;
}

export interface InferenceState {
  rho: number;
  stage: 1 | 2 | 3;
  hasImage: boolean;
  crop: CropImage | null;
  /** the bundled sample being shown (null for a user's own image) */
  sample: SampleInfo | null;
  result: ResultMessage | null;
  classifying: boolean;
  classifyId: number;
}

export interface InferenceActions {
  classifyImage: (blob: Blob, name: string, sample?: SampleInfo) => void;
  setRho: (rho: number) => void;
  reclassify: () => void;
  setStage: (s: 1 | 2 | 3) => void;
}

export type InferenceSlice = InferenceState & InferenceActions;

/** Images, or a raw preprocessed float32 NCHW tensor saved as .bin (checked for size in the worker). */
export const isImageLike = (f: Blob, name: string): boolean => f.type.startsWith('image/') || /\.bin$/i.test(name) || (f.type === '' && !/\.(txt|json|onnx|html?|pdf|zip)$/i.test(name));

let rhoTimer: ReturnType<typeof setTimeout> | undefined;

export const createInferenceSlice: StateCreator<Store, [], [], InferenceSlice> = (set, get) => ({
  rho: 0.7,
  stage: 3,
  hasImage: false,
  crop: null,
  sample: null,
  result: null,
  classifying: false,
  classifyId: -1,

  classifyImage: (blob, name, sample) => {
    if (!isImageLike(blob, name)) {
      set({ error: `"${name}" is neither an image nor a raw float32 tensor (.bin)` });
      return;
    }
    const id = engine.newId();
    set({ classifyId: id, classifying: true, hasImage: true, sample: sample ?? null, error: null });
    if (!isSvg(blob, name)) {
      engine.send({ type: 'classify', id, rho: get().rho, image: blob, name });
      return;
    }
    rasterizeSvg(blob, name).then(
      (png) => {
        if (get().classifyId === id) engine.send({ type: 'classify', id, rho: get().rho, image: png, name });
      },
      (e: unknown) => {
        if (get().classifyId === id) set({ classifying: false, error: e instanceof Error ? e.message : String(e) });
      },
    );
  },

  reclassify: () => {
    if (!get().hasImage || get().status !== 'ready') return;
    const id = engine.newId();
    set({ classifyId: id, classifying: true });
    engine.send({ type: 'classify', id, rho: get().rho });
  },

  setRho: (rho) => {
    set({ rho: snapRho(Math.min(1, Math.max(0.3, rho))) });
    clearTimeout(rhoTimer);
    rhoTimer = setTimeout(() => get().reclassify(), 120); // the model stays loaded; only the run repeats
  },

  setStage: (stage) => set({ stage }),
});
