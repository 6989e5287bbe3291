import { useStore } from '../store/index.ts';

export function FallbackNotice() {
  const reason = useStore((s) => s.fallbackReason);
  const backend = useStore((s) => s.backend);
  if (backend !== 'wasm' || !reason) return null;
  return (
    <div className="notice notice-warn" role="note">
      <strong>Running on WebAssembly, not WebGPU.</strong>{' '}
      <span data-testid="fallback-reason">{reason}</span>.{' '}
      Latencies below are CPU numbers; they are never compared with WebGPU ones.
    </div>
  );
}

export function GpuNote() {
  const note = useStore((s) => s.gpuNote);
  if (!note) return null;
  return <div className="notice notice-warn" role="note">{note}</div>;
}

export function ErrorNotice() {
  const error = useStore((s) => s.error);
  const dismiss = useStore((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert" data-testid="error">
      <pre>{error}</pre>
      <button type="button" onClick={dismiss}>Dismiss</button>
    </div>
  );
}
