/**
 * What a model pair needs from a WebGPU adapter, and what the app asks of the device it creates for
 * ONNX Runtime. Plain data in, plain data out (unit-tested in node).
 */
import type { ModelCard } from './modelCard.ts';

/** The message refusing fp16 graphs on an adapter without shader-f16; null when every card can run. */
export function fp16Refusal(
  cards: Pick<ModelCard, 'onnx'>[],
  adapter: { vendor: string; architecture: string; features: string[] },
): string | null {
  if (adapter.features.includes('shader-f16')) return null;
  const fp16 = cards.filter((c) => c.onnx.precision === 'fp16').map((c) => `"${c.onnx.file}"`);
  if (!fp16.length) return null;
  const what = fp16.length === 1 ? `${fp16[0]} is an fp16 model` : `${fp16.join(' and ')} are fp16 models`;
  return `${what} and need${fp16.length === 1 ? 's' : ''} the WebGPU feature shader-f16, which this adapter (${adapter.vendor} / ${adapter.architecture}) does not have. Export the fp32 model (models/export.py without --fp16) or use a GPU with shader-f16.`;
}

/** Optional features the WebGPU EP uses when the device has them (it requests the same when it makes its own device). */
export const ORT_FEATURES = ['shader-f16', 'timestamp-query', 'chromium-experimental-timestamp-query-inside-passes', 'subgroups'] as const;

/** Limits the WebGPU EP raises to the adapter's maximum (large models need big storage buffers and workgroups). */
export const ORT_LIMITS = [
  'maxBindGroups',
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;

export interface DeviceRequest {
  requiredFeatures: string[];
  requiredLimits: Record<string, number>;
}

/** The device descriptor for ONNX Runtime: the adapter's maximum for ORT_LIMITS, ORT_FEATURES it has. */
export function ortDeviceRequest(adapterFeatures: Iterable<string>, adapterLimits: Record<string, unknown>): DeviceRequest {
  const has = new Set(adapterFeatures);
  const requiredLimits: Record<string, number> = {};
  for (const name of ORT_LIMITS) {
    const v = adapterLimits[name];
    if (typeof v === 'number' && Number.isFinite(v)) requiredLimits[name] = v;
  }
  return { requiredFeatures: ORT_FEATURES.filter((f) => has.has(f)), requiredLimits };
}
