import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keepCounts, snapRho } from '../keepCounts.ts';

const FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/keep_counts.json', import.meta.url));
const DEIT = { num_patches: 196, pruning_locations: [3, 6, 9] };
const LVVIT_S = { num_patches: 196, pruning_locations: [4, 8, 12] };

describe('keepCounts', () => {
  it('gives the contract examples', () => {
    expect(keepCounts(0.7, DEIT)).toEqual([137, 96, 67]);
    expect(keepCounts(0.5, DEIT)).toEqual([98, 49, 24]);
    expect(keepCounts(0.9, DEIT)).toEqual([176, 158, 142]);
    expect(keepCounts(1, DEIT)).toEqual([196, 196, 196]);
  });
  it('takes N and the stage count S from the architecture, not the block indices', () => {
    expect(keepCounts(0.7, LVVIT_S)).toEqual([137, 96, 67]);
    expect(keepCounts(0.7, { num_patches: 196, pruning_locations: [6] })).toEqual([137]);
    expect(keepCounts(0.5, { num_patches: 576, pruning_locations: [3, 6, 9, 10] })).toEqual([288, 144, 72, 36]);
    expect(keepCounts(0.7, { num_patches: 196, pruning_locations: [] })).toEqual([]);
  });
  it('is monotone and never zero', () => {
    for (let r = 30; r <= 100; r++) {
      const k = keepCounts(snapRho(r / 100), DEIT);
      expect(k[0]).toBeGreaterThanOrEqual(k[1]);
      expect(k[1]).toBeGreaterThanOrEqual(k[2]);
      expect(k[2]).toBeGreaterThanOrEqual(1);
    }
    expect(keepCounts(0.01, DEIT)).toEqual([1, 1, 1]);
  });
  it('snaps slider values to the float64 literals', () => {
    expect(snapRho(0.7000000001)).toBe(0.7);
    expect(snapRho(0.3 + 0.4)).toBe(0.7);
  });
  it('matches tests/fixtures/keep_counts.json (Python float64) for every rho', () => {
    const table = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { num_patches: number; entries: { rho: number; counts: number[] }[] };
    expect(table.entries.length).toBeGreaterThanOrEqual(71);
    for (const { rho, counts } of table.entries) {
      const arch = { num_patches: table.num_patches, pruning_locations: counts.map((_, i) => i + 1) };
      expect(keepCounts(rho, arch), `rho ${rho}`).toEqual(counts);
    }
  });
});
