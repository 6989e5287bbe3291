import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { vitFlops } from '../flops.ts';
import { keepCounts } from '../keepCounts.ts';
import type { Architecture, ModelCard } from '../modelCard.ts';
import { quantile, summarize } from '../stats.ts';

const MODELS = fileURLToPath(new URL('../../../public/models/', import.meta.url));

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

/** MACs x 1e-9 of a 16x16 patch conv (DeiT) and of LV-ViT's stem (7x7/2, 3x3, 3x3 at 64 channels, then an 8x8/8 projection). */
const patchConv = (c: number) => (196 * 3 * 16 * 16 * c) / 1e9;
const lvvitStem = (c: number) => (112 * 112 * 64 * (3 * 49 + 2 * 64 * 9) + 196 * 64 * 64 * c) / 1e9;

function release(
  arch: Partial<Architecture> & Pick<Architecture, 'embed_dim' | 'depth' | 'mlp_ratio' | 'pruning_locations'>,
): Pick<ModelCard, 'architecture' | 'family' | 'labels'> {
  const lvvit = arch.backbone === 'lvvit';
  return {
    family: 'dynamicvit',
    labels: Array.from({ length: 1000 }, (_, i) => `class ${i}`),
    architecture: {
      arch: 'custom',
      backbone: 'deit',
      num_heads: 1,
      img_size: 224,
      patch_size: 16,
      grid: 14,
      num_patches: 196,
      qkv_bias: !lvvit,
      norm_eps: lvvit ? 1e-5 : 1e-6,
      skip_lam: lvvit ? 2 : 1,
      patch_embed: lvvit ? 'lvvit-conv-stem' : 'patch-conv',
      patch_embed_gflops: lvvit ? lvvitStem(arch.embed_dim) : patchConv(arch.embed_dim),
      aux_head: lvvit,
      ...arch,
    },
  };
}

describe('GFLOPs', () => {
  // README "Model Zoo" of the official DynamicViT code: published GFLOPs of each release
  const releases = [
    {
      name: 'DeiT-256/0.7',
      rho: 0.7,
      published: 1.3,
      card: release({ embed_dim: 256, depth: 12, mlp_ratio: 4, pruning_locations: [3, 6, 9] }),
    },
    {
      name: 'DeiT-S/0.7',
      rho: 0.7,
      published: 2.9,
      card: release({ embed_dim: 384, depth: 12, mlp_ratio: 4, pruning_locations: [3, 6, 9] }),
    },
    {
      name: 'DeiT-B/0.7',
      rho: 0.7,
      published: 11.4,
      card: release({ embed_dim: 768, depth: 12, mlp_ratio: 4, pruning_locations: [3, 6, 9] }),
    },
    {
      name: 'LV-ViT-S/0.5',
      rho: 0.5,
      published: 3.7,
      card: release({ backbone: 'lvvit', embed_dim: 384, depth: 16, mlp_ratio: 3, pruning_locations: [4, 8, 12] }),
    },
    {
      name: 'LV-ViT-S/0.7',
      rho: 0.7,
      published: 4.6,
      card: release({ backbone: 'lvvit', embed_dim: 384, depth: 16, mlp_ratio: 3, pruning_locations: [4, 8, 12] }),
    },
    {
      name: 'LV-ViT-M/0.7',
      rho: 0.7,
      published: 8.5,
      card: release({ backbone: 'lvvit', embed_dim: 512, depth: 20, mlp_ratio: 3, pruning_locations: [5, 10, 15] }),
    },
  ];
  it.each(releases)('$name is within 0.1 G of the published $published GFLOPs', ({ rho, published, card }) => {
    const f = vitFlops(card, keepCounts(rho, card.architecture));
    expect(Math.abs(f.total - published)).toBeLessThan(0.1);
    expect(f.perStage).toHaveLength(4);
  });
  it('full DeiT-S is ~4.6 GFLOPs and DynamicViT-S at rho 0.7 keeps 197 -> 138 -> 97 -> 68 tokens', () => {
    const s = releases[1].card;
    const full = vitFlops({ ...s, family: 'deit', architecture: { ...s.architecture, pruning_locations: [] } }, []);
    expect(full.total).toBeCloseTo(4.6, 1);
    expect(full.predictors).toBe(0);
    const f = vitFlops(s, keepCounts(0.7, s.architecture));
    expect(f.tokens).toEqual([197, 138, 97, 68]);
    expect(f.perStage[0]).toBeGreaterThan(f.perStage[3]);
  });
  it('counts predictors for DynamicViT only and the aux head on the final patch tokens', () => {
    const s = releases[1].card;
    const k = keepCounts(0.7, s.architecture);
    const dvit = vitFlops(s, k);
    const topk = vitFlops({ ...s, family: 'evit-topk' }, k);
    expect(topk.predictors).toBe(0);
    expect(dvit.total - topk.total).toBeCloseTo(dvit.predictors, 12);
    const aux = vitFlops({ ...s, architecture: { ...s.architecture, aux_head: true } }, k);
    expect(aux.head - dvit.head).toBeCloseTo((67 * 384 * 1000) / 1e9, 12);
    expect(() => vitFlops(s, [137, 96])).toThrow(/2 keep counts for 3 pruning stages/);
  });

  const dirs = existsSync(MODELS) ? readdirSync(MODELS).filter((d) => existsSync(`${MODELS}${d}/dynamicvit.json`)) : [];
  it.each(dirs)("%s: the cards' gflops.total follow the same rule (within 0.001)", (dir) => {
    const read = (f: string) => JSON.parse(readFileSync(`${MODELS}${dir}/${f}`, 'utf8')) as ModelCard;
    const d = read('dynamicvit.json');
    const t = read(d.twin ?? 'deit.json');
    expect(d.schema_version, 're-export the bundled cards (schema 2)').toBe(2);
    const f = vitFlops(d, d.pruning!.keep_counts_at_trained_ratio);
    expect(Math.abs(f.total - d.gflops!.total)).toBeLessThanOrEqual(0.001);
    expect(Math.abs(f.predictors - d.gflops!.predictors)).toBeLessThanOrEqual(0.001);
    expect(f.tokens).toEqual(d.gflops!.per_stage_tokens);
    const full = vitFlops(t, []);
    expect(Math.abs(full.total - t.gflops!.total)).toBeLessThanOrEqual(0.001);
    expect(Math.abs(full.total - d.gflops!.full_deit)).toBeLessThanOrEqual(0.001);
  });
});
