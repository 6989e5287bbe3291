import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeSize, extremeAspectCut, FULL_DECODE_MAX_PIXELS, orientedSize, refusal, sniffImage } from '../imageDecode.ts';

const dir = fileURLToPath(new URL('../../../tests/fixtures/bad-inputs/', import.meta.url));
const bytes = (f: string) => new Uint8Array(readFileSync(dir + f));
const sniff = (f: string) => sniffImage(bytes(f));

describe('sniffImage (tests/fixtures/bad-inputs, made by scripts/make_bad_inputs.py)', () => {
  it('reads format and header size of decodable images', () => {
    expect(sniff('ok.png')).toMatchObject({ format: 'png', decodable: true, width: 320, height: 240, truncated: false });
    expect(sniff('cmyk.jpg')).toMatchObject({ format: 'jpeg', width: 320, height: 240, truncated: false });
    expect(sniff('gray16.png')).toMatchObject({ format: 'png', width: 64, height: 48 });
    expect(sniff('animated.gif')).toMatchObject({ format: 'gif', width: 96, height: 64, truncated: false });
    expect(sniff('animated.webp')).toMatchObject({ format: 'webp', width: 96, height: 64 });
    expect(sniff('scripted.svg')).toMatchObject({ format: 'svg', decodable: true });
    expect(sniff('one_pixel.png')).toMatchObject({ width: 1, height: 1 });
  });

  it('reads EXIF orientation from JPEG APP1 and PNG eXIf; 5..8 swap the displayed size', () => {
    for (const f of ['exif_rot6.jpg', 'exif_rot6.png']) {
      const s = sniff(f);
      expect(s, f).toMatchObject({ width: 240, height: 320, orientation: 6 });
      expect(orientedSize(s)).toEqual({ width: 320, height: 240 });
    }
    expect(sniff('ok.png').orientation).toBe(1);
  });

  it('flags truncated files', () => {
    expect(sniff('truncated.jpg')).toMatchObject({ format: 'jpeg', truncated: true });
    expect(sniff('truncated.png')).toMatchObject({ format: 'png', truncated: true });
    expect(refusal('truncated.jpg', 10, sniff('truncated.jpg'))).toMatch(/truncated/);
  });

  it('names formats the browser cannot decode and non-images', () => {
    expect(refusal('photo.tiff', 1, sniff('photo.tiff'))).toMatch(/TIFF/);
    expect(refusal('photo.heic', 1, sniff('photo.heic'))).toMatch(/HEIC/);
    expect(refusal('not_an_image.jpg', 1, sniff('not_an_image.jpg'))).toMatch(/PDF/);
    expect(refusal('notes.txt', 1, sniff('notes.txt'))).toMatch(/text file/);
    expect(refusal('empty.png', 0, sniff('empty.png'))).toMatch(/empty/);
    expect(refusal('m.onnx', 1, sniffImage(new Uint8Array([0x08, 0x07, 0x12, 0x00, 0x99, 0x88])))).toMatch(/not an image/);
    expect(refusal('ok.png', 804, sniff('ok.png'))).toBeNull();
  });

  it('refuses absurd header sizes', () => {
    const png = bytes('ok.png').slice();
    new DataView(png.buffer).setUint32(16, 70000);
    new DataView(png.buffer).setUint32(20, 70000);
    expect(refusal('huge.png', png.length, sniffImage(png))).toMatch(/70000x70000/);
  });
});

describe('decodeSize / extremeAspectCut', () => {
  it('keeps small images at full size and reduces 8000x8000 and 50 MP below the full-decode bound', () => {
    expect(decodeSize(4000, 3000, 256)).toEqual({ width: 4000, height: 3000, reduced: false });
    for (const [w, h] of [
      [8000, 8000],
      [8660, 5774],
      [5774, 8660],
    ]) {
      const d = decodeSize(w, h, 256);
      expect(d.reduced).toBe(true);
      expect(d.width * d.height).toBeLessThanOrEqual(FULL_DECODE_MAX_PIXELS * 1.001);
      expect(d.width / d.height).toBeCloseTo(w / h, 2);
      expect(Math.min(d.width, d.height)).toBeGreaterThanOrEqual(256);
    }
  });

  it('cuts extreme aspect ratios to the centre the crop uses, and leaves normal ones alone', () => {
    expect(extremeAspectCut(400, 300, 256, 224)).toBeNull();
    expect(extremeAspectCut(1000, 250, 256, 224)).toBeNull();
    const c = extremeAspectCut(4000, 3, 256, 224)!;
    expect(c.height).toBe(3);
    expect(c.width).toBeLessThan(40);
    expect(c.left + c.width / 2).toBeCloseTo(2000, -1);
    const t = extremeAspectCut(3, 4000, 256, 224)!;
    expect(t.width).toBe(3);
    expect(t.top + t.height / 2).toBeCloseTo(2000, -1);
  });
});
