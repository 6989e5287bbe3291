import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, NOT_ISOLATED_REASON, wasmThreadPlan } from '../threads.ts';

describe('wasmThreadPlan', () => {
  it('uses one thread and says why when the page is not cross-origin isolated', () => {
    expect(wasmThreadPlan(false, 8)).toEqual({ threads: 1, isolated: false, cores: 8, reason: NOT_ISOLATED_REASON });
    expect(NOT_ISOLATED_REASON).toContain('Cross-Origin-Embedder-Policy: require-corp');
  });
  it('uses every core up to the cap when isolated', () => {
    expect(wasmThreadPlan(true, 2)).toEqual({ threads: 2, isolated: true, cores: 2, reason: null });
    expect(wasmThreadPlan(true, 8).threads).toBe(8);
    const big = wasmThreadPlan(true, 64);
    expect(big.threads).toBe(MAX_WASM_THREADS);
    expect(big.reason).toMatch(/^8 of 64 cores: capped at 8/);
  });
  it('treats a missing or bogus core count as one core', () => {
    expect(wasmThreadPlan(true, undefined).threads).toBe(1);
    expect(wasmThreadPlan(true, 0).threads).toBe(1);
  });
  it('honours a requested count within 1..cap (benchmark runs)', () => {
    expect(wasmThreadPlan(true, 2, 1)).toMatchObject({ threads: 1, reason: '1 of 2 cores: set by the caller' });
    expect(wasmThreadPlan(true, 2, 99).threads).toBe(MAX_WASM_THREADS);
    expect(wasmThreadPlan(false, 2, 2).threads).toBe(1);
  });
});
