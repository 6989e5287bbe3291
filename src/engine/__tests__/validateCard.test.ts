import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateCard } from '../validateCard.ts';

const dir = fileURLToPath(new URL('../../../public/models/fixture-tiny/', import.meta.url));
const card = (f: string) => JSON.parse(readFileSync(dir + f, 'utf8')) as Record<string, unknown>;

describe('validateCard', () => {
  it('accepts the fixture cards', () => {
    expect(validateCard(card('dynamicvit.json'), 'dynamicvit')).toEqual([]);
    expect(validateCard(card('deit.json'), 'deit')).toEqual([]);
  });

  it('names every missing or wrong field', () => {
    const c = card('dynamicvit.json');
    const bad = { ...c, schema_version: 2, labels: undefined, onnx: { ...(c.onnx as object), file: '../x.onnx', precision: 'int8' },
      preprocessing: { ...(c.preprocessing as object), mean: [0.5], std: [1, 0, 1], interpolation: 'nearest' }, pruning: null };
    const p = validateCard(bad, 'dynamicvit').join('\n');
    for (const f of ['schema_version', 'labels', 'onnx.file', 'onnx.precision', 'preprocessing.mean', 'preprocessing.std', 'preprocessing.interpolation', 'pruning'])
      expect(p).toContain(`${f}:`);
  });

  it('checks the family and labels against the logits shape', () => {
    expect(validateCard(card('deit.json'), 'dynamicvit').join()).toMatch(/family/);
    const c = card('deit.json');
    expect(validateCard({ ...c, labels: ['a', 'b'] }, 'deit').join()).toMatch(/labels: expected \d+ names/);
    expect(validateCard('nope')).toEqual(['the card is not a JSON object (got "nope")']);
  });
});
