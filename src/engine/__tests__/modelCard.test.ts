import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCardAgainstSession, DVIT_INPUTS, DVIT_OUTPUTS, parseCard, parseIndex, type ModelCard } from '../modelCard.ts';
import { keepCounts } from '../keepCounts.ts';

const MODELS = fileURLToPath(new URL('../../../public/models/', import.meta.url));

function card(over: Partial<ModelCard> = {}): ModelCard {
  return {
    schema_version: 1, name: 'x', display_name: 'X', family: 'dynamicvit', twin: 'deit.json',
    architecture: { embed_dim: 192, depth: 12, num_heads: 3, mlp_ratio: 4, img_size: 224, patch_size: 16, grid: 14, num_patches: 196, pruning_locations: [3, 6, 9] },
    onnx: { file: 'dynamicvit.onnx', bytes: 1, sha256: '', opset: 17, precision: 'fp32' },
    preprocessing: { resize_shorter_side: 256, crop_size: 224, interpolation: 'bicubic', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], color: 'RGB', layout: 'NCHW' },
    labels: ['a', 'b'],
    pruning: { trained_keep_ratio: 0.7, keep_count_rule: '', keep_counts_at_trained_ratio: [137, 96, 67], keep_ratio_range: [0.3, 1] },
    gflops: null,
    inputs: DVIT_INPUTS.map((name) => ({ name, dtype: 'float32', shape: [] })),
    outputs: DVIT_OUTPUTS.map((name) => ({ name, dtype: 'float32', shape: [] })),
    ...over,
  };
}

describe('model card', () => {
  it('accepts a contract card and rejects other schema versions / families', () => {
    expect(parseCard(card(), 'dynamicvit').name).toBe('x');
    expect(() => parseCard(card({ schema_version: 2 }), 'dynamicvit')).toThrow(/schema_version/);
    expect(() => parseCard(card(), 'deit')).toThrow(/family/);
  });
  it('names the difference between card and session', () => {
    const c = card();
    expect(checkCardAgainstSession(c, { inputNames: DVIT_INPUTS, outputNames: DVIT_OUTPUTS })).toEqual([]);
    const probs = checkCardAgainstSession(c, { inputNames: DVIT_INPUTS.slice(0, 3), outputNames: [...DVIT_OUTPUTS, 'extra'] });
    expect(probs.join('\n')).toMatch(/keep_count_stage3/);
    expect(probs.join('\n')).toMatch(/extra/);
  });
  it('falls back to the first model when index.default is unknown', () => {
    expect(parseIndex({ default: 'nope', models: [{ id: 'a', title: 'A', path: 'a/', kind: 'demo' }] }).default).toBe('a');
  });

  it.runIf(existsSync(`${MODELS}index.json`))('reads the committed index.json and its cards', () => {
    const index = parseIndex(JSON.parse(readFileSync(`${MODELS}index.json`, 'utf8')));
    for (const m of index.models) {
      const dir = `${MODELS}${m.path.replace(/^\/?models\//, '').replace(/\/?$/, '/')}`;
      if (!existsSync(`${dir}dynamicvit.json`)) continue;
      const d = parseCard(JSON.parse(readFileSync(`${dir}dynamicvit.json`, 'utf8')), 'dynamicvit');
      parseCard(JSON.parse(readFileSync(`${dir}deit.json`, 'utf8')), 'deit');
      expect(keepCounts(d.pruning!.trained_keep_ratio)).toEqual(d.pruning!.keep_counts_at_trained_ratio);
    }
  });
});
