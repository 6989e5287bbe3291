/**
 * Image preprocessing exactly as the model card describes it, matching torchvision's eval transform on a
 * PIL image: Resize(shorter side, BICUBIC) -> CenterCrop -> ToTensor -> Normalize.
 *
 * The canvas' own bicubic differs from PIL's, so the resize is done here in pure TypeScript, reproducing
 * Pillow's ImagingResample (separable, horizontal pass then vertical, a = -0.5, support widened by the
 * scale when downsampling = antialias, 8-bit fixed-point coefficients, uint8 intermediate). Framework-free
 * and DOM-free so it runs (and is unit-tested) in Node.
 */

export interface PreprocessSpec {
  resize_shorter_side: number;
  crop_size: number;
  mean: readonly number[];
  std: readonly number[];
}

export interface RgbaImage {
  /** RGBA, row-major, of `region` (default: the whole image) */
  data: Uint8ClampedArray | Uint8Array;
  /** size of the whole image */
  width: number;
  height: number;
  /** the part of the image `data` holds, when only that part was read (see preprocessWindow) */
  region?: OutputWindow;
}

export interface Preprocessed {
  /** float32 NCHW [1, 3, crop, crop], normalised */
  tensor: Float32Array;
  /** the crop the model sees, RGBA uint8 [crop, crop] (for overlays) */
  crop: Uint8ClampedArray;
  size: number;
  /** resized size before cropping and the crop's offsets, for display */
  resized: { width: number; height: number; left: number; top: number };
}

const PRECISION_BITS = 32 - 8 - 2;
const BICUBIC_SUPPORT = 2.0;

