/**
 * DeiT vs DynamicViT timing, one rule for the page's Benchmark panel and `npm run bench`: per batch size, one
 * excluded warm-up at that shape (new shapes compile shaders on WebGPU), then rounds of both models on the same
 * input, the order rotating every round, until `runs` rounds or a time bound.
 */
import { summarize } from '../engine/stats.ts';
import type { BatchResult } from './protocol.ts';
import { repeatBatch, runDeit, runDvit, type ModelPair } from './runs.ts';

export interface Contender {
  name: string;
  run: () => Promise<{ ms: number }>;
}

export interface RoundControl {
  runs: number;
  /** stop once this much time (ms) has passed and `minRuns` rounds are done */
  maxMs?: number;
  minRuns?: number;
  /** before each round: true = stop now (cancelled) */
  shouldStop?: () => Promise<boolean>;
  afterRound?: (done: number) => void;
}

export interface Interleaved {
  samples: Record<string, number[]>;
  rounds: number;
  /** ended by the time bound before `runs` rounds */
  timeBound: boolean;
  cancelled: boolean;
}

/** Rounds of every contender in rotating order (round i starts with contender i mod n): shared load cancels out. */
export async function interleave(contenders: Contender[], ctl: RoundControl): Promise<Interleaved> {
  const samples: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
  const t0 = performance.now();
  let rounds = 0;
  let cancelled = false;
  let timeBound = false;
  while (rounds < ctl.runs) {
    if (await ctl.shouldStop?.()) {
      cancelled = true;
      break;
    }
    const k = rounds % contenders.length;
    for (const c of [...contenders.slice(k), ...contenders.slice(0, k)]) samples[c.name].push((await c.run()).ms);
    rounds++;
    ctl.afterRound?.(rounds);
    if (ctl.maxMs !== undefined && performance.now() - t0 > ctl.maxMs && rounds >= (ctl.minRuns ?? 1) && rounds < ctl.runs) {
      timeBound = true;
      break;
    }
  }
  return { samples, rounds, timeBound, cancelled };
}

export function batchResult(batch: number, deit: number[], dynamicvit: number[]): BatchResult {
  const d = summarize(deit);
  const v = summarize(dynamicvit);
  return {
    batch,
    samples: { deit, dynamicvit },
    deit: d,
    dynamicvit: v,
    imagesPerSecond: { deit: (1000 * batch) / d.median, dynamicvit: (1000 * batch) / v.median },
    ratio: v.median / d.median,
  };
}

/** Input shapes already run on the pair's sessions (warm): key per model and batch (and keep counts). */
export type Warmed = Set<string>;

/**
 * One batch size: warm-up at this shape unless already warm, then DeiT and DynamicViT interleaved. `image` is
 * one image's tensor, repeated `batch` times. Returns null when cancelled before the first round.
 */
export async function measureBatch(
  m: ModelPair,
  image: Float32Array,
  counts: number[],
  batch: number,
  ctl: RoundControl,
  warmed: Warmed,
): Promise<
  (BatchResult & { rounds: number; timeBound: boolean; cancelled: boolean; firstRunMs: { deit?: number; dynamicvit?: number } }) | null
> {
  const input = repeatBatch(image, batch);
  const firstRunMs: { deit?: number; dynamicvit?: number } = {};
  const deitKey = `deit:${batch}`;
  const dvitKey = `dvit:${batch}:${counts.join(',')}`;
  if (!warmed.has(deitKey)) {
    firstRunMs.deit = (await runDeit(m, input)).ms;
    warmed.add(deitKey);
  }
  if (!warmed.has(dvitKey)) {
    firstRunMs.dynamicvit = (await runDvit(m, input, counts)).ms;
    warmed.add(dvitKey);
  }
  const r = await interleave(
    [
      { name: 'deit', run: () => runDeit(m, input) },
      { name: 'dynamicvit', run: () => runDvit(m, input, counts) },
    ],
    ctl,
  );
  if (r.rounds === 0) return null;
  return {
    ...batchResult(batch, r.samples.deit, r.samples.dynamicvit),
    rounds: r.rounds,
    timeBound: r.timeBound,
    cancelled: r.cancelled,
    firstRunMs,
  };
}
