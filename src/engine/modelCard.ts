/**
 * The model cards and index.json of models/CONTRACT.md (schema_version 2): their types, the one validator,
 * and the input/output names a card's graph must have. The card is the only source of model shape in the
 * app (grid, depth, stages, predictor locations, keep-ratio range): nothing here has a default shape.
 */
import { keepCounts } from './keepCounts.ts';
import type { PreprocessSpec } from './preprocess.ts';

export const SCHEMA_VERSION = 2;

export const ARCHS = ['deit-ti', 'deit-s', 'deit-256', 'deit-b', 'lvvit-s', 'lvvit-m', 'custom'] as const;
export const BACKBONES = ['deit', 'lvvit'] as const;
export const PATCH_EMBEDS = ['patch-conv', 'lvvit-conv-stem'] as const;
/** Families whose graph follows the DynamicViT IO contract: keep counts in, kept original positions out. */
export const PRUNED_FAMILIES = ['dynamicvit', 'evit-topk', 'random-keep'] as const;
export const FAMILIES = [...PRUNED_FAMILIES, 'deit'] as const;

export type Arch = (typeof ARCHS)[number];
export type PrunedFamily = (typeof PRUNED_FAMILIES)[number];
export type Family = (typeof FAMILIES)[number];
/** What a caller expects of a card: one family, or "pruned" for any family of the DynamicViT IO contract. */
export type FamilyExpectation = Family | 'pruned';

export interface Architecture {
  arch: Arch;
  backbone: (typeof BACKBONES)[number];
  embed_dim: number;
  depth: number;
  num_heads: number;
  mlp_ratio: number;
  img_size: number;
  patch_size: number;
  grid: number;
  num_patches: number;
  /** block indices where the predictors sit; [] for the full twin. Stage count S = length. */
  pruning_locations: number[];
  qkv_bias: boolean;
  norm_eps: number;
  skip_lam: number;
  patch_embed: (typeof PATCH_EMBEDS)[number];
  /** multiply-accumulates x 1e-9 of the patch embedding (a single conv, or LV-ViT's conv stem) */
  patch_embed_gflops: number;
  /** LV-ViT: prediction = head(cls) + 0.5 * max over the final patch tokens of aux_head(token) */
  aux_head: boolean;
}

export interface TensorSpec {
  name: string;
  dtype: string;
  shape: (string | number)[];
  meaning?: string;
}

export interface Pruning {
  trained_keep_ratio: number;
  keep_count_rule: string;
  keep_counts_at_trained_ratio: number[];
  keep_ratio_range: [number, number];
}

