/// <reference lib="webworker" />
/**
 * The GPUDevice the worker hands to ONNX Runtime. The app creates it (instead of letting ORT make its
 * default one) so that it can watch `device.lost` and, after a loss, build sessions on a fresh device:
 * ORT keeps one context per device, and its default device cannot be replaced once lost.
 */
import { ortDeviceRequest } from '../engine/gpuRequirements.ts';
import type { AdapterSummary } from './protocol.ts';

export interface GpuHandle {
  device: GPUDevice;
  adapter: AdapterSummary;
  /** resolves when the device is lost (never rejects) */
  lost: Promise<GPUDeviceLostInfo>;
  /** set once `lost` resolved */
  lostInfo: GPUDeviceLostInfo | null;
  /** live GPU buffers made through this device (ORT's allocations), for the memory bound */
  buffers: { count: number; bytes: number };
}

function gpuApi(): GPU | undefined {
  return (self.navigator as Navigator & { gpu?: GPU }).gpu;
}

export async function requestAdapter(): Promise<{ adapter: GPUAdapter | null; reason?: string }> {
  const gpu = gpuApi();
  if (!gpu) return { adapter: null, reason: 'navigator.gpu is undefined: this browser exposes no WebGPU API here' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter) return { adapter };
    return {
      adapter: null,
      reason:
        'navigator.gpu.requestAdapter() returned null: no WebGPU adapter (GPU disabled or blocklisted; headless Chromium needs --enable-unsafe-webgpu)',
    };
  } catch (e) {
    return { adapter: null, reason: `navigator.gpu.requestAdapter() threw: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: info.vendor || '(hidden)',
    architecture: info.architecture || '(hidden)',
    device: info.device || '',
    description: info.description || '',
    isFallbackAdapter: info.isFallbackAdapter ?? legacy ?? null,
    features: [...adapter.features].sort(),
  };
}

/** Counts ORT's buffers: the EP calls createBuffer / destroy on this very object through its JS bindings. */
function countBuffers(device: GPUDevice, buffers: GpuHandle['buffers']): void {
  const create = device.createBuffer.bind(device);
  device.createBuffer = (desc: GPUBufferDescriptor): GPUBuffer => {
    const buffer = create(desc);
    buffers.count++;
    buffers.bytes += desc.size;
    const destroy = buffer.destroy.bind(buffer);
    let destroyed = false;
    buffer.destroy = () => {
      if (!destroyed) {
        destroyed = true;
        buffers.count--;
        buffers.bytes -= desc.size;
      }
      destroy();
    };
    return buffer;
  };
}

/** A new device on a new adapter (an adapter gives one device; after a loss the old one is spent). */
export async function createGpu(adapter: GPUAdapter): Promise<GpuHandle> {
  const req = ortDeviceRequest(adapter.features, adapter.limits as unknown as Record<string, unknown>);
  const device = await adapter.requestDevice({
    requiredFeatures: req.requiredFeatures as GPUFeatureName[],
    requiredLimits: req.requiredLimits,
  });
  const handle: GpuHandle = {
    device,
    adapter: summarizeAdapter(adapter),
    lost: device.lost,
    lostInfo: null,
    buffers: { count: 0, bytes: 0 },
  };
  void device.lost.then((info) => (handle.lostInfo = info));
  countBuffers(device, handle.buffers);
  return handle;
}

/** The device sessions are created on: kept while it lives, replaced (new adapter, new device) once lost. */
let held: GpuHandle | null = null;

/**
 * The current device, or a new one. `onLost` is called once when a device this function made is lost (the
 * caller recreates its sessions); the next call then makes a new device.
 */
export async function currentGpu(
  onLost: (g: GpuHandle, info: GPUDeviceLostInfo) => void,
): Promise<{ gpu: GpuHandle | null; reason?: string }> {
  if (held && !held.lostInfo) return { gpu: held };
  const { adapter, reason } = await requestAdapter();
  if (!adapter) return { gpu: null, reason };
  try {
    const g = await createGpu(adapter);
    held = g;
    void g.lost.then((info) => {
      if (held === g) held = null;
      onLost(g, info);
    });
    return { gpu: g };
  } catch (e) {
    return { gpu: null, reason: `GPUAdapter.requestDevice() failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}
