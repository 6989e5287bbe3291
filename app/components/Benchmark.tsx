import type { BatchResult, BenchResultMessage } from '../../src/worker/protocol.ts';
import { formatMs } from '../format.ts';
import { useStore } from '../store/index.ts';
import { BENCH_BATCHES } from '../store/benchSlice.ts';

const COLORS = { deit: '#f59e0b', dynamicvit: '#38bdf8' } as const;
const NAMES = { deit: 'DeiT', dynamicvit: 'DynamicViT' } as const;
const MODELS = ['deit', 'dynamicvit'] as const;

const perSecond = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** Per-run latency of one batch size (interleaved order) and median bars with p10-p90 whiskers. */
function RunsChart({ r }: { r: BatchResult }) {
  const W = 560,
    H = 220,
    padL = 48,
    padR = 12,
    top = 12,
    runsH = 120,
    gap = 28,
    barH = 16;
  const max = Math.max(...r.samples.deit, ...r.samples.dynamicvit) * 1.08 || 1;
  const n = r.samples.deit.length;
  const x = (i: number) => padL + (n <= 1 ? 0 : (i / (n - 1)) * (W - padL - padR));
  const y = (ms: number) => top + runsH - (ms / max) * runsH;
  const xs = (ms: number) => padL + (ms / max) * (W - padL - padR);
  const line = (s: number[]) => s.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const summaryY = top + runsH + gap;
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart"
      role="img"
      data-testid="bench-chart"
      aria-label={`Latency per run at batch ${r.batch}: DeiT median ${formatMs(r.deit.median)}, DynamicViT median ${formatMs(r.dynamicvit.median)}`}
    >
      {[0, max / 2, max].map((v) => (
        <g key={v}>
          <line x1={padL} x2={W - padR} y1={y(v)} y2={y(v)} className="grid" />
          <text x={padL - 6} y={y(v) + 4} textAnchor="end" className="axis">
            {formatMs(v)}
          </text>
        </g>
      ))}
      {MODELS.map((k) => (
        <g key={k}>
          <path d={line(r.samples[k])} fill="none" stroke={COLORS[k]} strokeWidth={1.5} />
          {r.samples[k].map((v, i) => (
            <circle key={i} cx={x(i)} cy={y(v)} r={2.2} fill={COLORS[k]} />
          ))}
        </g>
      ))}
      <text x={padL} y={top + runsH + 14} className="axis">
        batch {r.batch}: run 1 … {n} (interleaved)
      </text>
      {MODELS.map((k, j) => {
        const s = r[k];
        const yy = summaryY + j * (barH + 8);
        return (
          <g key={k}>
            <text x={padL - 6} y={yy + barH - 4} textAnchor="end" className="axis">
              {k === 'deit' ? 'DeiT' : 'DViT'}
            </text>
            <rect x={padL} y={yy} width={Math.max(1, xs(s.median) - padL)} height={barH} fill={COLORS[k]} opacity={0.85} />
            <line x1={xs(s.p10)} x2={xs(s.p90)} y1={yy + barH / 2} y2={yy + barH / 2} stroke="#e5e7eb" strokeWidth={2} />
          </g>
        );
      })}
    </svg>
  );
}

/** Images per second of both models at each batch size, with the time ratio over each pair. */
function ThroughputChart({ r }: { r: BenchResultMessage }) {
  const W = 560,
    padL = 48,
    padR = 12,
    top = 16,
    plotH = 130,
    groupGap = 28,
    H = top + plotH + 40;
  const max = Math.max(...r.batches.flatMap((b) => [b.imagesPerSecond.deit, b.imagesPerSecond.dynamicvit])) * 1.15 || 1;
  const groupW = (W - padL - padR) / r.batches.length;
  const barW = Math.min(48, (groupW - groupGap) / 2);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart"
      role="img"
      data-testid="bench-throughput-chart"
      aria-label={`Images per second by batch size: ${r.batches.map((b) => `batch ${b.batch}: DeiT ${perSecond(b.imagesPerSecond.deit)}, DynamicViT ${perSecond(b.imagesPerSecond.dynamicvit)}`).join('; ')}`}
    >
      {[0, max / 2, max].map((v) => (
        <g key={v}>
          <line x1={padL} x2={W - padR} y1={y(v)} y2={y(v)} className="grid" />
          <text x={padL - 6} y={y(v) + 4} textAnchor="end" className="axis">
            {perSecond(v)}
          </text>
        </g>
      ))}
      {r.batches.map((b, i) => {
        const cx = padL + groupW * (i + 0.5);
        return (
          <g key={b.batch}>
            {MODELS.map((k, j) => {
              const v = b.imagesPerSecond[k];
              return (
                <rect
                  key={k}
                  x={cx - barW + j * barW}
                  y={y(v)}
                  width={barW - 2}
                  height={top + plotH - y(v)}
                  fill={COLORS[k]}
                  opacity={0.85}
                />
              );
            })}
            <text x={cx} y={y(Math.max(b.imagesPerSecond.deit, b.imagesPerSecond.dynamicvit)) - 4} textAnchor="middle" className="axis">
              ×{(1 / b.ratio).toFixed(2)}
            </text>
            <text x={cx} y={top + plotH + 14} textAnchor="middle" className="axis">
              batch {b.batch}
            </text>
          </g>
        );
      })}
      <text x={padL} y={H - 6} className="axis">
        images / s (higher is better); ×: DynamicViT throughput / DeiT throughput
      </text>
    </svg>
  );
}