function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Coeffs {
  ksize: number;
  bounds: Int32Array; // [xmin, count] per output pixel
  kk: Int32Array; // fixed-point coefficients, ksize per output pixel
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the box [0, inSize). */
export function precomputeCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(1, scale);
  const support = BICUBIC_SUPPORT * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      let v = x < xmax ? k[x] : 0;
      if (x < xmax && ww !== 0) v /= ww;
      // C's (int) cast truncates toward zero
      kk[xx * ksize + x] = Math.trunc(v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

const HALF = 1 << (PRECISION_BITS - 1);
const MAX_SUM = 1 << (PRECISION_BITS + 8);

/** Pillow's clip8: the fixed-point sum back to 0..255 (sums stay within int32, as in C). */
function clip8(v: number): number {
  if (v >= MAX_SUM) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** A rectangle of the resized image: only these output pixels are computed. */
export interface OutputWindow {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * PIL-compatible bicubic resize of the RGB channels of an RGBA image, computing only the output pixels
 * inside `win` (default: all of them). Each output pixel depends only on its own filter taps, so a window
 * is exactly the same pixels as resizing everything and cropping afterwards. Alpha is not resampled: the
 * models take RGB (PIL's convert('RGB') drops alpha). Returns RGBA uint8 of win.width x win.height, alpha 255.
 * Sums are kept in int32 (`| 0`), like Pillow's C loops: exact, and the JIT keeps them in integer registers.
 */
export function resizeBicubic(
  src: RgbaImage,
  outW: number,
  outH: number,
  win: OutputWindow = { left: 0, top: 0, width: outW, height: outH },
): Uint8ClampedArray {
  const { width: inW, height: inH, data } = src;
  const reg = src.region ?? { left: 0, top: 0, width: inW, height: inH };
  const needH = outW !== inW;
  const needV = outH !== inH;
  const vert = precomputeCoeffs(inH, outH);
  const hor = needH ? precomputeCoeffs(inW, outW) : null;
  // Only the input rows the vertical pass will read (Pillow's ybox_first / ybox_last), restricted to the window.
  const yFirst = needV ? vert.bounds[win.top * 2] : win.top;
  const lastRow = win.top + win.height - 1;
  const yLast = needV ? vert.bounds[lastRow * 2] + vert.bounds[lastRow * 2 + 1] : lastRow + 1;
  const rows = yLast - yFirst;

  // Pixels are read and written as packed little-endian RGBA words (one load per tap instead of three).
  const xFirst = hor ? hor.bounds[win.left * 2] : win.left;
  const lastCol = win.left + win.width - 1;
  const xLast = hor ? hor.bounds[lastCol * 2] + hor.bounds[lastCol * 2 + 1] : lastCol + 1;
  if (yFirst < reg.top || yLast > reg.top + reg.height || xFirst < reg.left || xLast > reg.left + reg.width) {
    throw new Error(`input pixels [${xFirst}, ${xLast}) x [${yFirst}, ${yLast}) are not all inside the decoded region`);
  }
  const src32 = words(data);

  // Horizontal pass: rows [yFirst, yLast) x window columns into packed RGB words (or the window copied when no resize).
  const tmp = new Uint32Array(win.width * rows);
  for (let y = 0; y < rows; y++) {
    // word offset into `data`, which starts at (reg.left, reg.top)
    const rowIn = (y + yFirst - reg.top) * reg.width - reg.left;
    const rowOut = y * win.width;
    for (let c = 0; c < win.width; c++) {
      const xx = c + win.left;
      if (!hor) {
        tmp[rowOut + c] = src32[rowIn + xx] & 0xffffff;
        continue;
      }
      const xmin = hor.bounds[xx * 2];
      const cnt = hor.bounds[xx * 2 + 1];
      const kOff = xx * hor.ksize;
      let s0 = HALF,
        s1 = HALF,
        s2 = HALF;
      for (let x = 0, p = rowIn + xmin; x < cnt; x++, p++) {
        const w = hor.kk[kOff + x];
        const px = src32[p];
        s0 = (s0 + (px & 255) * w) | 0;
        s1 = (s1 + ((px >>> 8) & 255) * w) | 0;
        s2 = (s2 + ((px >>> 16) & 255) * w) | 0;
      }
      tmp[rowOut + c] = clip8(s0) | (clip8(s1) << 8) | (clip8(s2) << 16);
    }
  }

  const out = new Uint8ClampedArray(win.width * win.height * 4);
  const out32 = new Uint32Array(out.buffer);
  const OPAQUE = 0xff000000;
  if (!needV) {
    for (let i = 0; i < out32.length; i++) out32[i] = (tmp[i] | OPAQUE) >>> 0;
    return out;
  }

  // Vertical pass over the window's rows.
  const stride = win.width;
  for (let r = 0; r < win.height; r++) {
    const yy = r + win.top;
    const ymin = vert.bounds[yy * 2] - yFirst;
    const cnt = vert.bounds[yy * 2 + 1];
    const kOff = yy * vert.ksize;
    for (let c = 0; c < win.width; c++) {
      let s0 = HALF,
        s1 = HALF,
        s2 = HALF;
      for (let y = 0, p = ymin * stride + c; y < cnt; y++, p += stride) {
        const w = vert.kk[kOff + y];
        const px = tmp[p];
        s0 = (s0 + (px & 255) * w) | 0;
        s1 = (s1 + ((px >>> 8) & 255) * w) | 0;
        s2 = (s2 + ((px >>> 16) & 255) * w) | 0;
      }
      out32[r * win.width + c] = (clip8(s0) | (clip8(s1) << 8) | (clip8(s2) << 16) | OPAQUE) >>> 0;
    }
  }
  return out;
}

/** RGBA bytes as little-endian words (R in the low byte); copied only if the bytes are not 4-aligned. */
function words(data: Uint8ClampedArray | Uint8Array): Uint32Array {
  if (!LITTLE_ENDIAN) throw new Error('packed-pixel resize needs a little-endian platform');
  if (data.byteOffset % 4 === 0) return new Uint32Array(data.buffer, data.byteOffset, data.length >> 2);
  return new Uint32Array(Uint8Array.from(data).buffer);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Python's round(): half to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** torchvision's Resize(int) output size: shorter side -> size, longer side truncated. */
export function resizedSize(width: number, height: number, shorter: number): { width: number; height: number } {
  if (width <= height) return { width: shorter, height: Math.trunc((shorter * height) / width) };
  return { width: Math.trunc((shorter * width) / height), height: shorter };
}

/** The resized size and the centre crop's place in it (torchvision's CenterCrop offsets). */
function cropPlace(width: number, height: number, spec: PreprocessSpec) {
  const { width: rw, height: rh } = resizedSize(width, height, spec.resize_shorter_side);
  const c = spec.crop_size;
  if (rw < c || rh < c) throw new Error(`resized image ${rw}x${rh} is smaller than the crop ${c}`);
  return { rw, rh, c, top: roundHalfEven((rh - c) / 2), left: roundHalfEven((rw - c) / 2) };
}

/** Input pixels [first, last) along one axis that the resampling of output pixels [from, from + n) reads. */
function inputSpan(inSize: number, outSize: number, from: number, n: number): [number, number] {
  if (inSize === outSize) return [from, from + n];
  const { bounds } = precomputeCoeffs(inSize, outSize);
  const last = from + n - 1;
  return [bounds[from * 2], bounds[last * 2] + bounds[last * 2 + 1]];
}

/**
 * The rectangle of a width x height image that preprocess() reads (the centre crop's filter taps): a decoder
 * only has to hand over these pixels (as RgbaImage.region) and the result is the same to the bit.
 */
export function preprocessWindow(width: number, height: number, spec: PreprocessSpec): OutputWindow {
  const { rw, rh, c, top, left } = cropPlace(width, height, spec);
  const [x0, x1] = inputSpan(width, rw, left, c);
  const [y0, y1] = inputSpan(height, rh, top, c);
  return { left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
}

export function preprocess(src: RgbaImage, spec: PreprocessSpec): Preprocessed {
  const { rw, rh, c, top, left } = cropPlace(src.width, src.height, spec);
  // Resample only the centre crop: the pixels outside it would be thrown away.
  const cropped = resizeBicubic(src, rw, rh, { left, top, width: c, height: c });
  const plane = c * c;
  const tensor = new Float32Array(3 * plane);
  // ToTensor + Normalize per channel value, as a 3 x 256 table (the same float expression for each pixel)
  const mean = Float32Array.from(spec.mean);
  const std = Float32Array.from(spec.std);
  const table = new Float32Array(3 * 256);
  for (let ch = 0; ch < 3; ch++) for (let v = 0; v < 256; v++) table[ch * 256 + v] = (Math.fround(v / 255) - mean[ch]) / std[ch];
  for (let i = 0; i < plane; i++) {
    const o = i * 4;
    tensor[i] = table[cropped[o]];
    tensor[plane + i] = table[256 + cropped[o + 1]];
    tensor[2 * plane + i] = table[512 + cropped[o + 2]];
  }
  return { tensor, crop: cropped, size: c, resized: { width: rw, height: rh, left, top } };
}

export function rgbToRgba(rgb: Uint8Array, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    out[i * 4] = rgb[j];
    out[i * 4 + 1] = rgb[j + 1];
    out[i * 4 + 2] = rgb[j + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Byte length of a raw float32 NCHW [1, 3, size, size] tensor (accepted as input instead of an image). */
export const rawTensorBytes = (size: number): number => 3 * size * size * 4;

/**
 * A preprocessed tensor (e.g. exported from a PyTorch pipeline) back to displayable RGBA by undoing the
 * normalisation; used to show what the model saw when the input was a raw tensor.
 */
export function tensorToRgba(tensor: Float32Array, size: number, spec: Pick<PreprocessSpec, 'mean' | 'std'>): Uint8ClampedArray {
  const plane = size * size;
  if (tensor.length !== 3 * plane) throw new Error(`tensor has ${tensor.length} values, expected 3x${size}x${size}`);
  const out = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let ch = 0; ch < 3; ch++) out[i * 4 + ch] = Math.round((tensor[ch * plane + i] * spec.std[ch] + spec.mean[ch]) * 255);
    out[i * 4 + 3] = 255;
  }
  return out;
}
