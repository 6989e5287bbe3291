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
  /** keep ratio; null until a card is loaded, then the card's trained ratio (see bridge.ts) */
  rho: number | null;
  /** card (name + sha256) whose trained ratio rho started from: a reload of the same pair keeps the user's rho */
  rhoCard: string | null;
  /** pruning stage shown large (1..S of the loaded card) */
  stage: number;
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
  setStage: (s: number) => void;
}

export type InferenceSlice = InferenceState & InferenceActions;

/** Images, or a raw preprocessed float32 NCHW tensor saved as .bin (checked for size in the worker). */
export const isImageLike = (f: Blob, name: string): boolean =>
  f.type.startsWith('image/') || /\.bin$/i.test(name) || (f.type === '' && !/\.(txt|json|onnx|html?|pdf|zip)$/i.test(name));

let rhoTimer: ReturnType<typeof setTimeout> | undefined;
/** An image chosen before the first card arrived (no rho yet): sent by reclassify() once the model is ready. */
let pendingImage: { image: Blob; name: string } | null = null;

export const createInferenceSlice: StateCreator<Store, [], [], InferenceSlice> = (set, get) => ({
  rho: null,
  rhoCard: null,
  stage: 1,
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
    const send = (image: Blob) => {
      const rho = get().rho;
      pendingImage = rho === null ? { image, name } : null;
      if (rho !== null) engine.send({ type: 'classify', id, rho, image, name });
    };
    if (!isSvg(blob, name)) {
      send(blob);
      return;
    }
    rasterizeSvg(blob, name).then(
      (png) => {
        if (get().classifyId === id) send(png);
      },
      (e: unknown) => {
        if (get().classifyId === id) set({ classifying: false, error: e instanceof Error ? e.message : String(e) });
      },
    );
  },

  reclassify: () => {
    const rho = get().rho;
    if (!get().hasImage || get().status !== 'ready' || rho === null) return;
    const id = engine.newId();
    set({ classifyId: id, classifying: true });
    engine.send({ type: 'classify', id, rho, ...pendingImage });
    pendingImage = null;
  },

  setRho: (rho) => {
    const range = get().dvitCard?.pruning?.keep_ratio_range;
    if (!range) return; // no card loaded: nothing to set a ratio for
    set({ rho: snapRho(Math.min(range[1], Math.max(range[0], rho))) });
    clearTimeout(rhoTimer);
    rhoTimer = setTimeout(() => get().reclassify(), 120); // the model stays loaded; only the run repeats
  },

  setStage: (stage) => set({ stage }),
});