export interface ModelCard {
  schema_version: number;
  name: string;
  display_name: string;
  family: Family;
  twin?: string;
  architecture: Architecture;
  onnx: { file: string; bytes: number; sha256: string; opset: number; precision: string };
  preprocessing: PreprocessSpec & { interpolation: string; color: string; layout: string; input_range?: string };
  labels: string[];
  /** null for the full twin; always present on a validated card of a pruned family */
  pruning: Pruning | null;
  /** per_stage_tokens: tokens (incl. CLS) entering each of the S + 1 groups of blocks */
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

export const isPrunedFamily = (f: unknown): f is PrunedFamily => (PRUNED_FAMILIES as readonly unknown[]).includes(f);

/** Number of pruning stages S of a card (0 for the full twin). */
export const stageCount = (card: Pick<ModelCard, 'architecture'>): number => card.architecture.pruning_locations.length;

/** Input and output names the contract requires of a graph of this family with S pruning stages. */
export function contractNames(family: Family, stages: number): { inputs: string[]; outputs: string[] } {
  if (!isPrunedFamily(family)) return { inputs: ['pixel_values'], outputs: ['logits'] };
  const s = Array.from({ length: stages }, (_, i) => i + 1);
  return {
    inputs: ['pixel_values', ...s.map((p) => `keep_count_stage${p}`)],
    outputs: ['logits', ...s.map((p) => `kept_positions_stage${p}`)],
  };
}

/** Blocks [first, last] (0-based, inclusive) of each group between pruning locations: S + 1 groups. */
export function stageBlocks(arch: Pick<Architecture, 'depth' | 'pruning_locations'>): { first: number; last: number }[] {
  const bounds = [0, ...arch.pruning_locations, arch.depth];
  return bounds.slice(0, -1).map((b, i) => ({ first: b, last: bounds[i + 1] - 1 }));
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

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPosNum = (v: unknown): v is number => isNum(v) && v > 0;
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isPosInt = (v: unknown): v is number => isInt(v) && v > 0;
const oneOf = (list: readonly string[]): string => list.map((s) => `"${s}"`).join(', ');
const show = (v: unknown): string => (v === undefined ? 'missing' : (JSON.stringify(v)?.slice(0, 60) ?? String(v)));

/**
 * Every problem of a card, each as "field: expected ... (got ...)"; [] = usable. All of them at once, so
 * that a user's own card can be fixed in one go. `expect` is the family the caller needs ("pruned": any
 * family of the DynamicViT IO contract).
 */
export function validateCard(json: unknown, expect?: FamilyExpectation): string[] {
  if (!isObj(json)) return [`the card is not a JSON object (got ${show(json)})`];
  const c = json;
  if (c.schema_version === 1) {
    return [
      `schema_version: this is a schema 1 card, which does not describe the architecture the app needs (arch, backbone, patch embedding, norm, aux head); re-export with models/export.py to get a schema ${SCHEMA_VERSION} card`,
    ];
  }
  const out: string[] = [];
  const bad = (path: string, want: string, got: unknown) => out.push(`${path}: expected ${want} (got ${show(got)})`);
  if (c.schema_version !== SCHEMA_VERSION) bad('schema_version', String(SCHEMA_VERSION), c.schema_version);
  if (typeof c.name !== 'string' || !c.name) bad('name', 'a non-empty string', c.name);
  if (c.display_name !== undefined && typeof c.display_name !== 'string') bad('display_name', 'a string', c.display_name);

  const familyOk = (FAMILIES as readonly unknown[]).includes(c.family);
  if (!familyOk) bad('family', `one of ${oneOf(FAMILIES)}`, c.family);
  else if (expect === 'pruned' && !isPrunedFamily(c.family)) bad('family', `a pruned family (${oneOf(PRUNED_FAMILIES)})`, c.family);
  else if (expect && expect !== 'pruned' && c.family !== expect) bad('family', `"${expect}"`, c.family);
  const family = (familyOk ? c.family : expect === 'pruned' ? 'dynamicvit' : expect) as Family | undefined;
  const pruned = isPrunedFamily(family);

  const a = c.architecture;
  let stages: number | null = null; // S, once pruning_locations is valid
  if (!isObj(a)) bad('architecture', 'an object', a);
  else {
    for (const k of ['embed_dim', 'depth', 'num_heads', 'img_size', 'patch_size', 'grid', 'num_patches'])
      if (!isPosInt(a[k])) bad(`architecture.${k}`, 'a positive integer', a[k]);
    if (isPosInt(a.grid) && isPosInt(a.num_patches) && a.grid * a.grid !== a.num_patches)
      bad('architecture.num_patches', `grid² = ${a.grid * a.grid}`, a.num_patches);
    if (isPosInt(a.grid) && isPosInt(a.patch_size) && isPosInt(a.img_size) && a.grid * a.patch_size !== a.img_size)
      bad('architecture.grid', `img_size / patch_size = ${a.img_size / a.patch_size}`, a.grid);
    if (isPosInt(a.embed_dim) && isPosInt(a.num_heads) && a.embed_dim % a.num_heads !== 0)
      bad('architecture.num_heads', `a divisor of embed_dim (${a.embed_dim})`, a.num_heads);
    if (!isPosNum(a.mlp_ratio)) bad('architecture.mlp_ratio', 'a positive number', a.mlp_ratio);
    if (!(ARCHS as readonly unknown[]).includes(a.arch)) bad('architecture.arch', `one of ${oneOf(ARCHS)}`, a.arch);
    if (!(BACKBONES as readonly unknown[]).includes(a.backbone)) bad('architecture.backbone', `one of ${oneOf(BACKBONES)}`, a.backbone);
    if (!(PATCH_EMBEDS as readonly unknown[]).includes(a.patch_embed))
      bad('architecture.patch_embed', `one of ${oneOf(PATCH_EMBEDS)}`, a.patch_embed);
    for (const k of ['qkv_bias', 'aux_head']) if (typeof a[k] !== 'boolean') bad(`architecture.${k}`, 'true or false', a[k]);
    for (const k of ['norm_eps', 'skip_lam']) if (!isPosNum(a[k])) bad(`architecture.${k}`, 'a positive number', a[k]);
    if (!isNum(a.patch_embed_gflops) || a.patch_embed_gflops < 0)
      bad('architecture.patch_embed_gflops', 'a number >= 0', a.patch_embed_gflops);

    const locs = a.pruning_locations;
    const depth = isPosInt(a.depth) ? a.depth : Infinity;
    if (!Array.isArray(locs) || !locs.every((l, i) => isPosInt(l) && l < depth && (i === 0 || l > (locs[i - 1] as number)))) {
      bad('architecture.pruning_locations', 'increasing block indices between 1 and depth - 1', locs);
    } else if (pruned && locs.length === 0) bad('architecture.pruning_locations', `at least one location (a ${family} card prunes)`, locs);
    else if (family === 'deit' && locs.length > 0) bad('architecture.pruning_locations', '[] (the full twin does not prune)', locs);
    else stages = locs.length;
  }

  const o = c.onnx;
  if (!isObj(o)) bad('onnx', 'an object', o);
  else {
    if (typeof o.file !== 'string' || !/\.onnx$/i.test(o.file) || /[\\/]|^\.\./.test(o.file))
      bad('onnx.file', 'a file name ending in .onnx, in the same folder', o.file);
    if (o.precision !== 'fp32' && o.precision !== 'fp16') bad('onnx.precision', '"fp32" or "fp16"', o.precision);
    if (o.bytes !== undefined && !(isInt(o.bytes) && o.bytes >= 0)) bad('onnx.bytes', 'a byte count', o.bytes);
    if (o.sha256 !== undefined && (typeof o.sha256 !== 'string' || !/^([0-9a-f]{64})?$/.test(o.sha256)))
      bad('onnx.sha256', '64 hex digits or ""', o.sha256);
  }

  const p = c.preprocessing;
  if (!isObj(p)) bad('preprocessing', 'an object', p);
  else {
    if (!isPosInt(p.resize_shorter_side)) bad('preprocessing.resize_shorter_side', 'a positive integer', p.resize_shorter_side);
    if (!isPosInt(p.crop_size)) bad('preprocessing.crop_size', 'a positive integer', p.crop_size);
    else if (isPosInt(p.resize_shorter_side) && p.crop_size > p.resize_shorter_side)
      bad('preprocessing.crop_size', `<= resize_shorter_side (${p.resize_shorter_side})`, p.crop_size);
    if (isObj(a) && isPosInt(p.crop_size) && isPosInt(a.img_size) && p.crop_size !== a.img_size)
      bad('preprocessing.crop_size', `architecture.img_size (${a.img_size})`, p.crop_size);
    if (!Array.isArray(p.mean) || p.mean.length !== 3 || !p.mean.every(isNum)) bad('preprocessing.mean', '3 numbers', p.mean);
    if (!Array.isArray(p.std) || p.std.length !== 3 || !p.std.every(isPosNum)) bad('preprocessing.std', '3 positive numbers', p.std);
    if (p.interpolation !== 'bicubic') bad('preprocessing.interpolation', '"bicubic" (the app implements PIL bicubic)', p.interpolation);
    if (p.color !== 'RGB') bad('preprocessing.color', '"RGB"', p.color);
    if (p.layout !== 'NCHW') bad('preprocessing.layout', '"NCHW"', p.layout);
  }

  if (!Array.isArray(c.labels) || c.labels.length === 0 || !c.labels.every((l) => typeof l === 'string'))
    bad('labels', 'a non-empty list of strings', c.labels);

  const want = family && stages !== null ? contractNames(family, stages) : null;
  for (const k of ['inputs', 'outputs'] as const) {
    const t = c[k];
    if (!Array.isArray(t) || t.length === 0) {
      bad(k, 'a non-empty list of {name, dtype, shape}', t);
      continue;
    }
    t.forEach((e, i) => {
      if (!isObj(e) || typeof e.name !== 'string') bad(`${k}[${i}].name`, 'a string', isObj(e) ? e.name : e);
      else if (!Array.isArray(e.shape)) bad(`${k}[${i}].shape`, 'a list', e.shape);
    });
    if (want) {
      const names = t.map((e) => (isObj(e) ? e.name : undefined));
      const missing = want[k].filter((n) => !names.includes(n));
      const extra = names.filter((n) => typeof n === 'string' && !want[k].includes(n));
      const contract = pruned ? `the contract for ${stages} pruning stage${stages === 1 ? '' : 's'}` : 'the contract';
      if (missing.length) out.push(`${k}: ${contract} needs ${missing.join(', ')}, which the card does not list`);
      if (extra.length) out.push(`${k}: ${extra.join(', ')} not in ${contract} (${want[k].join(', ')})`);
    }
  }
  // logits [batch, num_classes] must match the labels
  if (Array.isArray(c.outputs) && Array.isArray(c.labels)) {
    const logits = c.outputs.find((e) => isObj(e) && e.name === 'logits') as Json | undefined;
    const n = Array.isArray(logits?.shape) ? logits.shape[1] : undefined;
    if (isPosInt(n) && n !== c.labels.length) bad('labels', `${n} names (outputs.logits is [batch, ${n}])`, `${c.labels.length} names`);
  }

  const r = c.pruning;
  if (pruned) {
    if (!isObj(r)) bad('pruning', `an object (a ${family} card describes its keep ratio)`, r);
    else {
      const rho = r.trained_keep_ratio;
      const range = r.keep_ratio_range;
      const rangeOk =
        Array.isArray(range) && range.length === 2 && range.every(isNum) && range[0] > 0 && range[0] <= range[1] && range[1] <= 1;
      if (!isNum(rho) || rho <= 0 || rho > 1) bad('pruning.trained_keep_ratio', 'a number in (0, 1]', rho);
      else if (rangeOk && (rho < range[0] || rho > range[1]))
        bad('pruning.trained_keep_ratio', `a ratio within keep_ratio_range [${range.join(', ')}]`, rho);
      if (!rangeOk) bad('pruning.keep_ratio_range', '[low, high] with 0 < low <= high <= 1', range);
      const counts = r.keep_counts_at_trained_ratio;
      if (!Array.isArray(counts) || !counts.every(isPosInt))
        bad('pruning.keep_counts_at_trained_ratio', 'a list of positive integers', counts);
      else if (isNum(rho) && rho > 0 && rho <= 1 && stages !== null && isObj(a) && isPosInt(a.num_patches)) {
        const rule = keepCounts(rho, { num_patches: a.num_patches, pruning_locations: a.pruning_locations as number[] });
        if (rule.join() !== counts.join())
          bad(
            'pruning.keep_counts_at_trained_ratio',
            `[${rule.join(', ')}] (the keep-count rule at rho ${rho} for ${a.num_patches} patches)`,
            counts,
          );
      }
    }
    if (c.twin !== undefined && (typeof c.twin !== 'string' || !/\.json$/i.test(c.twin)))
      bad('twin', 'the file name of the DeiT card (.json)', c.twin);
  } else if (family === 'deit' && r !== null && r !== undefined) bad('pruning', 'null (the full twin does not prune)', r);

  const g = c.gflops;
  if (g !== undefined && g !== null) {
    if (!isObj(g)) bad('gflops', 'an object or null', g);
    else {
      for (const k of ['total', 'full_deit', 'predictors']) if (!isNum(g[k]) || g[k] < 0) bad(`gflops.${k}`, 'a number >= 0', g[k]);
      const tokens = g.per_stage_tokens;
      if (!Array.isArray(tokens) || !tokens.every(isPosInt)) bad('gflops.per_stage_tokens', 'a list of token counts', tokens);
      else if (pruned && stages !== null && tokens.length !== stages + 1)
        bad('gflops.per_stage_tokens', `${stages + 1} entries (one per group of blocks)`, tokens);
      if (pruned && family !== 'dynamicvit' && isNum(g.predictors) && g.predictors !== 0)
        bad('gflops.predictors', `0 (a ${family} card has no predictors)`, g.predictors);
    }
  }
  return out;
}

/**
 * The typed card, or a CardError listing every problem (validateCard); `what` names the card in the
 * message ("the DynamicViT model card is invalid: ...").
 */
export function parseCard(json: unknown, expect: FamilyExpectation, what?: string): ModelCard {
  const problems = validateCard(json, expect);
  if (problems.length) throw new CardError(`the ${what ? `${what} ` : ''}model card is invalid:\n- ${problems.join('\n- ')}`);
  return json as ModelCard;
}

function diff(what: string, want: readonly string[], wantIn: string, got: readonly string[], gotIn: string): string[] {
  const missing = want.filter((n) => !got.includes(n));
  const extra = got.filter((n) => !want.includes(n));
  const out: string[] = [];
  if (missing.length) out.push(`${what} in ${wantIn} but not in ${gotIn}: ${missing.join(', ')}`);
  if (extra.length) out.push(`${what} in ${gotIn} but not in ${wantIn}: ${extra.join(', ')}`);
  return out;
}

/**
 * Compares a (validated) card's declared inputs/outputs with the ONNX session's names; the card itself was
 * checked against the contract by validateCard. Returns problems naming each difference ([] = consistent).
 */
export function checkCardAgainstSession(
  card: ModelCard,
  session: { inputNames: readonly string[]; outputNames: readonly string[] },
): string[] {
  const f = card.onnx.file;
  return [
    ...diff(
      `${f}: inputs`,
      card.inputs.map((t) => t.name),
      'the card',
      session.inputNames,
      'the ONNX session',
    ),
    ...diff(
      `${f}: outputs`,
      card.outputs.map((t) => t.name),
      'the card',
      session.outputNames,
      'the ONNX session',
    ),
  ];
}
