import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { preprocess, preprocessWindow, rgbToRgba, type RgbaImage } from '../preprocess.ts';

const DIR = fileURLToPath(new URL('../../../tests/fixtures/preprocess/', import.meta.url));
const meta = JSON.parse(readFileSync(`${DIR}meta.json`, 'utf8')) as { name: string; width: number; height: number }[];
const SPECS = [
  { resize_shorter_side: 256, crop_size: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  { resize_shorter_side: 224, crop_size: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
];

/** The pixels of `win` only, as a decoder that reads just that rectangle hands them over. */
function cut(img: RgbaImage, win: { left: number; top: number; width: number; height: number }): RgbaImage {
  const data = new Uint8ClampedArray(win.width * win.height * 4);
  for (let y = 0; y < win.height; y++) {
    const from = ((y + win.top) * img.width + win.left) * 4;
    data.set(img.data.subarray(from, from + win.width * 4), y * win.width * 4);
  }
  return { data, width: img.width, height: img.height, region: win };
}

describe('preprocessWindow: decoding only the pixels the centre crop reads', () => {
  it.each(meta.flatMap((m) => SPECS.map((spec) => ({ ...m, spec, label: `${m.name} -> ${spec.resize_shorter_side}/${spec.crop_size}` }))))(
    '$label: the same tensor and crop, bit for bit, from a smaller region',
    ({ name, width, height, spec }) => {
      const full: RgbaImage = { data: rgbToRgba(new Uint8Array(readFileSync(`${DIR}${name}.rgb.bin`)), width, height), width, height };
      const win = preprocessWindow(width, height, spec);
      expect(win.left).toBeGreaterThanOrEqual(0);
      expect(win.left + win.width).toBeLessThanOrEqual(width);
      expect(win.top + win.height).toBeLessThanOrEqual(height);
      const a = preprocess(full, spec);
      const b = preprocess(cut(full, win), spec);
      const bytes = (x: Float32Array | Uint8ClampedArray) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
      expect(bytes(b.tensor).equals(bytes(a.tensor)), 'tensor bit-identical').toBe(true);
      expect(bytes(b.crop).equals(bytes(a.crop)), 'crop bit-identical').toBe(true);
      expect(b.resized).toEqual(a.resized);
    },
  );

  it('an 800x600 photo needs only part of its pixels for a 256 -> 224 crop', () => {
    const win = preprocessWindow(800, 600, SPECS[0]);
    expect(win.width * win.height).toBeLessThan(0.7 * 800 * 600);
  });

  it('refuses a region that misses pixels the resampling reads', () => {
    const { width, height, name } = meta[0];
    const full: RgbaImage = { data: rgbToRgba(new Uint8Array(readFileSync(`${DIR}${name}.rgb.bin`)), width, height), width, height };
    const win = preprocessWindow(width, height, SPECS[0]);
    expect(() => preprocess(cut(full, { ...win, left: win.left + 1, width: win.width - 1 }), SPECS[0])).toThrow(
      /not all inside the decoded region/,
    );
  });
});
