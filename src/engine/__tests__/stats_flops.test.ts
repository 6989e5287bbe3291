import { describe, expect, it } from 'vitest';
import { vitFlops, type Architecture } from '../flops.ts';
import { keepCounts } from '../keepCounts.ts';
import { quantile, summarize } from '../stats.ts';

const DEIT_S: Architecture = {
  embed_dim: 384, depth: 12, num_heads: 6, mlp_ratio: 4, img_size: 224, patch_size: 16, grid: 14,
  num_patches: 196, pruning_locations: [3, 6, 9],
};

describe('stats', () => {
  it('quantiles interpolate like numpy', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(quantile(xs, 0.5)).toBe(3);
    expect(quantile(xs, 0.1)).toBeCloseTo(1.4, 12);
    expect(quantile(xs, 0.9)).toBeCloseTo(4.6, 12);
    const s = summarize([10, 20]);
    expect(s.median).toBe(15);
    expect(s.n).toBe(2);
  });
});

describe('GFLOPs', () => {
  it('full DeiT-S is ~4.6 GFLOPs (paper)', () => {
    const f = vitFlops({ ...DEIT_S }, [196, 196, 196], 1000);
    expect(f.total - f.predictors).toBeCloseTo(4.6, 1);
  });
  it('DynamicViT-S at rho 0.7 is ~2.9 GFLOPs (paper: 2.9)', () => {
    const f = vitFlops(DEIT_S, keepCounts(0.7), 1000);
    expect(f.tokens).toEqual([197, 138, 97, 68]);
    expect(f.total).toBeGreaterThan(2.8);
    expect(f.total).toBeLessThan(3.0);
    expect(f.perStage[0]).toBeGreaterThan(f.perStage[3]);
  });
});
