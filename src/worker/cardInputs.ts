/**
 * One image as every loaded card needs it: decoded and preprocessed once per distinct preprocessing spec
 * (src/engine/preprocessKey.ts), so that each session gets the tensor of its own card (a DynamicViT at 256 / 224
 * beside an LV-ViT teacher at 248 / 224) and cards with equal specs share one tensor.
 */
import type { ModelCard } from '../engine/modelCard.ts';
import { distinctSpecs, preprocessKey } from '../engine/preprocessKey.ts';
import { prepareInput, type InputTimings, type ModelInput } from './decode.ts';

export interface CardInputs {
  /** the first card's input (the DynamicViT's): its crop is what the page shows */
  input: ModelInput;
  /** tensor per preprocessKey */
  tensors: Map<string, Float32Array>;
}

export async function prepareForCards(blob: Blob, name: string, cards: readonly ModelCard[]): Promise<CardInputs> {
  const specs = distinctSpecs(cards.map((c) => c.preprocessing));
  const tensors = new Map<string, Float32Array>();
  let first: ModelInput | null = null;
  const timings: InputTimings = { sniffMs: 0, decodeMs: 0, pixelsMs: 0, preprocessMs: 0 };
  for (const { key, spec } of specs) {
    const inp = await prepareInput(blob, name, spec);
    for (const k of Object.keys(timings) as (keyof InputTimings)[]) timings[k] += inp.timings[k];
    tensors.set(key, inp.tensor);
    first ??= inp;
  }
  if (!first) throw new Error('no model card to prepare the image for');
  return { input: { ...first, timings }, tensors };
}

/** The tensor prepared for this card's preprocessing. */
export function tensorFor(inputs: Pick<CardInputs, 'tensors'>, card: ModelCard): Float32Array {
  const t = inputs.tensors.get(preprocessKey(card.preprocessing));
  if (!t) throw new Error(`no input prepared for ${card.onnx.file}'s preprocessing`);
  return t;
}
