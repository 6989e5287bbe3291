/**
 * Reader for the model cards and index.json of models/CONTRACT.md (schema_version 1).
 * The app reads exactly these fields; anything else in a card is shown as-is or ignored.
 */
import type { Architecture } from './flops.ts';
import type { PreprocessSpec } from './preprocess.ts';

export const SCHEMA_VERSION = 1;

export interface TensorSpec {
  name: string;
  dtype: string;
  shape: (string | number)[];
  meaning?: string;
}

export interface ModelCard {
  schema_version: number;
  name: string;
  display_name: string;
  family: 'dynamicvit' | 'deit';
  twin?: string;
  architecture: Architecture;
  onnx: { file: string; bytes: number; sha256: string; opset: number; precision: string };
  preprocessing: PreprocessSpec & { interpolation: string; color: string; layout: string; input_range?: string };
  labels: string[];
  pruning: {
    trained_keep_ratio: number;
    keep_count_rule: string;
    keep_counts_at_trained_ratio: number[];
    keep_ratio_range: [number, number];
  } | null;
  gflops: { total: number; full_deit: number; predictors: number; per_stage_tokens: number[] } | null;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  provenance?: Record<string, unknown>;
  parity?: Record<string, unknown> | null;
  training?: Record<string, unknown> | null;
  notes?: string;
}

export interface ModelIndexEntry {
  id: string;
  title: string;
  path: string;
  kind: 'demo' | 'fixture' | 'imagenet' | string;
}

export interface ModelIndex {
  default: string;
  models: ModelIndexEntry[];
}

export class CardError extends Error {
  override name = 'CardError';
}

function need(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new CardError(msg);
}

export function parseIndex(json: unknown): ModelIndex {
  const j = json as Partial<ModelIndex>;
  need(j && typeof j === 'object', 'index.json is not an object');
  need(Array.isArray(j.models) && j.models.length > 0, 'index.json has no "models"');
  for (const m of j.models) need(typeof m.id === 'string' && typeof m.path === 'string', 'index.json entry without id/path');
  const def = typeof j.default === 'string' && j.models.some((m) => m.id === j.default) ? j.default : j.models[0].id;
  return { default: def, models: j.models };
}

/** Structural checks of a card; returns it typed. */
export function parseCard(json: unknown, expectFamily: 'dynamicvit' | 'deit'): ModelCard {
  const c = json as ModelCard;
  need(c && typeof c === 'object', 'model card is not an object');
  need(c.schema_version === SCHEMA_VERSION, `model card schema_version ${String(c.schema_version)} != ${SCHEMA_VERSION}`);
  need(c.family === expectFamily, `model card family "${String(c.family)}" where "${expectFamily}" was expected`);
  need(c.architecture && typeof c.architecture.grid === 'number', 'model card without architecture.grid');
  need(c.onnx && typeof c.onnx.file === 'string', 'model card without onnx.file');
  const p = c.preprocessing;
  need(p && p.resize_shorter_side > 0 && p.crop_size > 0 && p.mean?.length === 3 && p.std?.length === 3, 'model card preprocessing incomplete');
  need(p.interpolation === 'bicubic', `unsupported interpolation "${p.interpolation}" (the app implements PIL bicubic)`);
  need(p.color === 'RGB' && p.layout === 'NCHW', `unsupported color/layout ${p.color}/${p.layout}`);
  need(Array.isArray(c.labels) && c.labels.length > 0, 'model card without labels');
  need(Array.isArray(c.inputs) && Array.isArray(c.outputs), 'model card without inputs/outputs');
  if (expectFamily === 'dynamicvit') {
    need(c.pruning !== null && c.pruning !== undefined, 'DynamicViT card without "pruning"');
    need(c.architecture.pruning_locations.length === 3, 'the app expects 3 pruning locations');
  }
  return c;
}

export const DVIT_INPUTS = ['pixel_values', 'keep_count_stage1', 'keep_count_stage2', 'keep_count_stage3'];
export const DVIT_OUTPUTS = ['logits', 'kept_positions_stage1', 'kept_positions_stage2', 'kept_positions_stage3'];
export const DEIT_INPUTS = ['pixel_values'];
export const DEIT_OUTPUTS = ['logits'];

function diff(what: string, want: readonly string[], wantIn: string, got: readonly string[], gotIn: string): string[] {
  const missing = want.filter((n) => !got.includes(n));
  const extra = got.filter((n) => !want.includes(n));
  const out: string[] = [];
  if (missing.length) out.push(`${what} in ${wantIn} but not in ${gotIn}: ${missing.join(', ')}`);
  if (extra.length) out.push(`${what} in ${gotIn} but not in ${wantIn}: ${extra.join(', ')}`);
  return out;
}

/**
 * Compares a card's declared inputs/outputs with the contract and with the ONNX session's names.
 * Returns problems, each naming the difference (empty = consistent).
 */
export function checkCardAgainstSession(
  card: ModelCard,
  session: { inputNames: readonly string[]; outputNames: readonly string[] },
): string[] {
  const dvit = card.family === 'dynamicvit';
  const cardIn = card.inputs.map((t) => t.name);
  const cardOut = card.outputs.map((t) => t.name);
  const f = card.onnx.file;
  return [
    ...diff(`${f}: inputs`, dvit ? DVIT_INPUTS : DEIT_INPUTS, 'the contract', cardIn, 'the card'),
    ...diff(`${f}: outputs`, dvit ? DVIT_OUTPUTS : DEIT_OUTPUTS, 'the contract', cardOut, 'the card'),
    ...diff(`${f}: inputs`, cardIn, 'the card', session.inputNames, 'the ONNX session'),
    ...diff(`${f}: outputs`, cardOut, 'the card', session.outputNames, 'the ONNX session'),
  ];
}
