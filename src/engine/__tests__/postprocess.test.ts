import { describe, expect, it } from 'vitest';
import { countKept, keepMask, patchRect, predictions, softmax, topK } from '../postprocess.ts';

describe('softmax / top-k', () => {
  it('softmax sums to one and is shift invariant', () => {
    const p = softmax([1, 2, 3, 1000 - 997]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[2]).toBeCloseTo(p[3], 12);
    const big = softmax([1000, 1001]);
    expect(big[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });
  it('top-k is descending, stable on ties, clipped to length', () => {
    expect(topK([0.1, 0.5, 0.3, 0.5, -2], 3)).toEqual([1, 3, 2]);
    expect(topK([3, 1], 5)).toEqual([0, 1]);
  });
  it('predictions carry labels and probabilities', () => {
    const out = predictions([0, 2, 1], ['a', 'b', 'c'], 2);
    expect(out.map((p) => p.label)).toEqual(['b', 'c']);
    expect(out[0].prob).toBeGreaterThan(out[1].prob);
  });
});

describe('mask geometry', () => {
  it('maps original positions row-major onto the 14x14 grid', () => {
    const m = keepMask([0, 13, 14, 195, 100n], 14);
    expect(countKept(m)).toBe(5);
    expect(m[0] && m[13] && m[14] && m[195] && m[100]).toBe(1);
    // position 14 is row 1, col 0
    expect(patchRect(14, 14, 224)).toEqual({ x: 0, y: 16, w: 16, h: 16 });
    expect(patchRect(195, 14, 224)).toEqual({ x: 208, y: 208, w: 16, h: 16 });
    expect(patchRect(13, 14, 448)).toEqual({ x: 416, y: 0, w: 32, h: 32 });
  });
  it('takes the grid from the caller', () => {
    expect(countKept(keepMask([0, 143], 12))).toBe(2);
    expect(() => keepMask([144], 12)).toThrow(/outside 0..143/);
  });
  it('rejects out-of-range and duplicate positions', () => {
    expect(() => keepMask([196], 14)).toThrow(/outside/);
    expect(() => keepMask([-1], 14)).toThrow(/outside/);
    expect(() => keepMask([3, 3], 14)).toThrow(/twice/);
  });
});
