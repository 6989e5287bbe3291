import { formatBytes, formatMs } from '../format.ts';
import { useStore } from '../store/index.ts';

export function LoadProgress() {
  const status = useStore((s) => s.status);
  const phase = useStore((s) => s.phase);
  const downloads = useStore((s) => s.downloads);
  const fraction = useStore((s) => s.phaseFraction);
  const detail = useStore((s) => s.phaseDetail);
  const timings = useStore((s) => s.timings);
  const backend = useStore((s) => s.backend);
  const allNodesOnGpu = useStore((s) => s.allNodesOnGpu);
  const ortVersion = useStore((s) => s.ortVersion);

  if (status === 'ready' && timings) {
    return (
      <p className="muted small" data-testid="load-timings">
        Sessions created in {formatMs(timings.createMs)}; warm-up (shader compilation, first run of each model) {formatMs(timings.warmupMs)}{' '}
        — excluded from all latencies shown.
        {downloads.some((d) => d.fromCache) && ' Model bytes came from Cache Storage.'}
        {backend === 'webgpu' &&
          allNodesOnGpu &&
          ' Both sessions were created with disable_cpu_ep_fallback = 1, so every node runs on WebGPU.'}
        {ortVersion && ` onnxruntime-web ${ortVersion}.`}
      </p>
    );
  }
  if (status !== 'loading') return null;
  const warm = phase === 'warming-up';
  return (
    <div className="load-progress" data-testid="load-progress">
      {downloads.map((d) => (
        <div key={d.file} className="bar-row">
          <label htmlFor={`dl-${d.file}`}>
            {d.file} {d.fromCache ? '(Cache Storage)' : ''}
          </label>
          <progress id={`dl-${d.file}`} max={d.total || 1} value={d.total ? d.loaded : undefined} />
          <span className="muted small">
            {formatBytes(d.loaded)}
            {d.total ? ` / ${formatBytes(d.total)}` : ''}
          </span>
        </div>
      ))}
      <div className="bar-row">
        <label htmlFor="warmup-bar">Warm-up</label>
        <progress id="warmup-bar" max={1} value={warm ? (fraction ?? 0) : 0} />
        <span className="muted small">{warm ? (detail ?? 'done') : phase === 'creating-sessions' ? 'creating sessions…' : 'waiting'}</span>
      </div>
    </div>
  );
}
