import { describe, expect, it } from 'vitest';
import { fp16Refusal, ortDeviceRequest } from '../gpuRequirements.ts';

const card = (file: string, precision: string) => ({ onnx: { file, bytes: 1, sha256: '', opset: 17, precision } });
const swiftshader = { vendor: 'google', architecture: 'swiftshader', features: ['float32-filterable', 'timestamp-query'] };

describe('fp16Refusal', () => {
  it('refuses an fp16 graph on an adapter without shader-f16, naming the file, the feature and the adapter', () => {
    const msg = fp16Refusal([card('dynamicvit.onnx', 'fp16'), card('deit.onnx', 'fp32')], swiftshader);
    expect(msg).toMatch(/^"dynamicvit\.onnx" is an fp16 model and needs the WebGPU feature shader-f16/);
    expect(msg).toContain('google / swiftshader');
    expect(msg).not.toContain('deit.onnx');
  });

  it('names both graphs when both are fp16', () => {
    expect(fp16Refusal([card('a.onnx', 'fp16'), card('b.onnx', 'fp16')], swiftshader)).toMatch(
      /^"a\.onnx" and "b\.onnx" are fp16 models and need the WebGPU/,
    );
  });

  it('accepts fp32 graphs anywhere and fp16 graphs where the adapter has shader-f16', () => {
    expect(fp16Refusal([card('a.onnx', 'fp32'), card('b.onnx', 'fp32')], swiftshader)).toBeNull();
    expect(fp16Refusal([card('a.onnx', 'fp16')], { ...swiftshader, features: ['shader-f16'] })).toBeNull();
  });
});

describe('ortDeviceRequest', () => {
  it("asks for the adapter's maximum of the limits ORT raises and only the optional features the adapter has", () => {
    const limits = {
      maxBufferSize: 2 ** 31,
      maxStorageBufferBindingSize: 2 ** 30,
      maxComputeWorkgroupStorageSize: 32768,
      maxTextureDimension2D: 8192,
      maxBindGroups: 4,
    };
    const r = ortDeviceRequest(new Set(['timestamp-query', 'float32-filterable', 'shader-f16']), limits);
    expect(r.requiredFeatures).toEqual(['shader-f16', 'timestamp-query']);
    expect(r.requiredLimits).toEqual({
      maxBindGroups: 4,
      maxBufferSize: 2 ** 31,
      maxStorageBufferBindingSize: 2 ** 30,
      maxComputeWorkgroupStorageSize: 32768,
    });
  });
});
