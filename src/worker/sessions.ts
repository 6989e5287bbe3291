/**
 * Session options and creation, one rule for the app's worker and the benchmark harness: which execution
 * provider, on which GPUDevice, with or without CPU fallback, and what a failure means.
 */
import * as ort from 'onnxruntime-web/webgpu';
import type { GpuHandle } from './gpuDevice.ts';
import type { Backend } from './protocol.ts';

export const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function sessionOptions(backend: Backend, strict: boolean, device: GPUDevice | null): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [backend === 'webgpu' && device ? { name: 'webgpu', device } : backend],
    graphOptimizationLevel: 'all',
    // Any node the WebGPU EP cannot take becomes a creation error instead of a silent CPU placement.
    ...(backend === 'webgpu' && strict ? { extra: { session: { disable_cpu_ep_fallback: '1' } } } : {}),
  };
}

const CORRUPT_ONNX = /protobuf parsing failed|failed to load model|invalid model|model_proto|ERROR_CODE: 7/i;
const NEEDS_CPU = /fallback to CPU EP has been explicitly disabled|cpu ep fallback/i;

export interface GraphBytes {
  file: string;
  bytes: ArrayBuffer | Uint8Array;
  /** initializers stored outside the graph (checkpoint templates): onnxruntime-web's `externalData` option */
  externalData?: { path: string; data: Uint8Array }[];
}

/** Sessions for several graphs, one at a time (the WebGPU EP refuses concurrent creation); all or none. */
export async function createSessions(
  graphs: GraphBytes[],
  backend: Backend,
  strict: boolean,
  gpu: GpuHandle | null,
): Promise<ort.InferenceSession[]> {
  const out: ort.InferenceSession[] = [];
  try {
    for (const { file, bytes, externalData } of graphs) {
      const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
      out.push(
        await ort.InferenceSession.create(data, {
          ...sessionOptions(backend, strict, backend === 'webgpu' ? (gpu?.device ?? null) : null),
          ...(externalData ? { externalData } : {}),
        }).catch((e: unknown) => {
          const msg = errText(e);
          throw CORRUPT_ONNX.test(msg) ? new Error(`"${file}" is not a valid ONNX model (onnxruntime: ${msg})`) : e;
        }),
      );
    }
  } catch (e) {
    await Promise.all(out.map((s) => s.release())).catch(() => undefined);
    throw e;
  }
  return out;
}

export interface CreatedSessions {
  sessions: ort.InferenceSession[];
  backend: Backend;
  /** true when created on WebGPU with disable_cpu_ep_fallback = 1 */
  allNodesOnGpu: boolean;
  gpuNote?: string;
  /** set when WebGPU session creation failed and the sessions run on wasm */
  fallbackReason?: string;
}

/**
 * On WebGPU: strict first (every node on the GPU); if a node needs the CPU, again with fallback allowed; if
 * the EP fails otherwise, on wasm with the reason (`onWasmFallback` is told before the wasm sessions exist).
 */
export async function createOnBackend(
  graphs: GraphBytes[],
  backend: Backend,
  gpu: GpuHandle | null,
  onWasmFallback?: (reason: string) => void,
): Promise<CreatedSessions> {
  if (backend !== 'webgpu') return { sessions: await createSessions(graphs, 'wasm', false, null), backend: 'wasm', allNodesOnGpu: false };
  try {
    return { sessions: await createSessions(graphs, 'webgpu', true, gpu), backend, allNodesOnGpu: true };
  } catch (e) {
    const msg = errText(e);
    if (CORRUPT_ONNX.test(msg) || /is not a valid ONNX model/.test(msg)) throw e;
    if (NEEDS_CPU.test(msg)) {
      const gpuNote = `some nodes need the CPU EP, so sessions were created with CPU fallback allowed: ${msg}`;
      return { sessions: await createSessions(graphs, 'webgpu', false, gpu), backend, allNodesOnGpu: false, gpuNote };
    }
    const fallbackReason = `WebGPU session creation failed, using WebAssembly: ${msg}`;
    onWasmFallback?.(fallbackReason);
    return { sessions: await createSessions(graphs, 'wasm', false, null), backend: 'wasm', allNodesOnGpu: false, fallbackReason };
  }
}
