import { useEffect, useState, type DragEvent } from 'react';
import { curveToCsv, DEIT_KEY, FULL_KEY, ratiosInRange } from '../../src/engine/curve.ts';
import { droppedFiles, fetchManifest, folderSet, pickedFiles, shippedSet, type PathFile, type ShippedManifest } from '../evalSets.ts';
import { useStore } from '../store/index.ts';
import { methodName } from '../store/methodSlice.ts';
import { CurveChart, type CurveAxis } from './CurveChart.tsx';

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The sets to run: the model's shipped subset and a folder (picked or dropped). */
function SetChooser() {
  const modelId = useStore((s) => s.modelId);
  const card = useStore((s) => s.dvitCard);
  const ready = useStore((s) => s.status === 'ready');
  const busy = useStore((s) => s.evalRunning || s.evalPreparing !== null);
  const every = useStore((s) => s.evalEvery);
  const setEvery = useStore((s) => s.setEvalEvery);
  const run = useStore((s) => s.runEvaluation);
  const preparing = useStore((s) => s.setEvalPreparing);
  const fail = useStore((s) => s.setEvalError);
  const [found, setFound] = useState<{ id: string; manifest: ShippedManifest | null } | null>(null);
  const [over, setOver] = useState(false);
  const manifest = found && found.id === modelId ? found.manifest : null;

  useEffect(() => {
    let live = true;
    if (modelId) void fetchManifest(modelId).then((m) => live && setFound({ id: modelId, manifest: m }));
    return () => {
      live = false;
    };
  }, [modelId]);

  if (!card) return null;
  const labels = card.labels;
  const runShipped = async () => {
    if (!manifest || !modelId) return;
    preparing('fetching the images…');
    try {
      run(await shippedSet(modelId, manifest, labels.length, (d, t) => preparing(`fetching images ${d}/${t}`)));
    } catch (e) {
      fail(errText(e));
    }
  };
  const runFolder = async (files: PathFile[]) => {
    if (!files.length) return;
    preparing(`reading ${files.length} files…`);
    try {
      run(await folderSet(files, labels));
    } catch (e) {
      fail(`That folder cannot be evaluated: ${errText(e)}`);
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (busy || !ready) return;
    void droppedFiles(e.dataTransfer.items).then(runFolder, (err: unknown) => fail(`The dropped files could not be read: ${errText(err)}`));
  };
  return (
    <div className="eval-sets">
      {manifest && (
        <button type="button" className="primary" disabled={!ready || busy} onClick={() => void runShipped()} data-testid="eval-shipped">
          Evaluate the shipped subset ({manifest.images.length} labelled images)
        </button>
      )}
      <div
        className={over ? 'eval-drop over' : 'eval-drop'}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="eval-dropzone"
      >
        <label className="small">
          Or a folder of your own images:{' '}
          <input
            type="file"
            disabled={!ready || busy}
            data-testid="eval-folder"
            {...{ webkitdirectory: '', directory: '' }}
            multiple
            onChange={(e) => e.target.files && void runFolder(pickedFiles(e.target.files))}
          />
        </label>
        <p className="small muted">
          Drop it here or pick it. Layout: ImageNet val (one folder per WordNet id, n01440764/…; the card's labels are class names, so add
          ImageNet's LOC_synset_mapping.txt unless all {labels.length} class folders are there), or any layout with a labels file{' '}
          <code>labels.csv</code> (<code>file,label_index</code>, file = path inside the folder). Unlabelled and undecodable files are
          counted and listed, not used.
        </p>
      </div>
      <label className="small">
        Every{' '}
        <input
          type="number"
          min={1}
          max={1000}
          value={every}
          disabled={busy}
          onChange={(e) => setEvery(Number(e.target.value))}
          data-testid="eval-every"
          style={{ width: '4.5rem' }}
        />
        -th image (1 = all; a deterministic subset: images 0, N, 2N, … of the set's order)
      </label>
    </div>
  );
}

function Progress() {
  const running = useStore((s) => s.evalRunning);
  const preparing = useStore((s) => s.evalPreparing);
  const p = useStore((s) => s.evalProgress);
  const cancel = useStore((s) => s.cancelEvaluation);
  if (preparing)
    return (
      <p className="small" data-testid="eval-preparing">
        {preparing}
      </p>
    );
  if (!running || !p) return null;
  return (
    <div className="eval-progress" data-testid="eval-progress">
      <progress max={p.total || 1} value={p.done} aria-label="Evaluation progress" />
      <span className="small">
        {p.done} of {p.total || '…'} runs · image {p.imagesDone} of {p.images}
        {p.failed > 0 && <span className="bad"> · {p.failed} could not be decoded</span>}
      </span>
      <button type="button" onClick={cancel} data-testid="eval-cancel">
        Cancel
      </button>
    </div>
  );
}

function Results() {
  const r = useStore((s) => s.evalResult);
  const baselines = useStore((s) => s.baselines);
  const [axis, setAxis] = useState<CurveAxis>('gflops');
  if (!r) return null;
  const name = (key: string) => (key === DEIT_KEY ? 'DeiT (all tokens)' : methodName(key, baselines.find((b) => b.key === key)?.card));
  const rhos = [...new Set(Object.values(r.curve).flatMap((by) => Object.keys(by)))].sort();
  const stem = `curve-${r.images}img-${r.backend}`;
  return (
    <div
      className="eval-results"
      data-testid="eval-result"
      data-images={r.images}
      data-failed={r.failed.length}
      data-skipped={r.skipped.length}
      data-cancelled={r.cancelled}
    >
      <p className="small" data-testid="eval-summary">
        {r.cancelled ? 'Cancelled: ' : ''}
        <strong>{r.images}</strong> image{r.images === 1 ? '' : 's'} evaluated on {r.backend} in {r.seconds.toFixed(1)} s · set: {r.set}
        {r.how && <> · labels from {r.how}</>}
        {' · '}
        <span className={r.failed.length ? 'bad' : ''}>{r.failed.length} could not be decoded</span> ·{' '}
        <span className={r.skipped.length ? 'bad' : ''}>{r.skipped.length} skipped (unlabelled or unreadable)</span>
      </p>
      {r.images > 0 && (
        <>
          <fieldset className="axis-switch">
            <legend className="small">x axis</legend>
            {(['gflops', 'ms'] as const).map((a) => (
              <label key={a} className="small">
                <input type="radio" name="curve-axis" checked={axis === a} onChange={() => setAxis(a)} data-testid={`curve-axis-${a}`} />{' '}
                {a === 'gflops' ? 'GFLOPs' : 'measured latency'}
              </label>
            ))}
          </fieldset>
          <CurveChart curve={r.curve} axis={axis} name={name} />
          <table className="eval-table" data-testid="eval-table">
            <caption className="small muted">
              Top-1 (%) per method and keep ratio; GFLOPs and median ms on hover of the chart and in the exports
            </caption>
            <thead>
              <tr>
                <th scope="col">method</th>
                {rhos.map((rho) => (
                  <th scope="col" key={rho}>
                    ρ {rho}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Object.entries(r.curve).map(([m, by]) => (
                <tr key={m}>
                  <th scope="row">{name(m)}</th>
                  {rhos.map((rho) => (
                    <td key={rho} data-testid={`eval-top1-${m}-${rho}`} data-top1={by[rho]?.top1}>
                      {by[rho] ? (100 * by[rho].top1).toFixed(1) : m === DEIT_KEY && rho !== FULL_KEY ? '' : '–'}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <div className="eval-exports">
            <button type="button" onClick={() => download(`${stem}.csv`, curveToCsv(r.curve), 'text/csv')} data-testid="eval-export-csv">
              Export CSV
            </button>
            <button
              type="button"
              onClick={() => download(`${stem}.json`, `${JSON.stringify(r.curve, null, 1)}\n`, 'application/json')}
              data-testid="eval-export-json"
            >
              Export JSON (curve.json shape)
            </button>
            <button
              type="button"
              data-testid="eval-export-predictions"
              onClick={() =>
                download(
                  `${stem}-predictions.json`,
                  `${JSON.stringify({ set: r.set, backend: r.backend, names: r.names, labels: r.labels, predictions: r.predictions })}\n`,
                  'application/json',
                )
              }
            >
              Export per-image predictions
            </button>
          </div>
        </>
      )}
      {(r.failed.length > 0 || r.skipped.length > 0) && (
        <details className="small" data-testid="eval-problems">
          <summary>Files not evaluated ({r.failed.length + r.skipped.length})</summary>
          <ul>
            {[...r.skipped, ...r.failed].slice(0, 200).map((f, i) => (
              <li key={i}>
                <code>{f.name}</code>: {f.reason}
              </li>
            ))}
          </ul>
          {r.failed.length + r.skipped.length > 200 && <p>… and {r.failed.length + r.skipped.length - 200} more.</p>}
        </details>
      )}
    </div>
  );
}

/** Accuracy against cost, measured here: a labelled set through DeiT and every pruning method at ρ 0.3 … 1.0. */
export function EvaluatePanel() {
  const card = useStore((s) => s.dvitCard);
  const baselines = useStore((s) => s.baselines);
  const backend = useStore((s) => s.backend);
  const error = useStore((s) => s.evalError);
  if (!card?.pruning) return null;
  const rhos = ratiosInRange(card.pruning.keep_ratio_range);
  const methods = 1 + baselines.length;
  return (
    <section className="card" aria-labelledby="eval-h" data-testid="evaluate">
      <h2 id="eval-h">Evaluate: accuracy against cost</h2>
      <p className="small muted">
        Each image is decoded and preprocessed as a dropped image is, then run through DeiT once and through{' '}
        {methods === 1 ? 'DynamicViT' : `${methods} methods`} at ρ = {rhos.map((r) => r.toFixed(1)).join(', ')}: {1 + methods * rhos.length}{' '}
        runs per image on {backend ?? 'the current backend'}. Top-1 counts the highest logit; GFLOPs come from the card; latency is the
        median of this page's runs.
      </p>
      <SetChooser />
      <Progress />
      {error && (
        <p className="bad small" role="alert" data-testid="eval-error">
          {error}
        </p>
      )}
      <Results />
    </section>
  );
}
