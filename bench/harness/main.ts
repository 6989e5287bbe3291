/**
 * Page side of the benchmark harness: starts the benchmark worker (a module worker, as the app's inference
 * worker is) and exposes `window.__bench.call(request)` for bench/run.mjs (Playwright).
 */
import type { HarnessReply, HarnessRequest } from './protocol.ts';

// ?threads=1 fixes the wasm thread count (the 1-thread cells); without it the app's rule applies
const threads = new URLSearchParams(location.search).get('threads');
const worker = new Worker(new URL('./bench-worker.ts', import.meta.url), {
  type: 'module',
  name: `dynamicvit-bench${threads ? `:threads=${threads}` : ''}`,
});
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextId = 1;
const logEl = document.getElementById('log')!;

worker.onmessage = (ev: MessageEvent<HarnessReply>) => {
  const m = ev.data as HarnessReply | { kind: 'result-message' };
  if (m.kind === 'result-message') return; // the overhead measurement's result messages (their cost is timed in the worker)
  if (m.kind === 'log') {
    logEl.textContent += `${m.text}\n`;
    console.log(`[bench] ${m.text}`);
    return;
  }
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if (m.kind === 'error') p.reject(new Error(m.message));
  else p.resolve(m.result);
};
worker.onerror = (ev) => {
  for (const p of pending.values()) p.reject(new Error(`worker error: ${ev.message}`));
  pending.clear();
};

declare global {
  interface Window {
    __bench: { call: (req: Omit<HarnessRequest, 'id'>) => Promise<unknown>; ready: true };
  }
}

window.__bench = {
  ready: true,
  call(req) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...req, id });
    });
  },
};
