/**
 * One key per distinct preprocessing of the model cards: cards whose keys are equal get the same input tensor,
 * so an image is decoded and preprocessed once per distinct spec (a DynamicViT at 256 / 224 and an LV-ViT
 * teacher at 248 / 224 need two tensors; a DeiT pair needs one).
 */
import type { PreprocessSpec } from './preprocess.ts';

export function preprocessKey(spec: PreprocessSpec & { interpolation?: string }): string {
  const { resize_shorter_side: r, crop_size: c, mean, std, interpolation } = spec;
  return JSON.stringify([r, c, [...mean], [...std], interpolation ?? 'bicubic']);
}

/** The distinct specs among `specs`, first occurrence first, each with its key. */
export function distinctSpecs<S extends PreprocessSpec & { interpolation?: string }>(specs: readonly S[]): { key: string; spec: S }[] {
  const out = new Map<string, S>();
  for (const s of specs) {
    const k = preprocessKey(s);
    if (!out.has(k)) out.set(k, s);
  }
  return [...out].map(([key, spec]) => ({ key, spec }));
}
