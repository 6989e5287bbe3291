/**
 * The page's Benchmark panel: for each chosen batch size, DeiT and DynamicViT interleaved on the current image
 * (or a synthetic one) repeated to the batch, via benchmark.ts (the same code `npm run bench` times).
 */
import { measureBatch, type Warmed } from './benchmark.ts';
import type { BatchResult, BenchmarkRequest, BenchResultMessage } from './protocol.ts';
import { countsFor, type ModelPair } from './runs.ts';

/** One macrotask turn (a MessageChannel hop: no 4 ms setTimeout clamp), so queued messages are handled. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

export const MAX_BENCH_BATCH = 64;

export async function benchmarkBatches(
  m: ModelPair,
  image: Float32Array | null,
  req: BenchmarkRequest,
  warmed: Warmed,
  hooks: { cancelled: () => boolean; progress: (done: number, total: number) => void },
): Promise<Omit<BenchResultMessage, 'threads'> | null> {
  const batches = [...new Set(req.batches)].filter((b) => Number.isInteger(b) && b >= 1 && b <= MAX_BENCH_BATCH);
  if (!batches.length) throw new Error(`no valid batch size among ${JSON.stringify(req.batches)} (1..${MAX_BENCH_BATCH})`);
  const size = m.dvitCard.preprocessing.crop_size;
  const input = image ?? Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.001));
  const counts = countsFor(m.dvitCard, req.rho);
  const total = req.runs * batches.length;
  const results: BatchResult[] = [];
  let cancelled = false;
  for (const [j, batch] of batches.entries()) {
    const r = await measureBatch(
      m,
      input,
      counts,
      batch,
      {
        runs: req.runs,
        // Runs on wasm resolve through microtasks only: without a macrotask turn the 'cancel-benchmark'
        // message would never be delivered before the last run.
        shouldStop: async () => {
          await yieldToMessages();
          return hooks.cancelled();
        },
        afterRound: (done) => hooks.progress(j * req.runs + done, total),
      },
      warmed,
    );
    if (r) {
      const { rounds: _r, timeBound: _t, cancelled: c, firstRunMs: _f, ...batchRes } = r;
      results.push(batchRes);
      cancelled = c;
    } else cancelled = true;
    if (cancelled) break;
  }
  if (!results.length) return null;
  return {
    status: 'bench-result',
    id: req.id,
    backend: m.backend,
    rho: req.rho,
    keepCounts: counts,
    cancelled,
    batches: results,
    speedup: results[0].deit.median / results[0].dynamicvit.median,
  };
}
