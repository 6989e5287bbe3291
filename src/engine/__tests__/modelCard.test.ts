import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CardError,
  checkCardAgainstSession,
  contractNames,
  parseCard,
  parseIndex,
  stageBlocks,
  validateCard,
  type ModelCard,
} from '../modelCard.ts';
import { keepCounts } from '../keepCounts.ts';

const MODELS = fileURLToPath(new URL('../../../public/models/', import.meta.url));

type Over = Omit<Partial<ModelCard>, 'architecture'> & { architecture?: Partial<ModelCard['architecture']> };

/** A valid schema-2 card of a small DeiT-backbone DynamicViT (3 stages before blocks 3, 6, 9). */
function card(over: Over = {}): ModelCard {
  const family = over.family ?? 'dynamicvit';
  const architecture = {
    arch: 'custom',
    backbone: 'deit',
    embed_dim: 192,
    depth: 12,
    num_heads: 3,
    mlp_ratio: 4,
    img_size: 224,
    patch_size: 16,
    grid: 14,
    num_patches: 196,
    pruning_locations: family === 'deit' ? [] : [3, 6, 9],
    qkv_bias: true,
    norm_eps: 1e-6,
    skip_lam: 1,
    patch_embed: 'patch-conv',
    patch_embed_gflops: 0.029,
    aux_head: false,
    ...over.architecture,
  } as ModelCard['architecture'];
  const names = contractNames(family, architecture.pruning_locations.length);
  const base: ModelCard = {
    schema_version: 2,
    name: 'x',
    display_name: 'X',
    family,
    twin: 'deit.json',
    architecture,
    onnx: { file: 'dynamicvit.onnx', bytes: 1, sha256: '', opset: 17, precision: 'fp32' },
    preprocessing: {
      resize_shorter_side: 256,
      crop_size: 224,
      interpolation: 'bicubic',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      color: 'RGB',
      layout: 'NCHW',
    },
    labels: ['a', 'b'],
    pruning:
      family === 'deit'
        ? null
        : {
            trained_keep_ratio: 0.7,
            keep_count_rule: '',
            keep_counts_at_trained_ratio: keepCounts(0.7, architecture),
            keep_ratio_range: [0.3, 1],
          },
    gflops: null,
    inputs: names.inputs.map((name) => ({ name, dtype: 'float32', shape: [] })),
    outputs: names.outputs.map((name) => ({ name, dtype: 'float32', shape: name === 'logits' ? ['batch', 2] : [] })),
  };
  const { architecture: _, ...rest } = over;
  return { ...base, ...rest };
}

const LVVIT_S: Partial<ModelCard['architecture']> = {
  arch: 'lvvit-s',
  backbone: 'lvvit',
  embed_dim: 384,
  num_heads: 6,
  mlp_ratio: 3,
  depth: 16,
  pruning_locations: [4, 8, 12],
  qkv_bias: false,
  norm_eps: 1e-5,
  skip_lam: 2,
  patch_embed: 'lvvit-conv-stem',
  patch_embed_gflops: 1.351,
  aux_head: true,
};

