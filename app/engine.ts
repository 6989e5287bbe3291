/** The UI's handle on the inference worker: created once, typed messages both ways, request ids. */
import type { FromWorker, ToWorker } from '../src/worker/protocol.ts';

type Listener = (msg: FromWorker) => void;

/** ?debug=1: the worker answers diagnostics (memory figures, simulated device loss); see DebugPanel. */
export const isDebug = new URLSearchParams(window.location.search).get('debug') === '1';

let worker: Worker | null = null;
const listeners = new Set<Listener>();
let nextId = 1;

function get(): Worker {
  if (!worker) {
    worker = new Worker(new URL('../src/worker/worker.ts', import.meta.url), {
      type: 'module',
      name: `dynamicvit-inference${isDebug ? ':debug' : ''}`,
    });
    worker.onmessage = (ev: MessageEvent<FromWorker>) => listeners.forEach((l) => l(ev.data));
    worker.onerror = (ev) => {
      ev.preventDefault();
      listeners.forEach((l) =>
        l({ status: 'error', id: -1, request: 'load', message: `worker failed to start: ${ev.message || 'unknown error'}` }),
      );
    };
  }
  return worker;
}

export const engine = {
  newId: (): number => nextId++,
  send(msg: ToWorker): void {
    get().postMessage(msg);
  },
  subscribe(l: Listener): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};
