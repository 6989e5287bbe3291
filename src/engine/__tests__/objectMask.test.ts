import { describe, expect, it } from 'vitest';
import { objectMaskInCrop, objectRecall } from '../objectMask.ts';

describe('object mask through resize + center crop', () => {
  it('is the identity when the image already is the crop', () => {
    const m = objectMaskInCrop([0, 15, 195], { width: 224, height: 224 }, { width: 224, height: 224, left: 0, top: 0 }, 14, 224);
    expect([...m.keys()].filter((i) => m[i])).toEqual([0, 15, 195]);
  });
  it('follows the 224 -> 256 resize and 16 px crop offset (zoom towards the centre)', () => {
    // crop patch (0,0): centre (8,8) -> resized (24,24) -> source (21,21) -> source patch (1,1) = 15
    const m = objectMaskInCrop([15], { width: 224, height: 224 }, { width: 256, height: 256, left: 16, top: 16 }, 14, 224);
    expect(m[0]).toBe(1);
    // the source's corner patch falls outside the crop entirely
    const corner = objectMaskInCrop([0], { width: 224, height: 224 }, { width: 256, height: 256, left: 16, top: 16 }, 14, 224);
    expect(corner.reduce((a, b) => a + b, 0)).toBe(0);
  });
  it('uses the grid and crop it is given', () => {
    // 12x12 grid on a 384 crop (32 px cells): crop patch (0,0) centre (16,16) -> source (16,16) -> source patch 0
    const m = objectMaskInCrop([0, 143], { width: 384, height: 384 }, { width: 384, height: 384, left: 0, top: 0 }, 12, 384);
    expect(m).toHaveLength(144);
    expect([...m.keys()].filter((i) => m[i])).toEqual([0, 143]);
  });
  it('objectRecall counts kept object patches', () => {
    const m = new Uint8Array(196);
    m[3] = m[4] = m[5] = 1;
    expect(objectRecall(m, [4, 5, 100])).toEqual({ kept: 2, total: 3 });
  });
});
