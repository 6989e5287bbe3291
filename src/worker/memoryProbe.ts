/// <reference lib="webworker" />
/**
 * Memory figures for the long-session bound (issue 6): the size of ONNX Runtime's WebAssembly heap and
 * ORT's live GPU buffers (Chromium has no performance.memory in workers; e2e/memory.spec.ts reads the
 * renderer's resident memory instead). Installed only in debug mode (?debug=1), before ORT loads
 * its wasm: a wasm heap never shrinks, so a tensor leaked per run shows up as growth here.
 */
import type { MemorySnapshot } from './protocol.ts';

const memories = new Set<WebAssembly.Memory>();

function collect(...objects: unknown[]): void {
  for (const o of objects) {
    if (!o || typeof o !== 'object') continue;
    for (const v of Object.values(o as Record<string, unknown>)) {
      if (v instanceof WebAssembly.Memory) memories.add(v);
      else if (v && typeof v === 'object' && !(v instanceof WebAssembly.Module)) {
        for (const w of Object.values(v as Record<string, unknown>)) if (w instanceof WebAssembly.Memory) memories.add(w);
      }
    }
  }
}

/** Wraps WebAssembly.instantiate(Streaming) to note the Memory objects ORT imports or exports. */
export function watchWasmMemory(): void {
  const streaming = WebAssembly.instantiateStreaming.bind(WebAssembly);
  const plain = WebAssembly.instantiate.bind(WebAssembly) as (...a: unknown[]) => Promise<unknown>;
  WebAssembly.instantiateStreaming = async (source, imports) => {
    const r = await streaming(source, imports);
    collect(imports, r.instance.exports);
    return r;
  };
  (WebAssembly as { instantiate: unknown }).instantiate = async (...args: unknown[]) => {
    const r = await plain(...args);
    const instance = r instanceof WebAssembly.Instance ? r : (r as { instance: WebAssembly.Instance }).instance;
    collect(args[1], instance.exports);
    return r;
  };
}

export function memorySnapshot(gpu: { count: number; bytes: number } | null): MemorySnapshot {
  // V8's gc() exists only with --js-flags=--expose-gc (the e2e browser): settled figures, not a sawtooth.
  (globalThis as { gc?: () => void }).gc?.();
  return {
    wasmHeapBytes: memories.size ? [...memories].reduce((s, m) => s + m.buffer.byteLength, 0) : null,
    gpuBuffers: gpu?.count ?? null,
    gpuBufferBytes: gpu?.bytes ?? null,
  };
}
