import type { BenchResultMessage } from '../../src/worker/protocol.ts';
import { formatMs } from '../format.ts';
import { useStore } from '../store/index.ts';

const COLORS = { deit: '#f59e0b', dynamicvit: '#38bdf8' } as const;

function Chart({ r }: { r: BenchResultMessage }) {
  const W = 560, H = 220, padL = 48, padR = 12, top = 12, runsH = 120, gap = 28, barH = 16;
  const all = [...r.samples.deit, ...r.samples.dynamicvit];
  const max = Math.max(...all) * 1.08 || 1;
  const n = r.samples.deit.length;
  const x = (i: number) => padL + (n <= 1 ? 0 : (i / (n - 1)) * (W - padL - padR));
  const y = (ms: number) => top + runsH - (ms / max) * runsH;
  const xs = (ms: number) => padL + (ms / max) * (W - padL - padR);
  const line = (s: number[]) => s.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const ticks = [0, max / 2, max].map((v) => ({ v, y: y(v) }));
  const summaryY = top + runsH + gap;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" data-testid="bench-chart"
      aria-label={`Latency per run: DeiT median ${formatMs(r.deit.median)}, DynamicViT median ${formatMs(r.dynamicvit.median)}`}>
      {ticks.map((t) => (
        <g key={t.v}>
          <line x1={padL} x2={W - padR} y1={t.y} y2={t.y} className="grid" />
          <text x={padL - 6} y={t.y + 4} textAnchor="end" className="axis">{formatMs(t.v)}</text>
        </g>
      ))}
      {(['deit', 'dynamicvit'] as const).map((k) => (
        <g key={k}>
          <path d={line(r.samples[k])} fill="none" stroke={COLORS[k]} strokeWidth={1.5} />
          {r.samples[k].map((v, i) => <circle key={i} cx={x(i)} cy={y(v)} r={2.2} fill={COLORS[k]} />)}
        </g>
      ))}
      <text x={padL} y={top + runsH + 14} className="axis">run 1 … {n} (interleaved)</text>
      {(['deit', 'dynamicvit'] as const).map((k, j) => {
        const s = r[k];
        const yy = summaryY + j * (barH + 8);
        return (
          <g key={k}>
            <text x={padL - 6} y={yy + barH - 4} textAnchor="end" className="axis">{k === 'deit' ? 'DeiT' : 'DViT'}</text>
            <rect x={padL} y={yy} width={Math.max(1, xs(s.median) - padL)} height={barH} fill={COLORS[k]} opacity={0.85} />
            <line x1={xs(s.p10)} x2={xs(s.p90)} y1={yy + barH / 2} y2={yy + barH / 2} stroke="#e5e7eb" strokeWidth={2} />
            <line x1={xs(s.p10)} x2={xs(s.p10)} y1={yy + 3} y2={yy + barH - 3} stroke="#e5e7eb" strokeWidth={2} />
            <line x1={xs(s.p90)} x2={xs(s.p90)} y1={yy + 3} y2={yy + barH - 3} stroke="#e5e7eb" strokeWidth={2} />
          </g>
        );
      })}
    </svg>
  );
}

export function Benchmark() {
  const runs = useStore((s) => s.benchRuns);
  const setRuns = useStore((s) => s.setBenchRuns);
  const running = useStore((s) => s.benchRunning);
  const progress = useStore((s) => s.benchProgress);
  const result = useStore((s) => s.benchResult);
  const run = useStore((s) => s.runBenchmark);
  const cancel = useStore((s) => s.cancelBenchmark);
  const ready = useStore((s) => s.status === 'ready');
  const backend = useStore((s) => s.backend);
  const rho = useStore((s) => s.rho);
  const hasImage = useStore((s) => s.hasImage);

  return (
    <section className="card" aria-labelledby="bench-h">
      <h2 id="bench-h">Latency: DeiT vs DynamicViT</h2>
      <p className="small muted">
        After a warm-up at ρ = {rho.toFixed(2)}, runs both models interleaved (alternating order) on the {hasImage ? 'current image' : 'same synthetic input'},
        on one backend ({backend ?? '…'}), inside the worker; each timing ends when the outputs have been read back.
      </p>
      <div className="bench-controls">
        <label>
          Runs per model{' '}
          <input type="number" min={1} max={500} value={runs} onChange={(e) => setRuns(Number(e.target.value))} disabled={running} data-testid="bench-runs" />
        </label>
        {running ? (
          <button type="button" onClick={cancel} data-testid="bench-cancel">Cancel</button>
        ) : (
          <button type="button" className="primary" onClick={run} disabled={!ready} data-testid="bench-run">Run benchmark</button>
        )}
        {progress && running && (
          <>
            <progress max={progress.total} value={progress.done} aria-label="Benchmark progress" />
            <span className="small muted">{progress.done}/{progress.total}</span>
          </>
        )}
      </div>
      {result && (
        <div data-testid="bench-result" data-backend={result.backend}>
          <p className="ratio">
            DynamicViT is <strong data-testid="bench-ratio" data-ratio={result.speedup.toFixed(4)}>{result.speedup.toFixed(2)}×</strong>{' '}
            {result.speedup >= 1 ? 'faster than DeiT' : 'the speed of DeiT (slower: at this size the predictors and token gathers cost more than they save)'} at ρ ={' '}
            {result.rho.toFixed(2)} on {result.backend}
            {result.cancelled && <span className="muted"> (cancelled after {result.samples.deit.length} runs)</span>}
          </p>
          <table className="bench-table">
            <thead>
              <tr><th scope="col">Model</th><th scope="col">median</th><th scope="col">p10</th><th scope="col">p90</th><th scope="col">runs</th></tr>
            </thead>
            <tbody>
              {(['deit', 'dynamicvit'] as const).map((k) => (
                <tr key={k}>
                  <th scope="row"><span className="swatch" style={{ background: COLORS[k] }} /> {k === 'deit' ? 'DeiT' : `DynamicViT (${result.keepCounts.join('/')})`}</th>
                  <td>{formatMs(result[k].median)}</td>
                  <td>{formatMs(result[k].p10)}</td>
                  <td>{formatMs(result[k].p90)}</td>
                  <td>{result[k].n}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Chart r={result} />
        </div>
      )}
    </section>
  );
}
