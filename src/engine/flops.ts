/**
 * Multiply-accumulates (x 1e-9, "GFLOPs" as the DynamicViT paper counts them) of a ViT whose token count
 * shrinks at the pruning locations: the rule of models/flops.py, with every figure from the model card.
 *   total = patch_embed_gflops
 *         + per block with N tokens (incl. CLS), width C, MLP hidden width H: qkv 3NC^2 + attention 2N^2C
 *           + projection NC^2 + MLP 2NCH
 *         + per predictor (family "dynamicvit" only) scoring P patch tokens: P (C*C + C*C/2 + C/2*C/4 + C/4*2)
 *         + head C*classes + (aux_head ? P_final * C * classes : 0)
 * Layer widths are whole numbers (H = floor(C * mlp_ratio), C/2 and C/4 floored), as the layers are built.
 */
import type { ModelCard } from './modelCard.ts';

export interface FlopsBreakdown {
  /** GFLOPs of the blocks in each group (group 0 = before the first pruning location): S + 1 entries */
  perStage: number[];
  /** tokens (incl. CLS) entering each group */
  tokens: number[];
  embed: number;
  predictors: number;
  /** classification head, plus LV-ViT's auxiliary token head */
  head: number;
  total: number;
}

function blockMacs(n: number, c: number, mlpRatio: number): number {
  return 4 * n * c * c + 2 * n * n * c + 2 * n * c * Math.floor(c * mlpRatio);
}

function predictorMacs(patches: number, c: number): number {
  const half = Math.floor(c / 2);
  const quarter = Math.floor(c / 4);
  return patches * (c * c + c * half + half * quarter + quarter * 2);
}

/** GFLOPs of one run of the card's graph with `keep` patch tokens kept after each of its S stages. */
export function vitFlops(card: Pick<ModelCard, 'architecture' | 'family' | 'labels'>, keep: readonly number[]): FlopsBreakdown {
  const a = card.architecture;
  const c = a.embed_dim;
  const locs = a.pruning_locations;
  if (keep.length !== locs.length) throw new Error(`${keep.length} keep counts for ${locs.length} pruning stages`);
  const patches = [a.num_patches, ...keep]; // patch tokens entering each group of blocks
  const bounds = [0, ...locs, a.depth];
  const perStage = patches.map((p, s) => ((bounds[s + 1] - bounds[s]) * blockMacs(p + 1, c, a.mlp_ratio)) / 1e9);
  const predictors = card.family === 'dynamicvit' ? locs.reduce((acc, _, i) => acc + predictorMacs(patches[i], c), 0) / 1e9 : 0;
  const classes = card.labels.length;
  const head = (c * classes + (a.aux_head ? patches[patches.length - 1] * c * classes : 0)) / 1e9;
  const embed = a.patch_embed_gflops;
  const total = embed + perStage.reduce((x, y) => x + y, 0) + predictors + head;
  return { perStage, tokens: patches.map((p) => p + 1), embed, predictors, head, total };
}
