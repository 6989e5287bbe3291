/**
 * Multiply-accumulates (x 1e-9, "GFLOPs" as the DynamicViT paper counts them) of a ViT whose token count
 * shrinks at the pruning locations. Per block with N tokens, width C, MLP ratio r:
 *   qkv 3NC^2 + attention 2N^2C + projection NC^2 + MLP 2rNC^2.
 * Patch embedding: P * (3 * patch^2) * C. Predictor p (LayerNorm-free part): an MLP on the patch tokens
 * entering it: C*C (in-conv) + C*C/2 + C/2*C/4 + C/4*2.
 */
export interface Architecture {
  embed_dim: number;
  depth: number;
  num_heads: number;
  mlp_ratio: number;
  img_size: number;
  patch_size: number;
  grid: number;
  num_patches: number;
  pruning_locations: number[];
}

export interface FlopsBreakdown {
  /** GFLOPs of the blocks in each stage (stage 0 = before the first pruning location) */
  perStage: number[];
  /** tokens (incl. CLS) entering each stage */
  tokens: number[];
  embed: number;
  predictors: number;
  head: number;
  total: number;
}

function blockMacs(n: number, c: number, r: number): number {
  return 4 * n * c * c + 2 * n * n * c + 2 * r * n * c * c;
}

function predictorMacs(n: number, c: number): number {
  return n * (c * c + (c * c) / 2 + (c / 2) * (c / 4) + (c / 4) * 2);
}

export function vitFlops(arch: Architecture, keep: number[], numClasses: number): FlopsBreakdown {
  const c = arch.embed_dim;
  const locs = arch.pruning_locations;
  const bounds = [0, ...locs, arch.depth];
  const tokens = [arch.num_patches + 1, ...locs.map((_, i) => keep[i] + 1)];
  const perStage: number[] = [];
  for (let s = 0; s < bounds.length - 1; s++) {
    const blocks = bounds[s + 1] - bounds[s];
    perStage.push((blocks * blockMacs(tokens[s], c, arch.mlp_ratio)) / 1e9);
  }
  const embed = (arch.num_patches * 3 * arch.patch_size ** 2 * c) / 1e9;
  const predictors = locs.reduce((acc, _, i) => acc + predictorMacs(tokens[i] - 1, c), 0) / 1e9;
  const head = (c * numClasses) / 1e9;
  const total = perStage.reduce((a, b) => a + b, 0) + embed + predictors + head;
  return { perStage, tokens, embed, predictors, head, total };
}