export function Benchmark() {
  const runs = useStore((s) => s.benchRuns);
  const setRuns = useStore((s) => s.setBenchRuns);
  const batches = useStore((s) => s.benchBatches);
  const toggleBatch = useStore((s) => s.toggleBenchBatch);
  const running = useStore((s) => s.benchRunning);
  const progress = useStore((s) => s.benchProgress);
  const result = useStore((s) => s.benchResult);
  const run = useStore((s) => s.runBenchmark);
  const cancel = useStore((s) => s.cancelBenchmark);
  const ready = useStore((s) => s.status === 'ready');
  const backend = useStore((s) => s.backend);
  const threads = useStore((s) => s.wasmThreads?.threads ?? null);
  const rho = useStore((s) => s.rho);
  const hasImage = useStore((s) => s.hasImage);
  const first = result?.batches[0];

  return (
    <section className="card" aria-labelledby="bench-h">
      <h2 id="bench-h">Throughput: DeiT vs DynamicViT</h2>
      <p className="small muted">
        For each batch size, after a warm-up at that shape and ρ = {rho?.toFixed(2) ?? '…'}, runs both models interleaved (alternating
        order) on the {hasImage ? 'current image' : 'same synthetic input'} repeated to the batch, on one backend ({backend ?? '…'}
        {backend === 'wasm' && threads !== null ? `, ${threads} thread${threads === 1 ? '' : 's'}` : ''}), inside the worker; each timing
        ends when the outputs have been read back. Large batches take long on a software (fallback) adapter: batch 1 alone is the quick
        check.
      </p>
      <div className="bench-controls">
        <label>
          Runs per model{' '}
          <input
            type="number"
            min={1}
            max={500}
            value={runs}
            onChange={(e) => setRuns(Number(e.target.value))}
            disabled={running}
            data-testid="bench-runs"
          />
        </label>
        <fieldset className="bench-batches" disabled={running}>
          <legend className="small muted">Batch sizes</legend>
          {BENCH_BATCHES.map((b) => (
            <label key={b}>
              <input type="checkbox" checked={batches.includes(b)} onChange={() => toggleBatch(b)} data-testid={`bench-batch-${b}`} /> {b}
            </label>
          ))}
        </fieldset>
        {running ? (
          <button type="button" onClick={cancel} data-testid="bench-cancel">
            Cancel
          </button>
        ) : (
          <button type="button" className="primary" onClick={run} disabled={!ready} data-testid="bench-run">
            Run benchmark
          </button>
        )}
        {progress && running && (
          <>
            <progress max={progress.total} value={progress.done} aria-label="Benchmark progress" />
            <span className="small muted">
              {progress.done}/{progress.total}
            </span>
          </>
        )}
      </div>
      {result && first && (
        <div data-testid="bench-result" data-backend={result.backend} data-threads={result.threads}>
          <p className="ratio">
            At batch {first.batch}, DynamicViT is{' '}
            <strong data-testid="bench-ratio" data-ratio={result.speedup.toFixed(4)}>
              {result.speedup.toFixed(2)}×
            </strong>{' '}
            {result.speedup >= 1
              ? 'faster than DeiT'
              : 'the speed of DeiT (slower: at this size the predictors and token gathers cost more than they save)'}{' '}
            at ρ = {result.rho.toFixed(2)} on {result.backend}
            {result.backend === 'wasm' ? ` (${result.threads} thread${result.threads === 1 ? '' : 's'})` : ''}
            {result.cancelled && (
              <span className="muted">
                {' '}
                (cancelled after {result.batches.at(-1)!.samples.deit.length} runs at batch {result.batches.at(-1)!.batch})
              </span>
            )}
          </p>
          <table className="bench-table">
            <thead>
              <tr>
                <th scope="col">batch</th>
                {MODELS.map((k) => (
                  <th key={k} scope="col">
                    <span className="swatch" style={{ background: COLORS[k] }} /> {NAMES[k]}
                    {k === 'dynamicvit' ? ` (${result.keepCounts.join('/')})` : ''}: median (p10–p90), images/s
                  </th>
                ))}
                <th scope="col" title="median DynamicViT time / median DeiT time">
                  time ratio
                </th>
                <th scope="col">runs</th>
              </tr>
            </thead>
            <tbody>
              {result.batches.map((b) => (
                <tr
                  key={b.batch}
                  data-testid={`bench-row-${b.batch}`}
                  data-ratio={b.ratio.toFixed(4)}
                  data-images-per-second={`${b.imagesPerSecond.deit.toFixed(3)} ${b.imagesPerSecond.dynamicvit.toFixed(3)}`}
                >
                  <th scope="row">{b.batch}</th>
                  {MODELS.map((k) => (
                    <td key={k}>
                      {formatMs(b[k].median)} ({formatMs(b[k].p10)}–{formatMs(b[k].p90)}), {perSecond(b.imagesPerSecond[k])}/s
                    </td>
                  ))}
                  <td>{b.ratio.toFixed(2)}</td>
                  <td>{b.deit.n}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.batches.length > 1 && <ThroughputChart r={result} />}
          <RunsChart r={first} />
        </div>
      )}
    </section>
  );
}
