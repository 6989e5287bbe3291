/**
 * The "Save result" JSON (issue 11): what the page shows for the current image, with every logit, so that
 * users keep it and tests compare it with the Python export of the same checkpoints.
 */
import type { Prediction } from './postprocess.ts';

export interface SavedModelResult {
  model: string;
  logits: number[];
  top5: { index: number; label: string; probability: number }[];
  ms: number;
}

export interface SavedResult {
  image: string;
  rho: number;
  backend: string;
  keep_counts: number[];
  dynamicvit: SavedModelResult & { kept_positions: number[][] };
  deit: SavedModelResult;
}

interface ModelRun {
  top5: Prediction[];
  logits: ArrayLike<number>;
  latencyMs: number;
}

const model = (name: string, run: ModelRun): SavedModelResult => ({
  model: name,
  logits: Array.from(run.logits),
  top5: run.top5.map((p) => ({ index: p.index, label: p.label, probability: p.prob })),
  ms: run.latencyMs,
});

export function savedResult(
  image: string,
  result: { rho: number; backend: string; keepCounts: number[]; dynamicvit: ModelRun & { kept: number[][] }; deit: ModelRun },
  models: { dynamicvit: string; deit: string },
): SavedResult {
  return {
    image,
    rho: result.rho,
    backend: result.backend,
    keep_counts: result.keepCounts,
    dynamicvit: { ...model(models.dynamicvit, result.dynamicvit), kept_positions: result.dynamicvit.kept.map((stage) => [...stage]) },
    deit: model(models.deit, result.deit),
  };
}
