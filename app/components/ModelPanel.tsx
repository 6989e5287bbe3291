import { stageBlocks, type Architecture } from '../../src/engine/modelCard.ts';
import { useStore } from '../store/index.ts';

/** Option values of imported checkpoint pairs in the model menu (CheckpointImport.tsx stores them). */
const IMPORT = 'import:';

export function ModelPicker() {
  const index = useStore((s) => s.index);
  const modelId = useStore((s) => s.modelId);
  const indexError = useStore((s) => s.indexError);
  const selectModel = useStore((s) => s.selectModel);
  const imports = useStore((s) => s.imports);
  const loadImport = useStore((s) => s.loadImport);
  const backendChoice = useStore((s) => s.backendChoice);
  const setBackendChoice = useStore((s) => s.setBackendChoice);
  const status = useStore((s) => s.status);
  const busy = status === 'loading';

  const models = index?.models ?? [];
  const known = models.some((m) => m.id === modelId);
  return (
    <div className="picker-row">
      <label>
        Model{' '}
        <select
          value={modelId ?? ''}
          disabled={busy}
          onChange={(e) =>
            e.target.value.startsWith(IMPORT) ? loadImport(e.target.value.slice(IMPORT.length)) : selectModel(e.target.value)
          }
          data-testid="model-picker"
        >
          {!known && modelId && <option value={modelId}>{modelId}</option>}
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.title || m.id} ({m.kind})
            </option>
          ))}
          {imports.length > 0 && (
            <optgroup label="Imported checkpoints (stored in this browser)">
              {imports.map((p) => (
                <option key={p.id} value={`${IMPORT}${p.id}`} data-testid="model-picker-import">
                  {p.title}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      <label>
        Backend{' '}
        <select
          value={backendChoice}
          disabled={busy}
          onChange={(e) => setBackendChoice(e.target.value === 'wasm' ? 'wasm' : 'auto')}
          data-testid="backend-picker"
        >
          <option value="auto">WebGPU (WebAssembly if unavailable)</option>
          <option value="wasm">WebAssembly only</option>
        </select>
      </label>
      {indexError && <span className="muted small">{indexError}</span>}
    </div>
  );
}

export function ModelInfo() {
  const dvit = useStore((s) => s.dvitCard);
  const deit = useStore((s) => s.deitCard);
  if (!dvit || !deit) return null;
  const a = dvit.architecture;
  const pr = dvit.pruning;
  const training = dvit.training as Record<string, unknown> | null | undefined;
  const prov = dvit.provenance ?? {};
  return (
    <section className="card" aria-labelledby="model-info-h">
      <h2 id="model-info-h">Model</h2>
      <dl className="kv" data-testid="model-info">
        <dt>DynamicViT</dt>
        <dd data-testid="model-name">{dvit.display_name}</dd>
        <dt>Twin</dt>
        <dd>{deit.display_name}</dd>
        <dt>Architecture</dt>
        <dd data-testid="model-arch" data-arch={a.arch} data-backbone={a.backbone}>
          {a.arch} · {BACKBONE_NAMES[a.backbone]} backbone · {dvit.family} · {a.embed_dim}d × {a.depth} blocks, {a.num_heads} heads, MLP ×
          {a.mlp_ratio}, patch {a.patch_size}, {a.grid}×{a.grid} grid
        </dd>
        <dt>Structure</dt>
        <dd>{describeStructure(a)}</dd>
        {pr && (
          <>
            <dt>Pruning</dt>
            <dd data-testid="model-pruning" data-locations={a.pruning_locations.join(',')}>
              {a.pruning_locations.length} stages, predictors before blocks {a.pruning_locations.join(', ')} (stages see blocks{' '}
              {stageBlocks(a)
                .slice(1)
                .map((g) => `${g.first}–${g.last}`)
                .join(', ')}
              ); trained at ρ = {pr.trained_keep_ratio} → keeps {pr.keep_counts_at_trained_ratio.join(' / ')} of {a.num_patches} patches;
              slider range {pr.keep_ratio_range.join('–')}
            </dd>
          </>
        )}
        {dvit.gflops && (
          <>
            <dt>GFLOPs (card)</dt>
            <dd>
              {g3(dvit.gflops.total)} vs full DeiT {g3(dvit.gflops.full_deit)} (predictors {g3(dvit.gflops.predictors)}); tokens per stage{' '}
              {dvit.gflops.per_stage_tokens.join(' → ')}
            </dd>
          </>
        )}
        <dt>Classes</dt>
        <dd>
          {dvit.labels.length}
          {dvit.labels.length <= 30 ? `: ${dvit.labels.join(', ')}` : ''}
        </dd>
        <dt>Training data</dt>
        <dd>{describeTraining(training, prov, pr?.trained_keep_ratio)}</dd>
        <dt>Weights</dt>
        <dd>
          {dvit.onnx.precision}, opset {dvit.onnx.opset}, {(dvit.onnx.bytes / 2 ** 20).toFixed(1)} +{' '}
          {(deit.onnx.bytes / 2 ** 20).toFixed(1)} MiB
          {typeof prov.source === 'string' ? ` · source: ${prov.source}` : ''}
        </dd>
      </dl>
      {dvit.notes && <p className="muted small">{dvit.notes}</p>}
    </section>
  );
}

const BACKBONE_NAMES: Record<Architecture['backbone'], string> = { deit: 'DeiT', lvvit: 'LV-ViT' };

/** The structural facts of the card that differ between DeiT and LV-ViT. */
function describeStructure(a: Architecture): string {
  const parts = [
    a.patch_embed === 'lvvit-conv-stem'
      ? `conv stem (${a.patch_embed_gflops.toFixed(3)} GFLOPs)`
      : `patch conv (${a.patch_embed_gflops.toFixed(3)} GFLOPs)`,
    a.qkv_bias ? 'qkv bias' : 'no qkv bias',
    `LayerNorm eps ${a.norm_eps}`,
  ];
  if (a.skip_lam !== 1) parts.push(`residual branches ÷ ${a.skip_lam}`);
  if (a.aux_head) parts.push('prediction = head(CLS) + 0.5 × max over patch tokens of the aux head');
  return parts.join(' · ');
}

function describeTraining(t: Record<string, unknown> | null | undefined, prov: Record<string, unknown>, rho?: number): string {
  if (t && typeof t === 'object') {
    const parts: string[] = [];
    const ds = t.dataset as Record<string, unknown> | string | undefined;
    if (typeof ds === 'string') parts.push(ds);
    else if (ds && typeof ds.name === 'string') {
      const train = ds.train as { count?: number } | undefined;
      parts.push(`${ds.name}${train?.count ? `, ${train.count.toLocaleString('en')} training images` : ''}`);
    }
    const ev = t.evaluation as Record<string, unknown> | undefined;
    if (ev) {
      const dv =
        rho === undefined
          ? undefined
          : (ev.dynamicvit as Record<string, { top1?: number; object_recall_per_stage?: number[] }> | undefined)?.[String(rho)];
      if (typeof ev.teacher_top1 === 'number') parts.push(`held-out top-1: DeiT ${(100 * ev.teacher_top1).toFixed(1)}%`);
      if (dv?.top1 !== undefined) parts.push(`DynamicViT ${(100 * dv.top1).toFixed(1)}% at ρ ${rho}`);
      const rec = dv?.object_recall_per_stage;
      if (rec?.length) parts.push(`object recall per stage ${rec.map((r) => `${Math.round(100 * r)}%`).join(' / ')}`);
    }
    if (parts.length) return parts.join(' · ');
    return JSON.stringify(t).slice(0, 200);
  }
  if (prov.source === 'random-fixture') return 'none (random weights: a test fixture, predictions are meaningless)';
  if (prov.source === 'official-checkpoint') return 'ImageNet-1k (official checkpoint)';
  return 'not stated in the card';
}

export function OfficialCheckpoints() {
  return (
    <details className="card" data-testid="official-checkpoints">
      <summary>Use the official ImageNet checkpoints</summary>
      <ol className="small">
        <li>
          Download a DynamicViT checkpoint from the authors' model zoo (DeiT-256, DeiT-S, DeiT-B, LV-ViT-S or LV-ViT-M) and its unpruned
          teacher: the matching DeiT (e.g. <code>deit_small_patch16_224</code>) or LV-ViT release (<code>lvvit_s-26M-224-83.3.pth.tar</code>
          , <code>lvvit_m-56M-224-84.0.pth</code>). The exporter detects the architecture from the weights.
        </li>
        <li>
          Export both graphs and their cards:
          <pre>
            <code>npm run models:export -- --dynamicvit DVIT.pth --deit DEIT.pth --out public/models/NAME</code>
          </pre>
        </li>
        <li>
          The export adds <code>NAME</code> to <code>public/models/index.json</code>; reload and pick it in the Model menu (or open{' '}
          <code>?model=NAME</code>). Bytes are cached in Cache Storage after the first load.
        </li>
      </ol>
      <p className="muted small">ViT-S on a real GPU runs in milliseconds; on a software adapter it takes tens of seconds per run.</p>
    </details>
  );
}

const g3 = (x: number): string => (x >= 1 ? x.toFixed(2) : x.toPrecision(2));
