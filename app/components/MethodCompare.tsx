import { keepCounts } from '../../src/engine/keepCounts.ts';
import { stageBlocks, type ModelCard } from '../../src/engine/modelCard.ts';
import { keepMask } from '../../src/engine/postprocess.ts';
import type { MethodOutput } from '../../src/worker/protocol.ts';
import { formatMs, pct } from '../format.ts';
import { useStore } from '../store/index.ts';
import { DYNAMICVIT, methodName, methodOutput } from '../store/methodSlice.ts';
import { PatchCanvas } from './Overlay.tsx';

/** DynamicViT first, then the baselines in the card's order. */
function useMethods(): { key: string; card: ModelCard }[] {
  const dvit = useStore((s) => s.dvitCard);
  const baselines = useStore((s) => s.baselines);
  return dvit ? [{ key: DYNAMICVIT, card: dvit }, ...baselines] : [];
}

/** Which pruning method the main overlay shows: a radio group (arrow keys move within it). */
export function MethodSwitch() {
  const methods = useMethods();
  const method = useStore((s) => s.method);
  const setMethod = useStore((s) => s.setMethod);
  const note = useStore((s) => s.baselineNote);
  if (methods.length < 2)
    return note ? (
      <p className="small muted" data-testid="baseline-note">
        {note}
      </p>
    ) : null;
  return (
    <section className="card" aria-label="Pruning method">
      <fieldset className="method-switch" data-testid="method-switch">
        <legend>Method shown in the overlay</legend>
        {methods.map(({ key, card }) => (
          <label key={key} className={method === key ? 'on' : ''} title={card.display_name}>
            <input
              type="radio"
              name="method"
              value={key}
              checked={method === key}
              onChange={() => setMethod(key)}
              data-testid={`method-radio-${key}`}
            />
            {methodName(key, card)}
          </label>
        ))}
      </fieldset>
      <p className="small muted">
        Same keep counts for every method: learned predictors (DynamicViT), the CLS token's attention (EViT rule, no training) and a fixed
        random order, the latter two on the DeiT twin's weights. Each method is one more model run per image and keep ratio (
        {methods.length} runs + DeiT once); on a software adapter that multiplies the wait.
      </p>
      {note && (
        <p className="small muted" data-testid="baseline-note">
          {note}
        </p>
      )}
    </section>
  );
}

function CompactTop5({ out, testid }: { out: MethodOutput; testid: string }) {
  return (
    <ol className="compact-top5" data-testid={testid}>
      {out.top5.map((p) => (
        <li key={p.index} data-index={p.index}>
          <span className="label">{p.label}</span> <span className="prob">{pct(p.prob)}</span>
        </li>
      ))}
    </ol>
  );
}

/** Per stage, each method's kept patches on the user's image, with its top-5 and run time, at the current ρ. */
export function MethodCompare() {
  const methods = useMethods();
  const result = useStore((s) => s.result);
  const crop = useStore((s) => s.crop);
  const card = useStore((s) => s.dvitCard);
  if (methods.length < 2 || !result || !crop || !card) return null;
  const a = card.architecture;
  const groups = stageBlocks(a);
  const expected = keepCounts(result.rho, a);
  const outs = methods.map((m) => ({ ...m, out: methodOutput(result, m.key) }));
  const cols = { gridTemplateColumns: `minmax(6.5rem, auto) repeat(${outs.length}, minmax(0, 1fr))` };
  return (
    <section className="card" aria-labelledby="compare-h" data-testid="compare-view" data-rho={result.rho}>
      <h2 id="compare-h">
        Same budget, different rules{' '}
        <span className="muted small">
          ρ = {result.rho.toFixed(2)}: {expected.join(', ')} of {a.num_patches} patches kept
        </span>
      </h2>
      <div className="compare-grid" style={cols} role="table" aria-label="Kept patches per stage and method">
        <div role="row" className="compare-row">
          <span role="columnheader" />
          {outs.map(({ key, card: c, out }) => (
            <div role="columnheader" key={key} data-testid={`compare-col-${key}`} className="compare-head">
              <strong>{methodName(key, c)}</strong>{' '}
              <span className="muted small" data-testid={`compare-ms-${key}`}>
                {formatMs(out.latencyMs)}
              </span>
              <CompactTop5 out={out} testid={`compare-top5-${key}`} />
            </div>
          ))}
        </div>
        {expected.map((k, i) => (
          <div role="row" className="compare-row" key={i}>
            <span role="rowheader" className="small">
              Stage {i + 1}
              <br />
              <span className="muted">
                blocks {groups[i + 1].first}–{groups[i + 1].last} · {k} kept
              </span>
            </span>
            {outs.map(({ key, card: c, out }) => (
              <div role="cell" key={key} data-testid={`compare-cell-${key}-${i + 1}`}>
                <PatchCanvas
                  crop={crop}
                  patches={{ grid: a.grid, mask: keepMask(out.kept[i], a.grid) }}
                  positions={out.kept[i]}
                  label={`${methodName(key, c)} · stage ${i + 1} · ${out.kept[i].length}`}
                />
              </div>
            ))}
          </div>
        ))}
      </div>
      <p className="small muted">
        Run times are single runs on {result.backend} at this ρ (DeiT, all tokens: {formatMs(result.deit.latencyMs)}).
      </p>
    </section>
  );
}
