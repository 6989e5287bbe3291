/// <reference lib="webworker" />
/**
 * ONNX Runtime's environment, set once per worker before the first session: the wasm file served from this
 * origin and the wasm thread count. Imported by the app's worker and the benchmark harness alike.
 */
import * as ort from 'onnxruntime-web/webgpu';
// Same-origin copy of the wasm that matches the JS (the .mjs glue is bundled into the webgpu entry). It is the
// threaded build: with SharedArrayBuffer (cross-origin isolation) ORT starts numThreads - 1 pthread workers.
import ortWasmUrl from 'ort-dist/ort-wasm-simd-threaded.asyncify.wasm?url';
import { wasmThreadPlan, type WasmThreads } from './threads.ts';

declare const self: DedicatedWorkerGlobalScope;

/**
 * True in ORT's own pthread workers: emscripten starts them from the script that holds ORT (in a build, the
 * worker bundle itself) with the name "em-pthread"; the app's code must stay out of their message handling.
 */
export const isOrtThread = self.name.startsWith('em-pthread');

/** @param threads a fixed wasm thread count (benchmark); default: every core up to the cap when isolated */
export function configureOrt(threads?: number): WasmThreads {
  const plan = wasmThreadPlan(self.crossOriginIsolated === true, self.navigator.hardwareConcurrency, threads);
  ort.env.wasm.wasmPaths = { wasm: ortWasmUrl };
  ort.env.wasm.numThreads = plan.threads;
  ort.env.logLevel = 'error';
  return plan;
}

export const ortVersion = (): string => ort.env.versions.web ?? ort.env.versions.common ?? '?';
