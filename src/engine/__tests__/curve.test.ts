import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  curveGflops,
  CurveTally,
  curveToCsv,
  DEIT_KEY,
  EVAL_RATIOS,
  everyNth,
  FULL_KEY,
  niceTicks,
  ratiosInRange,
  rhoKey,
  top1,
} from '../curve.ts';
import { parseCard } from '../modelCard.ts';

const read = (p: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../public/${p}`, import.meta.url)), 'utf8')) as unknown;
const demo = (f: string) => parseCard(read(`models/demo/${f}`), f === 'deit.json' ? 'deit' : 'pruned');

interface PythonCurve {
  meta: { images: number };
  curve: Record<string, Record<string, { top1: number; gflops: number }>>;
  predictions: Record<string, Record<string, { top1: number[] }>>;
}
const python = read('eval/demo/python-curve.json') as PythonCurve;
const manifest = read('eval/demo/manifest.json') as { images: { file: string; label_index: number }[] };

describe('keep ratios of the curve', () => {
  it("are the decimal literals 0.3 ... 1.0 with Python's keys", () => {
    expect(EVAL_RATIOS).toEqual([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
    expect(EVAL_RATIOS.map(rhoKey)).toEqual(['0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9', '1.0']);
    expect(ratiosInRange([0.5, 0.9])).toEqual([0.5, 0.6, 0.7, 0.8, 0.9]);
  });
});

describe('CurveTally', () => {
  it('aggregates top-1 and median ms per method and ratio, in image order', () => {
    const t = new CurveTally();
    const labels = [2, 0, 1];
    const preds = { deit: [2, 0, 1], dvit: [2, 1, 1] };
    const ms = { deit: [10, 30, 20], dvit: [5, 6, 100] };
    labels.forEach((l, i) =>
      t.addImage(`img${i}`, l, [
        { method: DEIT_KEY, rho: FULL_KEY, pred: preds.deit[i], ms: ms.deit[i] },
        { method: 'dynamicvit', rho: '0.5', pred: preds.dvit[i], ms: ms.dvit[i] },
      ]),
    );
    expect(t.images).toBe(3);
    expect(t.names).toEqual(['img0', 'img1', 'img2']);
    const c = t.curve((m, r) => (m === DEIT_KEY ? 1 : Number(r)));
    expect(c).toEqual({ deit: { '1.0': { top1: 1, gflops: 1, ms: 20 } }, dynamicvit: { '0.5': { top1: 2 / 3, gflops: 0.5, ms: 6 } } });
    expect(t.predictions()).toEqual({ deit: { '1.0': [2, 0, 1] }, dynamicvit: { '0.5': [2, 1, 1] } });
  });

  it("gives Python's top-1 from Python's per-image predictions on the shipped subset", () => {
    const labels = manifest.images.map((e) => e.label_index);
    expect(labels).toHaveLength(python.meta.images);
    const t = new CurveTally();
    labels.forEach((l, i) =>
      t.addImage(
        manifest.images[i].file,
        l,
        Object.entries(python.predictions).flatMap(([m, by]) =>
          Object.entries(by).map(([r, v]) => ({ method: m, rho: r, pred: v.top1[i], ms: 1 })),
        ),
      ),
    );
    const c = t.curve(() => 0);
    for (const [m, by] of Object.entries(python.curve))
      for (const [r, v] of Object.entries(by)) expect(c[m][r].top1, `${m} ${r}`).toBe(v.top1);
  });

  it('top1 refuses mismatched lengths', () => {
    expect(() => top1([1], [1, 2])).toThrow(/1 predictions for 2 labels/);
    expect(top1([], [])).toBe(0);
  });
});

describe('curveGflops', () => {
  it('equals models/flops.py (as python-curve.json reports it) for DeiT, DynamicViT and both baselines at every ratio', () => {
    const cards: Record<string, ReturnType<typeof demo>> = {
      deit: demo('deit.json'),
      dynamicvit: demo('dynamicvit.json'),
      attentive: demo('attentive.json'),
      random: demo('random.json'),
    };
    let n = 0;
    for (const [m, by] of Object.entries(python.curve)) {
      for (const [r, v] of Object.entries(by)) {
        expect(curveGflops(cards[m], m === DEIT_KEY ? null : Number(r)), `${m} ${r}`).toBe(v.gflops);
        n++;
      }
    }
    expect(n).toBe(1 + 3 * 8);
    // predictors cost something: DynamicViT above the baselines at the same ratio
    expect(curveGflops(cards.dynamicvit, 0.7)).toBeGreaterThan(curveGflops(cards.attentive, 0.7));
  });
});

describe('curveToCsv', () => {
  it('writes one row per point, quoting method names that need it', () => {
    const csv = curveToCsv({
      deit: { '1.0': { top1: 0.975, gflops: 0.1173, ms: 9.1 } },
      'my,method': { '0.3': { top1: 0.5, gflops: 0.04, ms: 3 } },
    });
    expect(csv).toBe('method,rho,top1,gflops,ms\ndeit,1.0,0.975,0.1173,9.1\n"my,method",0.3,0.5,0.04,3\n');
  });
});

describe('everyNth', () => {
  it('picks 0, N, 2N, ... and refuses N < 1', () => {
    const idx = everyNth(240, 8);
    expect(idx).toHaveLength(30);
    expect([idx[0], idx[1], idx[29]]).toEqual([0, 8, 232]);
    expect(everyNth(5, 1)).toEqual([0, 1, 2, 3, 4]);
    expect(everyNth(3, 10)).toEqual([0]);
    expect(() => everyNth(10, 0)).toThrow(/positive integer/);
  });
});

describe('niceTicks', () => {
  it('uses round steps inside the range', () => {
    expect(niceTicks(0.04, 0.12)).toEqual([0.04, 0.06, 0.08, 0.1, 0.12]); // range / 6 = 0.013 -> step 0.02
    expect(niceTicks(40, 100)).toEqual([40, 50, 60, 70, 80, 90, 100]);
  });
});
