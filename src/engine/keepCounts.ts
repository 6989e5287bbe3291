/**
 * Patch tokens kept after each pruning stage, as the official DynamicViT code computes them (float64,
 * truncation), clamped so counts never grow and never reach zero:
 *   k_p = min(k_{p-1}, max(1, floor(N * rho ** p))), k_0 = N.
 */
export function keepCounts(rho: number, stages = 3, numPatches = 196): number[] {
  const out: number[] = [];
  let prev = numPatches;
  for (let p = 1; p <= stages; p++) {
    const k = Math.min(prev, Math.max(1, Math.floor(numPatches * rho ** p)));
    out.push(k);
    prev = k;
  }
  return out;
}

/** Slider values: rho rounded to 2 decimals so 0.7 is exactly the float64 literal 0.7. */
export function snapRho(rho: number): number {
  return Math.round(rho * 100) / 100;
}
