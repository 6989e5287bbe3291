import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { distinctSpecs, preprocessKey } from '../preprocessKey.ts';

const spec = (t: string, f: string) =>
  (
    JSON.parse(readFileSync(fileURLToPath(new URL(`../../../public/templates/${t}/${f}.json`, import.meta.url)), 'utf8')) as {
      preprocessing: Parameters<typeof preprocessKey>[0];
    }
  ).preprocessing;

describe('preprocessKey', () => {
  it('separates an LV-ViT teacher (248 / 224) from its DynamicViT (256 / 224) and joins equal specs', () => {
    const lv = [spec('lvvit-s', 'dynamicvit'), spec('lvvit-s', 'deit')];
    expect(preprocessKey(lv[0])).not.toBe(preprocessKey(lv[1]));
    expect(distinctSpecs(lv).map((d) => d.spec.resize_shorter_side)).toEqual([256, 248]);
    const deit = [spec('deit-s', 'dynamicvit'), spec('deit-s', 'deit'), spec('deit-s', 'dynamicvit')];
    expect(distinctSpecs(deit)).toHaveLength(1);
    expect(preprocessKey({ ...deit[0], std: [0.5, 0.5, 0.5] })).not.toBe(preprocessKey(deit[0]));
  });
});