describe('validateCard', () => {
  it('accepts schema-2 cards of every family, with S stages from pruning_locations', () => {
    expect(validateCard(card(), 'dynamicvit')).toEqual([]);
    expect(validateCard(card({ family: 'deit' }), 'deit')).toEqual([]);
    expect(validateCard(card({ architecture: LVVIT_S }), 'dynamicvit')).toEqual([]);
    expect(validateCard(card({ architecture: { pruning_locations: [6] } }), 'dynamicvit')).toEqual([]);
    for (const family of ['evit-topk', 'random-keep'] as const) {
      const c = card({ family, gflops: { total: 1, full_deit: 2, predictors: 0, per_stage_tokens: [197, 138, 97, 68] } });
      expect(validateCard(c, family)).toEqual([]);
      expect(validateCard(c, 'pruned')).toEqual([]);
      expect(validateCard({ ...c, gflops: { ...c.gflops, predictors: 0.1 } }).join()).toMatch(/gflops\.predictors: expected 0/);
    }
  });

  it('sends a schema-1 card back to the exporter with one clear message', () => {
    expect(validateCard({ ...card(), schema_version: 1 })).toEqual([
      expect.stringMatching(/^schema_version: .*schema 1.*re-export with models\/export\.py/),
    ]);
    expect(validateCard({ ...card(), schema_version: 3 }).join()).toMatch(/schema_version: expected 2 \(got 3\)/);
  });

  it('names every missing or wrong field at once', () => {
    const c = card();
    const bad = {
      ...c,
      schema_version: 9,
      labels: undefined,
      onnx: { ...c.onnx, file: '../x.onnx', precision: 'int8' },
      preprocessing: { ...c.preprocessing, mean: [0.5], std: [1, 0, 1], interpolation: 'nearest' },
      pruning: null,
      architecture: {
        ...c.architecture,
        arch: 'vit-h',
        backbone: undefined,
        qkv_bias: 'yes',
        norm_eps: 0,
        skip_lam: -2,
        patch_embed: 'x',
        patch_embed_gflops: undefined,
        aux_head: 1,
      },
    };
    const p = validateCard(bad, 'dynamicvit').join('\n');
    for (const f of [
      'schema_version',
      'labels',
      'onnx.file',
      'onnx.precision',
      'preprocessing.mean',
      'preprocessing.std',
      'preprocessing.interpolation',
      'pruning',
      'architecture.arch',
      'architecture.backbone',
      'architecture.qkv_bias',
      'architecture.norm_eps',
      'architecture.skip_lam',
      'architecture.patch_embed',
      'architecture.patch_embed_gflops',
      'architecture.aux_head',
    ])
      expect(p).toContain(`${f}:`);
  });

  it('checks the shape: grid, locations, family', () => {
    const v = (over: Over, expect: Parameters<typeof validateCard>[1] = 'dynamicvit') => validateCard(card(over), expect).join('\n');
    expect(v({ architecture: { num_patches: 100 } })).toMatch(/architecture\.num_patches: expected grid² = 196/);
    expect(v({ architecture: { grid: 7, num_patches: 49 } })).toMatch(/architecture\.grid: expected img_size \/ patch_size = 14/);
    expect(v({ architecture: { pruning_locations: [6, 3] } })).toMatch(/pruning_locations: expected increasing/);
    expect(v({ architecture: { pruning_locations: [3, 12] } })).toMatch(
      /pruning_locations: expected increasing block indices between 1 and depth - 1/,
    );
    expect(v({ architecture: { pruning_locations: [] } })).toMatch(/pruning_locations: expected at least one location/);
    expect(v({ family: 'deit', architecture: { pruning_locations: [3] } }, 'deit')).toMatch(/pruning_locations: expected \[\]/);
    expect(v({}, 'deit')).toMatch(/family: expected "deit"/);
    expect(v({ family: 'deit' }, 'pruned')).toMatch(/family: expected a pruned family/);
    expect(v({ family: 'tome' as 'deit' })).toMatch(/family: expected one of "dynamicvit", "evit-topk", "random-keep", "deit"/);
  });

  it('derives the IO names from the stage count', () => {
    expect(contractNames('dynamicvit', 2)).toEqual({
      inputs: ['pixel_values', 'keep_count_stage1', 'keep_count_stage2'],
      outputs: ['logits', 'kept_positions_stage1', 'kept_positions_stage2'],
    });
    expect(contractNames('deit', 0)).toEqual({ inputs: ['pixel_values'], outputs: ['logits'] });
    // a 3-stage card's names with 2 locations: the third name is not in the contract
    const two = {
      ...card(),
      architecture: { ...card().architecture, pruning_locations: [4, 8] },
      pruning: { ...card().pruning!, keep_counts_at_trained_ratio: [137, 96] },
    };
    const p = validateCard(two, 'dynamicvit').join('\n');
    expect(p).toMatch(/inputs: keep_count_stage3 not in the contract for 2 pruning stages/);
    expect(p).toMatch(/outputs: kept_positions_stage3 not in the contract for 2 pruning stages/);
    const missing = card({ outputs: card().outputs.slice(0, 3) });
    expect(validateCard(missing).join()).toMatch(
      /outputs: the contract for 3 pruning stages needs kept_positions_stage3, which the card does not list/,
    );
  });

  it('checks the pruning block against the keep-count rule and the range', () => {
    const pr = card().pruning!;
    const v = (pruning: object) => validateCard({ ...card(), pruning: { ...pr, ...pruning } }).join('\n');
    expect(v({ keep_counts_at_trained_ratio: [137, 96, 68] })).toMatch(/keep_counts_at_trained_ratio: expected \[137, 96, 67\]/);
    expect(v({ keep_ratio_range: [0.5, 0.3] })).toMatch(/keep_ratio_range: expected \[low, high\]/);
    expect(v({ trained_keep_ratio: 0.2 })).toMatch(/trained_keep_ratio: expected a ratio within keep_ratio_range/);
    expect(validateCard({ ...card({ family: 'deit' }), pruning: pr }).join()).toMatch(/pruning: expected null/);
    expect(validateCard({ ...card(), gflops: { total: 1, full_deit: 2, predictors: 0, per_stage_tokens: [197, 138] } }).join()).toMatch(
      /per_stage_tokens: expected 4 entries/,
    );
  });

  it('checks the labels against the logits shape', () => {
    expect(validateCard({ ...card(), labels: ['a', 'b', 'c'] }).join()).toMatch(
      /labels: expected 2 names \(outputs.logits is \[batch, 2\]\)/,
    );
    expect(validateCard('nope')).toEqual(['the card is not a JSON object (got "nope")']);
  });
});

