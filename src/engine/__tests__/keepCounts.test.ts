import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keepCounts, snapRho } from '../keepCounts.ts';

const FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/keep_counts.json', import.meta.url));

describe('keepCounts', () => {
  it('gives the contract examples', () => {
    expect(keepCounts(0.7)).toEqual([137, 96, 67]);
    expect(keepCounts(0.5)).toEqual([98, 49, 24]);
    expect(keepCounts(0.9)).toEqual([176, 158, 142]);
    expect(keepCounts(1)).toEqual([196, 196, 196]);
  });
  it('is monotone and never zero', () => {
    for (let r = 30; r <= 100; r++) {
      const k = keepCounts(snapRho(r / 100));
      expect(k[0]).toBeGreaterThanOrEqual(k[1]);
      expect(k[1]).toBeGreaterThanOrEqual(k[2]);
      expect(k[2]).toBeGreaterThanOrEqual(1);
    }
    expect(keepCounts(0.01)).toEqual([1, 1, 1]);
  });
  it('snaps slider values to the float64 literals', () => {
    expect(snapRho(0.7000000001)).toBe(0.7);
    expect(snapRho(0.3 + 0.4)).toBe(0.7);
  });
  it.runIf(existsSync(FIXTURE))('matches tests/fixtures/keep_counts.json (Python float64) for every rho', () => {
    const raw = JSON.parse(readFileSync(FIXTURE, 'utf8')) as unknown;
    const rows = normalise(raw);
    expect(rows.length).toBeGreaterThanOrEqual(71);
    for (const { rho, counts } of rows) expect(keepCounts(rho), `rho ${rho}`).toEqual(counts);
  });
});

/** Accepts [{rho, counts}] / [{rho, keep_counts}] / {entries|cases: [...]} / {"0.70": [..]} layouts. */
function normalise(raw: unknown): { rho: number; counts: number[] }[] {
  const pick = (o: Record<string, unknown>) => ({
    rho: Number(o.rho ?? o.keep_ratio),
    counts: (o.counts ?? o.keep_counts ?? o.k) as number[],
  });
  if (Array.isArray(raw)) return raw.map((o) => pick(o as Record<string, unknown>));
  const obj = raw as Record<string, unknown>;
  for (const key of ['entries', 'cases', 'rows', 'data', 'table']) {
    if (Array.isArray(obj[key])) return (obj[key] as Record<string, unknown>[]).map(pick);
  }
  return Object.entries(obj)
    .filter(([k, v]) => !Number.isNaN(Number(k)) && Array.isArray(v))
    .map(([k, v]) => ({ rho: Number(k), counts: v as number[] }));
}
