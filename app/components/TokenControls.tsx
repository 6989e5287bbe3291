import { vitFlops } from '../../src/engine/flops.ts';
import { keepCounts } from '../../src/engine/keepCounts.ts';
import { stageBlocks } from '../../src/engine/modelCard.ts';
import { objectRecall } from '../../src/engine/objectMask.ts';
import { useObjectMask } from '../hooks.ts';
import { useStore } from '../store/index.ts';

const SUPERSCRIPTS = ['', '', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
const power = (p: number): string => (p < SUPERSCRIPTS.length ? `ρ${SUPERSCRIPTS[p]}` : `ρ^${p}`);

/** The keep-ratio slider; its range and starting value (the trained ratio) come from the loaded card. */
export function RhoSlider() {
  const rho = useStore((s) => s.rho);
  const setRho = useStore((s) => s.setRho);
  const card = useStore((s) => s.dvitCard);
  const disabled = useStore((s) => s.status !== 'ready');
  if (!card?.pruning || rho === null) {
    return (
      <div className="slider">
        <label htmlFor="rho">Keep ratio ρ</label>
        <input id="rho" type="range" disabled data-testid="rho-slider" aria-valuetext="no model loaded" />
        <span className="muted small">The range comes from the model card once a model is loaded.</span>
      </div>
    );
  }
  const [lo, hi] = card.pruning.keep_ratio_range;
  const k = keepCounts(rho, card.architecture);
  const stages = k.map((_, i) => i + 1);
  return (
    <div className="slider">
      <label htmlFor="rho">
        Keep ratio ρ = <output data-testid="rho-value">{rho.toFixed(2)}</output>
        <span className="muted small"> (trained at {card.pruning.trained_keep_ratio})</span>
      </label>
      <input
        id="rho"
        type="range"
        min={lo}
        max={hi}
        step={0.01}
        value={rho}
        disabled={disabled}
        data-testid="rho-slider"
        aria-valuetext={`keep ratio ${rho.toFixed(2)}: keeps ${k.join(', ')} patch tokens after stage${k.length === 1 ? '' : 's'} ${stages.join(', ')}`}
        onChange={(e) => setRho(Number(e.target.value))}
      />
      <span className="muted small">
        {stages.map(power).join(', ')} of the patches survive the {k.length === 1 ? 'stage' : `${k.length} stages`}; moving this re-runs the
        loaded model.
      </span>
    </div>
  );
}

export function StageTable() {
  const rho = useStore((s) => s.rho);
  const result = useStore((s) => s.result);
  const dvit = useStore((s) => s.dvitCard);
  const deit = useStore((s) => s.deitCard);
  const object = useObjectMask();
  if (!dvit || !deit || rho === null) return null;
  const a = dvit.architecture;
  const expected = keepCounts(rho, a);
  const actual = result?.dynamicvit.kept.map((k) => k.length) ?? null;
  const stale = result !== null && result.rho !== rho;
  const f = vitFlops(dvit, expected);
  const full = vitFlops(deit, []);
  const groups = stageBlocks(a);
  return (
    <table className="stages" data-testid="stage-table">
      <caption className="small muted">Tokens and GFLOPs (multiply-accumulates) per stage at ρ = {rho.toFixed(2)}</caption>
      <thead>
        <tr>
          <th scope="col">Stage</th>
          <th scope="col">Blocks</th>
          <th scope="col">Patch tokens kept</th>
          <th scope="col">GFLOPs</th>
          {object && (
            <th scope="col" title="Object patches (samples.json annotation) still kept">
              object kept
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {f.perStage.map((g, s) => (
          <tr key={s}>
            <th scope="row">{s === 0 ? 'input' : `stage ${s}`}</th>
            <td data-testid={`stage-blocks-${s}`}>
              {groups[s].first}–{groups[s].last}
            </td>
            <td>
              {s === 0 ? (
                a.num_patches
              ) : (
                <>
                  <span data-testid={`kept-count-stage${s}`} data-expected={expected[s - 1]}>
                    {actual && !stale ? actual[s - 1] : expected[s - 1]}
                  </span>
                  <span className="muted small">
                    {' '}
                    / {a.num_patches} ({((100 * expected[s - 1]) / a.num_patches).toFixed(0)}%)
                  </span>
                  {actual && !stale && actual[s - 1] !== expected[s - 1] && <span className="bad"> ≠ expected {expected[s - 1]}</span>}
                </>
              )}
            </td>
            <td>{g.toFixed(3)}</td>
            {object && (
              <td data-testid={s === 0 ? undefined : `object-recall-stage${s}`}>
                {s === 0
                  ? `${objectRecall(object, [...Array(a.num_patches).keys()]).total}`
                  : recallText(object, result && !stale ? result.dynamicvit.kept[s - 1] : null)}
              </td>
            )}
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={3}>
            {dvit.display_name} total (incl. patch embedding {f.embed.toFixed(3)}, predictors {f.predictors.toFixed(3)}, head
            {a.aux_head ? ' and aux head' : ''} {f.head.toFixed(3)})
          </th>
          <td data-testid="gflops-dvit" data-gflops={f.total}>
            {f.total.toFixed(3)}
          </td>
          {object && <td />}
        </tr>
        <tr>
          <th scope="row" colSpan={3}>
            {deit.display_name}, all tokens
          </th>
          <td data-testid="gflops-deit">
            {full.total.toFixed(3)} <span className="muted small">({((100 * f.total) / full.total).toFixed(0)}%)</span>
          </td>
          {object && <td />}
        </tr>
      </tfoot>
    </table>
  );
}

function recallText(object: Uint8Array, kept: number[] | null): string {
  if (!kept) return '…';
  const r = objectRecall(object, kept);
  return r.total ? `${r.kept}/${r.total} (${Math.round((100 * r.kept) / r.total)}%)` : '–';
}
