/**
 * How many threads ONNX Runtime's WebAssembly backend gets. Threads need SharedArrayBuffer, which the browser
 * gives only to a cross-origin isolated page (COOP same-origin + COEP require-corp, see vite.config.ts).
 *
 * The cap: every wasm thread is a Web Worker with its own stack and copy of the glue, and ORT splits each
 * operator of one run across them. A ViT-S run at batch 1 is ~200 tokens x 384 channels per matmul: past a
 * handful of threads the per-thread slice is so small that the barrier at the end of each of the ~400 ops
 * costs more than the split saves, while the threads still take cores from the page, the image decode and
 * the browser's compositor. 8 keeps the gain of a laptop's cores and stops before that point.
 */
export const MAX_WASM_THREADS = 8;

export interface WasmThreads {
  /** ort.env.wasm.numThreads */
  threads: number;
  /** the worker's crossOriginIsolated */
  isolated: boolean;
  /** navigator.hardwareConcurrency (logical cores the browser reports; 1 when it does not say) */
  cores: number;
  /** why fewer threads than cores, for the page; null when every core is used */
  reason: string | null;
}

export const NOT_ISOLATED_REASON =
  'one WebAssembly thread: this page is not cross-origin isolated (it must be served with the headers ' +
  'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so the browser ' +
  'withholds SharedArrayBuffer, which ONNX Runtime needs for its threads';

/**
 * @param requested a fixed count (the benchmark's 1-thread runs); otherwise every core up to the cap.
 */
export function wasmThreadPlan(isolated: boolean, hardwareConcurrency: number | undefined, requested?: number): WasmThreads {
  const cores = Number.isInteger(hardwareConcurrency) && hardwareConcurrency! > 0 ? hardwareConcurrency! : 1;
  if (!isolated) return { threads: 1, isolated, cores, reason: NOT_ISOLATED_REASON };
  if (requested !== undefined) {
    const threads = Math.max(1, Math.min(Math.floor(requested), MAX_WASM_THREADS));
    return { threads, isolated, cores, reason: threads < cores ? `${threads} of ${cores} cores: set by the caller` : null };
  }
  const threads = Math.min(cores, MAX_WASM_THREADS);
  return {
    threads,
    isolated,
    cores,
    reason:
      threads < cores
        ? `${threads} of ${cores} cores: capped at ${MAX_WASM_THREADS} (more threads split each operator too finely to gain)`
        : null,
  };
}
