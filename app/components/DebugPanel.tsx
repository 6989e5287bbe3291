import { useStore } from '../store/index.ts';

const mb = (b: number | null) => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(2)} MB`);

/** ?debug=1 only: simulate a GPU device loss (device.destroy()) and read memory figures of the page and worker. */
export function DebugPanel() {
  const debug = useStore((s) => s.debug);
  const memory = useStore((s) => s.memory);
  const canLose = useStore((s) => s.backend === 'webgpu' && s.status === 'ready');
  const loseDevice = useStore((s) => s.loseDevice);
  const readMemory = useStore((s) => s.readMemory);
  if (!debug) return null;
  return (
    <section className="card" aria-labelledby="debug-h" data-testid="debug-panel">
      <h2 id="debug-h">Diagnostics</h2>
      <div className="row">
        <button
          type="button"
          onClick={loseDevice}
          disabled={!canLose}
          data-testid="debug-lose-device"
          title="Calls GPUDevice.destroy() on the device under both sessions: the app must recreate them"
        >
          Simulate GPU device loss
        </button>
        <button type="button" onClick={readMemory} data-testid="debug-read-memory">
          Read memory
        </button>
      </div>
      {memory && (
        <dl
          className="small"
          data-testid="debug-memory"
          data-at={memory.at}
          data-page-js-heap={memory.pageJsHeapBytes ?? ''}
          data-wasm-heap={memory.wasmHeapBytes ?? ''}
          data-gpu-buffers={memory.gpuBuffers ?? ''}
          data-gpu-buffer-bytes={memory.gpuBufferBytes ?? ''}
        >
          <dt>JS heap (page)</dt>
          <dd>{mb(memory.pageJsHeapBytes)}</dd>
          <dt>ONNX Runtime wasm heap</dt>
          <dd>{mb(memory.wasmHeapBytes)}</dd>
          <dt>GPU buffers held by ONNX Runtime</dt>
          <dd>
            {memory.gpuBuffers ?? 'n/a'} ({mb(memory.gpuBufferBytes)})
          </dd>
        </dl>
      )}
    </section>
  );
}
