import { useStore } from '../store/index.ts';

const PHASE_TEXT = {
  reading: 'Reading checkpoints…',
  parsing: 'Parsing checkpoints…',
  probing: 'Probing WebGPU…',
  downloading: 'Downloading models…',
  'creating-sessions': 'Creating ONNX Runtime sessions…',
  'warming-up': 'Warming up (compiling shaders)…',
} as const;

export function StatusBar() {
  const status = useStore((s) => s.status);
  const phase = useStore((s) => s.phase);
  const backend = useStore((s) => s.backend);
  const adapter = useStore((s) => s.adapter);
  const allNodesOnGpu = useStore((s) => s.allNodesOnGpu);
  const classifying = useStore((s) => s.classifying);
  const threads = useStore((s) => s.wasmThreads);

  const text =
    status === 'loading'
      ? phase
        ? PHASE_TEXT[phase]
        : 'Loading…'
      : status === 'ready'
        ? classifying
          ? 'Running…'
          : 'Ready'
        : status === 'error'
          ? 'Error'
          : 'Starting…';

  return (
    <div className="statusbar" role="status" aria-live="polite">
      <span className={`pill pill-${status}`} data-testid="status" data-state={status}>
        {text}
      </span>
      <span
        className={`pill pill-backend-${backend ?? 'none'}`}
        data-testid="backend"
        data-backend={backend ?? ''}
        title="ONNX Runtime execution provider"
      >
        {backend === 'webgpu' ? 'WebGPU' : backend === 'wasm' ? 'WebAssembly (CPU)' : 'backend…'}
      </span>
      {backend === 'webgpu' && allNodesOnGpu !== null && (
        <span
          className={`pill ${allNodesOnGpu ? 'pill-good' : 'pill-warn'}`}
          data-testid="gpu-nodes"
          data-all-on-gpu={String(allNodesOnGpu)}
          title="Sessions created with session option disable_cpu_ep_fallback = 1: creation fails if any node would run on the CPU"
        >
          {allNodesOnGpu ? 'all nodes on WebGPU' : 'some nodes on CPU'}
        </span>
      )}
      {threads && (
        <span
          className={`pill ${threads.reason && !threads.isolated ? 'pill-warn' : ''}`}
          data-testid="wasm-threads"
          data-threads={threads.threads}
          data-isolated={String(threads.isolated)}
          title={`ONNX Runtime WebAssembly threads: ${threads.threads} (the browser reports ${threads.cores} logical cores)${threads.reason ? `; ${threads.reason}` : ''}`}
        >
          {threads.threads} CPU thread{threads.threads === 1 ? '' : 's'}
        </span>
      )}
      <span
        className="adapter"
        data-testid="adapter"
        data-features={adapter?.features.join(' ') ?? ''}
        title={adapter ? `WebGPU features: ${adapter.features.join(', ') || 'none'}` : undefined}
      >
        {adapter ? (
          <>
            <span className="muted">adapter</span> {adapter.vendor} / {adapter.architecture}
            {adapter.device ? ` / ${adapter.device}` : ''}
            {adapter.isFallbackAdapter === null ? '' : adapter.isFallbackAdapter ? ' · fallback (software) adapter' : ' · hardware adapter'}
          </>
        ) : backend === 'wasm' ? (
          <span className="muted">no WebGPU adapter</span>
        ) : null}
      </span>
      {threads?.reason && !threads.isolated && (
        <span className="small muted" data-testid="wasm-threads-reason">
          {threads.reason}
        </span>
      )}
    </div>
  );
}
