/** Softmax, top-k and the grid x grid keep masks (grid from the model card) derived from the graph's kept positions. */

export interface Prediction {
  index: number;
  label: string;
  prob: number;
  logit: number;
}

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** Indices of the k largest values, descending; ties keep the lower index first (stable). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx.slice(0, Math.min(k, values.length));
}

export function predictions(logits: ArrayLike<number>, labels: readonly string[], k = 5): Prediction[] {
  const probs = softmax(logits);
  return topK(logits, k).map((i) => ({ index: i, label: labels[i] ?? `class ${i}`, prob: probs[i], logit: logits[i] }));
}

/**
 * Boolean keep mask (grid x grid, row-major) from ORIGINAL patch positions (row = pos // grid, col = pos % grid).
 * Throws on out-of-range or duplicate positions: those would mean a broken graph, not a display detail.
 */
export function keepMask(positions: ArrayLike<number | bigint>, grid: number): Uint8Array {
  const n = grid * grid;
  const mask = new Uint8Array(n);
  for (let i = 0; i < positions.length; i++) {
    const p = Number(positions[i]);
    if (!Number.isInteger(p) || p < 0 || p >= n) throw new Error(`kept position ${p} outside 0..${n - 1}`);
    if (mask[p]) throw new Error(`kept position ${p} appears twice`);
    mask[p] = 1;
  }
  return mask;
}

export function countKept(mask: Uint8Array): number {
  let c = 0;
  for (const v of mask) c += v;
  return c;
}

/** Pixel rectangle of patch `pos` in an image of `size` pixels with a `grid` x `grid` patch grid. */
export function patchRect(pos: number, grid: number, size: number): { x: number; y: number; w: number; h: number } {
  const cell = size / grid;
  const row = Math.floor(pos / grid);
  const col = pos % grid;
  return { x: col * cell, y: row * cell, w: cell, h: cell };
}
