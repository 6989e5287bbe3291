import { useEffect, useRef, useState, type DragEvent } from 'react';
import { formatBytes } from '../format.ts';
import { TRAINED_RHOS } from '../store/checkpointSlice.ts';
import { useStore } from '../store/index.ts';

const STEPS = ['reading', 'parsing', 'creating-sessions', 'warming-up'] as const;

/** The DynamicViT release files as downloaded (.pth / .pth.tar), dropped or picked: no Python needed. */
export function CheckpointImport() {
  const pending = useStore((s) => s.ckptPending);
  const loadId = useStore((s) => s.ckptLoadId);
  const ready = useStore((s) => s.status === 'ready');
  const busy = useStore((s) => s.userLoading);
  const choose = useStore((s) => s.chooseCheckpoints);
  const refreshImports = useStore((s) => s.refreshImports);
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  useEffect(() => refreshImports(), [refreshImports]);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setOver(false);
    if (ready && !busy) choose([...e.dataTransfer.files]);
  };
  return (
    <section className="card" aria-labelledby="ckpt-h">
      <h2 id="ckpt-h">Official checkpoints</h2>
      <div
        className={`user-model${over ? ' over' : ''}`}
        data-testid="checkpoint-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <button type="button" onClick={() => input.current?.click()} disabled={!ready || busy}>
          Load released .pth files…
        </button>
        <span className="muted small">
          {' '}
          drop the DynamicViT checkpoint and its teacher (DeiT .pth or LV-ViT .pth.tar) as downloaded; they are read here, never uploaded
        </span>
        <input
          ref={input}
          type="file"
          multiple
          accept=".pth,.tar"
          hidden
          data-testid="checkpoint-input"
          aria-label="Choose checkpoint files"
          onChange={(e) => {
            choose([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
      </div>
      {pending && loadId < 0 && <RhoPrompt files={pending} />}
      {loadId >= 0 && <ImportProgress />}
      <ImportNote />
      <ImportedList />
    </section>
  );
}

function RhoPrompt({ files }: { files: File[] }) {
  const rho = useStore((s) => s.ckptRho);
  const setRho = useStore((s) => s.setCheckpointRho);
  const start = useStore((s) => s.startCheckpointLoad);
  const cancel = useStore((s) => s.cancelCheckpoints);
  return (
    <div className="ckpt-prompt" data-testid="checkpoint-prompt">
      <p className="small">{files.map((f) => `${f.name} (${formatBytes(f.size)})`).join(', ')}</p>
      <label className="small">
        Keep ratio the DynamicViT was trained with (a checkpoint does not record it; the release name says it, e.g. “/0.7”):{' '}
        <select value={rho} onChange={(e) => setRho(Number(e.target.value))} data-testid="checkpoint-rho">
          {TRAINED_RHOS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" onClick={start} data-testid="checkpoint-load">
        Load
      </button>{' '}
      <button type="button" onClick={cancel}>
        Cancel
      </button>
    </div>
  );
}

function ImportProgress() {
  const phase = useStore((s) => s.ckptPhase);
  const fraction = useStore((s) => s.ckptPhaseFraction);
  const detail = useStore((s) => s.ckptPhaseDetail);
  const files = useStore((s) => s.ckptFiles);
  const cancel = useStore((s) => s.cancelCheckpoints);
  const at = STEPS.indexOf(phase as (typeof STEPS)[number]);
  const stepValue = (i: number) => (at > i ? 1 : at === i ? (fraction ?? undefined) : 0);
  return (
    <div className="load-progress" data-testid="checkpoint-progress" data-phase={phase ?? ''}>
      {files.map((f) => (
        <div key={f.file} className="bar-row">
          <label htmlFor={`ckpt-${f.file}`}>Read {f.file}</label>
          <progress id={`ckpt-${f.file}`} max={f.total || 1} value={f.loaded} />
          <span className="muted small">
            {formatBytes(f.loaded)} / {formatBytes(f.total)}
          </span>
        </div>
      ))}
      {(['Parse', 'Create sessions', 'Compile shaders'] as const).map((label, k) => (
        <div key={label} className="bar-row">
          <label htmlFor={`ckpt-step-${k}`}>{label}</label>
          <progress id={`ckpt-step-${k}`} max={1} value={stepValue(k + 1)} />
          <span className="muted small">{at === k + 1 ? (detail ?? 'running…') : at > k + 1 ? 'done' : 'waiting'}</span>
        </div>
      ))}
      <button type="button" onClick={cancel} data-testid="checkpoint-cancel">
        Cancel
      </button>
    </div>
  );
}

function ImportNote() {
  const note = useStore((s) => s.importNote);
  return note ? (
    <p className="muted small" data-testid="import-note">
      {note}
    </p>
  ) : null;
}

/** Pairs stored in this browser (they are loaded from the Model menu); each can be removed. */
function ImportedList() {
  const imports = useStore((s) => s.imports);
  const remove = useStore((s) => s.removeImport);
  const busy = useStore((s) => s.userLoading || s.status !== 'ready');
  if (!imports.length) return null;
  return (
    <ul className="small imported" data-testid="imported-list">
      {imports.map((p) => (
        <li key={p.id} data-testid="imported-pair" data-import-id={p.id}>
          {p.title} · ρ {p.rho} · {formatBytes(p.bytes)} · in the Model menu{' '}
          <button type="button" disabled={busy} onClick={() => remove(p.id)} data-testid="imported-remove">
            Remove
          </button>
        </li>
      ))}
    </ul>
  );
}