describe('parseCard', () => {
  it('returns the card or throws one CardError listing every problem', () => {
    expect(parseCard(card(), 'dynamicvit').name).toBe('x');
    const bad = { ...card(), labels: [], onnx: { ...card().onnx, precision: 'int8' } };
    expect(() => parseCard(bad, 'dynamicvit', 'DynamicViT')).toThrow(CardError);
    expect(() => parseCard(bad, 'dynamicvit', 'DynamicViT')).toThrow(
      /^the DynamicViT model card is invalid:\n- onnx\.precision: .*\n- labels: /,
    );
    expect(() => parseCard({ ...card(), schema_version: 1 }, 'dynamicvit')).toThrow(/re-export with models\/export\.py/);
  });
});

describe('card helpers', () => {
  it('stage blocks follow the predictor locations', () => {
    expect(stageBlocks({ depth: 16, pruning_locations: [4, 8, 12] })).toEqual([
      { first: 0, last: 3 },
      { first: 4, last: 7 },
      { first: 8, last: 11 },
      { first: 12, last: 15 },
    ]);
    expect(stageBlocks({ depth: 12, pruning_locations: [] })).toEqual([{ first: 0, last: 11 }]);
  });
  it('names the difference between card and session', () => {
    const c = card();
    const names = contractNames('dynamicvit', 3);
    expect(checkCardAgainstSession(c, { inputNames: names.inputs, outputNames: names.outputs })).toEqual([]);
    const probs = checkCardAgainstSession(c, { inputNames: names.inputs.slice(0, 3), outputNames: [...names.outputs, 'extra'] }).join('\n');
    expect(probs).toMatch(/inputs in the card but not in the ONNX session: keep_count_stage3/);
    expect(probs).toMatch(/outputs in the ONNX session but not in the card: extra/);
  });
  it('falls back to the first model when index.default is unknown', () => {
    expect(parseIndex({ default: 'nope', models: [{ id: 'a', title: 'A', path: 'a/', kind: 'demo' }] }).default).toBe('a');
  });
});

describe('bundled cards', () => {
  const dirs = readdirSync(MODELS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${MODELS}${d.name}/dynamicvit.json`))
    .map((d) => d.name);
  const read = (dir: string, f: string) => JSON.parse(readFileSync(`${MODELS}${dir}/${f}`, 'utf8')) as unknown;

  it('index.json lists every bundled pair', () => {
    const index = parseIndex(JSON.parse(readFileSync(`${MODELS}index.json`, 'utf8')));
    expect(index.models.map((m) => m.path.replace(/^\/?models\//, '').replace(/\/$/, '')).sort()).toEqual(
      expect.arrayContaining(dirs.sort()),
    );
  });
  it.each(dirs)('%s: both cards are valid schema-2 cards', (dir) => {
    const d = parseCard(read(dir, 'dynamicvit.json'), 'dynamicvit', dir);
    const t = parseCard(read(dir, d.twin ?? 'deit.json'), 'deit', dir);
    expect(d.architecture.grid).toBe(t.architecture.grid);
    expect(d.labels).toEqual(t.labels);
  });
});
