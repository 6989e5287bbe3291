import type { ModelOutput } from '../../src/worker/protocol.ts';
import { formatMs, pct } from '../format.ts';
import { useStore } from '../store/index.ts';

function Top5({ title, out, testid, agree }: { title: string; out: ModelOutput; testid: string; agree?: boolean }) {
  return (
    <div className="top5">
      <h3>
        <span>{title}</span> <span className="muted small">{formatMs(out.latencyMs)}</span>
      </h3>
      <ol data-testid={testid} aria-label={`${title} top-5`}>
        {out.top5.map((p, i) => (
          <li key={p.index} data-index={p.index} data-label={p.label} data-prob={p.prob.toFixed(6)}>
            <span className="label">{p.label}</span>
            <span className="prob">{pct(p.prob)}</span>
            <span className="bar" aria-hidden="true">
              <span style={{ width: `${Math.max(1, p.prob * 100)}%` }} className={i === 0 ? 'top' : ''} />
            </span>
          </li>
        ))}
      </ol>
      {agree !== undefined && <p className="small muted">{agree ? 'Same top-1 as DeiT.' : 'Top-1 differs from DeiT.'}</p>}
    </div>
  );
}

export function Predictions() {
  const result = useStore((s) => s.result);
  const sample = useStore((s) => s.sample);
  const labels = useStore((s) => s.dvitCard?.labels);
  if (!result) return null;
  const truth = sample?.kind === 'generated' ? sample.label : null;
  const knownTruth = truth !== null && labels?.includes(truth);
  return (
    <section className="card" aria-labelledby="pred-h">
      <h2 id="pred-h">Top-5</h2>
      {truth && (
        <p className="small" data-testid="ground-truth">
          Ground truth:{' '}
          <strong>
            {sample?.emoji} {truth}
          </strong>
          {!knownTruth && <span className="muted"> (not a class of this model)</span>}
        </p>
      )}
      {sample?.kind === 'photo-imagenet' && <p className="small muted">{sample.note}</p>}
      <div className="side-by-side">
        <Top5
          title={`DynamicViT ρ=${result.rho.toFixed(2)}`}
          out={result.dynamicvit}
          testid="top5-dynamicvit"
          agree={result.dynamicvit.top5[0]?.index === result.deit.top5[0]?.index}
        />
        <Top5 title="DeiT (all tokens)" out={result.deit} testid="top5-deit" />
      </div>
      <p className="small muted">Latency of this single run on {result.backend}; use Benchmark for a fair comparison.</p>
    </section>
  );
}
