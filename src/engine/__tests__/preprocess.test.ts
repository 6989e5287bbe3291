import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { preprocess, rawTensorBytes, resizedSize, rgbToRgba, roundHalfEven, resizeBicubic, tensorToRgba } from '../preprocess.ts';

const DIR = fileURLToPath(new URL('../../../tests/fixtures/preprocess/', import.meta.url));
const SPEC = { resize_shorter_side: 256, crop_size: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

interface Meta {
  name: string;
  width: number;
  height: number;
}
const meta = JSON.parse(readFileSync(`${DIR}meta.json`, 'utf8')) as Meta[];

function load(m: Meta) {
  const rgb = new Uint8Array(readFileSync(`${DIR}${m.name}.rgb.bin`));
  const refBuf = readFileSync(`${DIR}${m.name}.ref.f32.bin`);
  const ref = new Float32Array(refBuf.buffer, refBuf.byteOffset, refBuf.byteLength / 4);
  return { img: { data: rgbToRgba(rgb, m.width, m.height), width: m.width, height: m.height }, ref };
}

describe('preprocess matches PIL bicubic + torchvision crop/normalise', () => {
  it.each(meta)('$name ($width x $height) within 1e-3 of the PIL/numpy reference', (m) => {
    const { img, ref } = load(m);
    const out = preprocess(img, SPEC);
    expect(out.tensor.length).toBe(3 * 224 * 224);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out.tensor[i] - ref[i]));
    expect(maxDiff).toBeLessThan(1e-3);
    expect(maxDiff).toBeLessThan(1e-5); // in fact bit-exact uint8 pixels: only float32 rounding remains
  });

  it('crop preview holds the same pixels as the tensor', () => {
    const { img } = load(meta[0]);
    const out = preprocess(img, SPEC);
    const v = out.crop[(10 * 224 + 20) * 4 + 1];
    expect(out.tensor[224 * 224 + 10 * 224 + 20]).toBeCloseTo((v / 255 - 0.456) / 0.224, 5);
    expect(out.crop[3]).toBe(255);
  });
});

describe('geometry', () => {
  it('resizes the shorter side and truncates the longer one like torchvision', () => {
    expect(resizedSize(300, 200, 256)).toEqual({ width: 384, height: 256 });
    expect(resizedSize(400, 300, 256)).toEqual({ width: 341, height: 256 });
    expect(resizedSize(221, 300, 256)).toEqual({ width: 256, height: 347 });
    expect(resizedSize(500, 500, 256)).toEqual({ width: 256, height: 256 });
  });
  it('rounds crop offsets half to even like Python', () => {
    expect(roundHalfEven(58.5)).toBe(58);
    expect(roundHalfEven(61.5)).toBe(62);
    expect(roundHalfEven(16)).toBe(16);
    expect(roundHalfEven(16.6)).toBe(17);
  });
  it('leaves a constant image constant (coefficients sum to one)', () => {
    const w = 37,
      h = 23;
    const data = new Uint8ClampedArray(w * h * 4).fill(77);
    const out = resizeBicubic({ data, width: w, height: h }, 101, 9);
    expect(out.every((v, i) => v === (i % 4 === 3 ? 255 : 77))).toBe(true); // RGB kept, alpha opaque
  });
});

describe('raw tensor input', () => {
  it('tensorToRgba inverts the normalisation of preprocess()', () => {
    const m = meta[1];
    const { img } = load(m);
    const out = preprocess(img, SPEC);
    const back = tensorToRgba(out.tensor, 224, SPEC);
    expect(rawTensorBytes(224)).toBe(out.tensor.byteLength);
    let maxDiff = 0;
    for (let i = 0; i < back.length; i++) maxDiff = Math.max(maxDiff, Math.abs(back[i] - out.crop[i]));
    expect(maxDiff).toBe(0);
    expect(() => tensorToRgba(new Float32Array(10), 224, SPEC)).toThrow(/expected/);
  });
});
