import { useStore } from '../store/index.ts';

export function FallbackNotice() {
  const reason = useStore((s) => s.fallbackReason);
  const backend = useStore((s) => s.backend);
  if (backend !== 'wasm' || !reason) return null;
  return (
    <div className="notice notice-warn" role="note">
      <strong>Running on WebAssembly, not WebGPU.</strong> <span data-testid="fallback-reason">{reason}</span>. Latencies below are CPU
      numbers; they are never compared with WebGPU ones.
    </div>
  );
}

export function GpuNote() {
  const note = useStore((s) => s.gpuNote);
  if (!note) return null;
  return (
    <div className="notice notice-warn" role="note">
      {note}
    </div>
  );
}

export function ErrorNotice() {
  const error = useStore((s) => s.error);
  const dismiss = useStore((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert" data-testid="error">
      <pre>{error}</pre>
      <button type="button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

/** A lost GPU device: what happened, and that the sessions were recreated (or are being). */
export function DeviceLossNotice() {
  const loss = useStore((s) => s.deviceLoss);
  const dismiss = useStore((s) => s.dismissDeviceLoss);
  if (!loss) return null;
  const when = new Date(loss.at).toLocaleTimeString();
  const cause = `${loss.reason}${loss.message ? `: ${loss.message.replace(/\.$/, '')}` : ''}`;
  const recovered = loss.recoveredMs !== null;
  return (
    <div
      className="notice notice-warn notice-row"
      role="status"
      data-testid="device-lost"
      data-recovered={String(recovered)}
      data-backend={loss.backend ?? ''}
    >
      <span>
        <strong>The WebGPU device was lost</strong> at {when} ({cause}){loss.count > 1 ? `, ${loss.count} times since the page loaded` : ''}
        .{' '}
        {recovered
          ? `Both sessions were recreated on ${loss.backend === 'webgpu' ? 'a new GPU device' : 'WebAssembly (no new GPU device)'} in ${(loss.recoveredMs! / 1000).toFixed(1)} s; the current image was classified again.`
          : 'Recreating both sessions on a new device…'}
      </span>
      <button type="button" onClick={dismiss} disabled={!recovered}>
        Dismiss
      </button>
    </div>
  );
}
