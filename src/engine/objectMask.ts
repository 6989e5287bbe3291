/**
 * Object patches of a source image (a grid x grid mask over the ORIGINAL image, as samples.json gives them)
 * mapped onto the model's patch grid after resize + center crop: a crop patch counts as object when its
 * centre falls in an object patch of the source.
 */
export interface CropGeometry {
  width: number; // resized size
  height: number;
  left: number; // crop offset in the resized image
  top: number;
}

export function objectMaskInCrop(
  objectPatches: readonly number[],
  source: { width: number; height: number },
  geom: CropGeometry,
  grid: number,
  crop: number,
): Uint8Array {
  const src = new Set(objectPatches);
  const out = new Uint8Array(grid * grid);
  const cell = crop / grid;
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      const sx = ((c + 0.5) * cell + geom.left) * (source.width / geom.width);
      const sy = ((r + 0.5) * cell + geom.top) * (source.height / geom.height);
      const sc = Math.min(grid - 1, Math.floor((sx / source.width) * grid));
      const sr = Math.min(grid - 1, Math.floor((sy / source.height) * grid));
      if (src.has(sr * grid + sc)) out[r * grid + c] = 1;
    }
  }
  return out;
}

/** Fraction of object patches (mask) that are among the kept positions. */
export function objectRecall(object: Uint8Array, kept: readonly number[]): { kept: number; total: number } {
  let total = 0;
  for (const v of object) total += v;
  let k = 0;
  for (const p of kept) if (object[p]) k++;
  return { kept: k, total };
}
