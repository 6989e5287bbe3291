/**
 * Patch tokens kept after each pruning stage, as the official DynamicViT code computes them (float64,
 * truncation), clamped so counts never grow and never reach zero:
 *   k_p = min(k_{p-1}, max(1, floor(N * rho ** p))), k_0 = N = num_patches, p = 1..S.
 * N and S (the number of pruning locations) come from the model card's architecture.
 */
export function keepCounts(rho: number, arch: { num_patches: number; pruning_locations: readonly number[] }): number[] {
  const n = arch.num_patches;
  const out: number[] = [];
  let prev = n;
  for (let p = 1; p <= arch.pruning_locations.length; p++) {
    const k = Math.min(prev, Math.max(1, Math.floor(n * rho ** p)));
    out.push(k);
    prev = k;
  }
  return out;
}

/** Slider values: rho rounded to 2 decimals so 0.7 is exactly the float64 literal 0.7. */
export function snapRho(rho: number): number {
  return Math.round(rho * 100) / 100;
}
