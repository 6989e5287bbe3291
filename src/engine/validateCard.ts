/**
 * Field-by-field check of a model card (models/CONTRACT.md, schema_version 1) before the app uses it:
 * every missing or wrongly typed field the app reads, each named by its path. parseCard() stops at the
 * first problem; this lists them all, so that a user's own card can be fixed in one go.
 */
import { SCHEMA_VERSION } from './modelCard.ts';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPosInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const show = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v)?.slice(0, 60) ?? String(v));

/** Problems of a card as "field: what is wrong (got ...)"; [] = usable. */
export function validateCard(json: unknown, expectFamily?: 'dynamicvit' | 'deit'): string[] {
  const out: string[] = [];
  const bad = (path: string, want: string, got: unknown) => out.push(`${path}: expected ${want} (got ${show(got)})`);
  if (!isObj(json)) return [`the card is not a JSON object (got ${show(json)})`];
  const c = json;
  if (c.schema_version !== SCHEMA_VERSION) bad('schema_version', String(SCHEMA_VERSION), c.schema_version);
  if (typeof c.name !== 'string' || !c.name) bad('name', 'a non-empty string', c.name);
  if (c.display_name !== undefined && typeof c.display_name !== 'string') bad('display_name', 'a string', c.display_name);
  if (c.family !== 'dynamicvit' && c.family !== 'deit') bad('family', '"dynamicvit" or "deit"', c.family);
  else if (expectFamily && c.family !== expectFamily) bad('family', `"${expectFamily}"`, c.family);
  const family = c.family === 'dynamicvit' || c.family === 'deit' ? c.family : expectFamily;

  const a = c.architecture;
  if (!isObj(a)) bad('architecture', 'an object', a);
  else {
    for (const k of ['embed_dim', 'depth', 'num_heads', 'img_size', 'patch_size', 'grid', 'num_patches']) if (!isPosInt(a[k])) bad(`architecture.${k}`, 'a positive integer', a[k]);
    if (isPosInt(a.grid) && isPosInt(a.num_patches) && a.grid * a.grid !== a.num_patches) bad('architecture.num_patches', `grid² = ${a.grid * a.grid}`, a.num_patches);
    if (!Array.isArray(a.pruning_locations) || !a.pruning_locations.every(isPosInt)) bad('architecture.pruning_locations', 'a list of block indices', a.pruning_locations);
    else if (family === 'dynamicvit' && a.pruning_locations.length !== 3) bad('architecture.pruning_locations', '3 locations', a.pruning_locations);
  }

  const o = c.onnx;
  if (!isObj(o)) bad('onnx', 'an object', o);
  else {
    if (typeof o.file !== 'string' || !/\.onnx$/i.test(o.file) || /[\\/]|^\.\./.test(o.file)) bad('onnx.file', 'a file name ending in .onnx, in the same folder', o.file);
    if (o.precision !== 'fp32' && o.precision !== 'fp16') bad('onnx.precision', '"fp32" or "fp16"', o.precision);
    if (o.bytes !== undefined && !(Number.isInteger(o.bytes) && (o.bytes as number) >= 0)) bad('onnx.bytes', 'a byte count', o.bytes);
    if (o.sha256 !== undefined && (typeof o.sha256 !== 'string' || !/^([0-9a-f]{64})?$/.test(o.sha256))) bad('onnx.sha256', '64 hex digits or ""', o.sha256);
  }

  const p = c.preprocessing;
  if (!isObj(p)) bad('preprocessing', 'an object', p);
  else {
    if (!isPosInt(p.resize_shorter_side)) bad('preprocessing.resize_shorter_side', 'a positive integer', p.resize_shorter_side);
    if (!isPosInt(p.crop_size)) bad('preprocessing.crop_size', 'a positive integer', p.crop_size);
    else if (isPosInt(p.resize_shorter_side) && p.crop_size > p.resize_shorter_side) bad('preprocessing.crop_size', `<= resize_shorter_side (${p.resize_shorter_side})`, p.crop_size);
    if (isObj(a) && isPosInt(p.crop_size) && isPosInt(a.img_size) && p.crop_size !== a.img_size) bad('preprocessing.crop_size', `architecture.img_size (${a.img_size})`, p.crop_size);
    if (!Array.isArray(p.mean) || p.mean.length !== 3 || !p.mean.every(isNum)) bad('preprocessing.mean', '3 numbers', p.mean);
    if (!Array.isArray(p.std) || p.std.length !== 3 || !p.std.every((v) => isNum(v) && v > 0)) bad('preprocessing.std', '3 positive numbers', p.std);
    if (p.interpolation !== 'bicubic') bad('preprocessing.interpolation', '"bicubic" (the app implements PIL bicubic)', p.interpolation);
    if (p.color !== 'RGB') bad('preprocessing.color', '"RGB"', p.color);
    if (p.layout !== 'NCHW') bad('preprocessing.layout', '"NCHW"', p.layout);
  }

  if (!Array.isArray(c.labels) || c.labels.length === 0 || !c.labels.every((l) => typeof l === 'string')) bad('labels', 'a non-empty list of strings', c.labels);

  for (const k of ['inputs', 'outputs'] as const) {
    const t = c[k];
    if (!Array.isArray(t) || t.length === 0) bad(k, 'a non-empty list of {name, dtype, shape}', t);
    else t.forEach((e, i) => {
      if (!isObj(e) || typeof e.name !== 'string') bad(`${k}[${i}].name`, 'a string', isObj(e) ? e.name : e);
      else if (!Array.isArray(e.shape)) bad(`${k}[${i}].shape`, 'a list', e.shape);
    });
  }
  // logits [batch, num_classes] must match the labels
  if (Array.isArray(c.outputs) && Array.isArray(c.labels)) {
    const logits = c.outputs.find((e) => isObj(e) && e.name === 'logits') as Json | undefined;
    const n = Array.isArray(logits?.shape) ? logits.shape[1] : undefined;
    if (isPosInt(n) && n !== c.labels.length) bad('labels', `${n} names (outputs.logits is [batch, ${n}])`, `${c.labels.length} names`);
  }

  if (family === 'dynamicvit') {
    const r = c.pruning;
    if (!isObj(r)) bad('pruning', 'an object (DynamicViT cards describe their keep ratio)', r);
    else {
      if (!isNum(r.trained_keep_ratio) || r.trained_keep_ratio <= 0 || r.trained_keep_ratio > 1) bad('pruning.trained_keep_ratio', 'a number in (0, 1]', r.trained_keep_ratio);
      const range = r.keep_ratio_range;
      if (!Array.isArray(range) || range.length !== 2 || !range.every(isNum) || range[0] > range[1]) bad('pruning.keep_ratio_range', '[low, high]', range);
    }
    if (c.twin !== undefined && (typeof c.twin !== 'string' || !/\.json$/i.test(c.twin))) bad('twin', 'the file name of the DeiT card (.json)', c.twin);
  }
  if (c.gflops !== undefined && c.gflops !== null && !isObj(c.gflops)) bad('gflops', 'an object or null', c.gflops);
  return out;
}
