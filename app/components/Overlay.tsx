import { useEffect, useMemo, useRef, useState } from 'react';
import { stageBlocks } from '../../src/engine/modelCard.ts';
import { keepMask } from '../../src/engine/postprocess.ts';
import { useStore } from '../store/index.ts';
import type { CropImage } from '../store/inferenceSlice.ts';
import { useObjectMask } from '../hooks.ts';
import { methodName, methodOutput } from '../store/methodSlice.ts';

/** Patches of one stage on the card's grid x grid patch grid; object: patches outlined (samples.json). */
interface StagePatches {
  grid: number;
  mask: Uint8Array;
  object?: Uint8Array | null;
}

/** The model's input crop with dropped patches dimmed (kept ones clear). patches absent: plain input. */
interface PatchCanvasProps {
  crop: CropImage;
  patches?: StagePatches;
  label: string;
  big?: boolean;
  positions?: number[];
}

export function PatchCanvas({ crop, patches, label, big, positions }: PatchCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { grid, mask, object } = patches ?? {};
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const n = crop.size;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(crop.data), n, n), 0, 0);
    if (grid !== undefined && mask) {
      const cell = n / grid;
      ctx.fillStyle = 'rgba(12, 14, 20, 0.78)';
      for (let p = 0; p < grid * grid; p++) {
        if (!mask[p]) ctx.fillRect((p % grid) * cell, Math.floor(p / grid) * cell, cell, cell);
      }
      ctx.strokeStyle = 'rgba(255,255,255,0.18)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let i = 1; i < grid; i++) {
        ctx.moveTo(i * cell + 0.5, 0);
        ctx.lineTo(i * cell + 0.5, n);
        ctx.moveTo(0, i * cell + 0.5);
        ctx.lineTo(n, i * cell + 0.5);
      }
      ctx.stroke();
      if (object) outline(ctx, object, grid, cell);
    }
  }, [crop, grid, mask, object]);
  return (
    <figure className={big ? 'patch big' : 'patch'} data-positions={positions?.join(',')}>
      <canvas ref={ref} width={crop.size} height={crop.size} role="img" aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

/** Outline of the object region (cells whose neighbour is not object). */
function outline(ctx: CanvasRenderingContext2D, object: Uint8Array, grid: number, cell: number): void {
  const on = (r: number, c: number) => r >= 0 && c >= 0 && r < grid && c < grid && object[r * grid + c] === 1;
  ctx.strokeStyle = '#facc15';
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      if (!on(r, c)) continue;
      const x = c * cell,
        y = r * cell;
      if (!on(r - 1, c)) {
        ctx.moveTo(x, y);
        ctx.lineTo(x + cell, y);
      }
      if (!on(r + 1, c)) {
        ctx.moveTo(x, y + cell);
        ctx.lineTo(x + cell, y + cell);
      }
      if (!on(r, c - 1)) {
        ctx.moveTo(x, y);
        ctx.lineTo(x, y + cell);
      }
      if (!on(r, c + 1)) {
        ctx.moveTo(x + cell, y);
        ctx.lineTo(x + cell, y + cell);
      }
    }
  }
  ctx.stroke();
}

/** Kept positions per stage of the method the overlay shows (the method switch), null before a result. */
function useShownKept(): number[][] | null {
  const result = useStore((s) => s.result);
  const method = useStore((s) => s.method);
  return useMemo(() => (result ? methodOutput(result, method).kept : null), [result, method]);
}

/** Keep masks of the current result on the card's grid, one per stage; null before a result. */
function useMasks(): Uint8Array[] | null {
  const kept = useShownKept();
  const grid = useStore((s) => s.dvitCard?.architecture.grid);
  return useMemo(() => (kept && grid !== undefined ? kept.map((k) => keepMask(k, grid)) : null), [kept, grid]);
}

export function OverlayView() {
  const crop = useStore((s) => s.crop);
  const stage = useStore((s) => s.stage);
  const setStage = useStore((s) => s.setStage);
  const card = useStore((s) => s.dvitCard);
  const masks = useMasks();
  const classifying = useStore((s) => s.classifying);
  const object = useObjectMask();
  const [showObject, setShowObject] = useState(true);
  const shownKept = useShownKept();
  const method = useStore((s) => s.method);
  const baselines = useStore((s) => s.baselines);

  if (!crop) {
    return (
      <section className="card overlay-empty" aria-label="Token sparsification">
        <p className="muted">Pick a sample or drop an image to see which patch tokens each stage keeps.</p>
      </section>
    );
  }
  const a = card?.architecture;
  const grid = a?.grid;
  const total = a?.num_patches;
  const groups = a ? stageBlocks(a) : [];
  const stages = groups.slice(1).map((_, i) => i + 1); // 1..S
  const shown = Math.min(stage, stages.length);
  const kept = masks?.map((m) => m.reduce((x, y) => x + y, 0));
  const blocks = (p: number) => `blocks ${groups[p].first}–${groups[p].last}`;
  return (
    <section className="card" aria-labelledby="overlay-h" aria-busy={classifying}>
      <h2 id="overlay-h">
        Kept patches
        {baselines.length > 0 && (
          <span data-testid="overlay-method"> · {methodName(method, baselines.find((b) => b.key === method)?.card)}</span>
        )}{' '}
        {classifying && <span className="muted small">(updating…)</span>}
      </h2>
      <fieldset className="stage-picker">
        <legend className="sr-only">Stage shown</legend>
        {stages.map((p) => (
          <label
            key={p}
            className={shown === p ? 'on' : ''}
            title={`after the predictor before block ${groups[p].first}; ${blocks(p)} see these tokens`}
          >
            <input
              type="radio"
              name="stage"
              value={p}
              checked={shown === p}
              onChange={() => setStage(p)}
              data-testid={`stage-radio-${p}`}
            />
            Stage {p}
            <span className="muted small" data-testid={`stage-radio-blocks-${p}`}>
              {' '}
              · {blocks(p)}
            </span>
            {kept && (
              <span className="muted small">
                {' '}
                · {kept[p - 1]}/{total}
              </span>
            )}
          </label>
        ))}
      </fieldset>
      {object && (
        <label className="small object-toggle">
          <input type="checkbox" checked={showObject} onChange={(e) => setShowObject(e.target.checked)} /> outline the object (yellow, from
          samples.json)
        </label>
      )}
      <div className="overlay-main">
        {masks && grid !== undefined && shown >= 1 ? (
          <PatchCanvas
            crop={crop}
            patches={{ grid, mask: masks[shown - 1], object: showObject ? object : null }}
            big
            label={`Stage ${shown} (${blocks(shown)}): ${kept![shown - 1]} of ${total} patches kept (dropped ones dimmed)`}
          />
        ) : (
          <PatchCanvas crop={crop} label="Input crop" big />
        )}
      </div>
      <div className="strip" data-testid="stage-strip">
        <PatchCanvas crop={crop} label="input" />
        {grid !== undefined &&
          masks?.map((m, i) => (
            <PatchCanvas
              key={i}
              crop={crop}
              patches={{ grid, mask: m }}
              label={`stage ${i + 1} · ${kept![i]}`}
              positions={shownKept?.[i]}
            />
          ))}
      </div>
      <p className="muted small">
        {crop.name} · {crop.width}×{crop.height}
        {crop.resized.width !== crop.width || crop.resized.height !== crop.height
          ? ` → resized ${crop.resized.width}×${crop.resized.height}`
          : ''}{' '}
        → {crop.size}×{crop.size} center crop. Positions come from the graph's <code>kept_positions_stage*</code> outputs.
      </p>
    </section>
  );
}
