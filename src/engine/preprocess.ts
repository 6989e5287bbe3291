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
  data: Uint8ClampedArray | Uint8Array; // RGBA, row-major
  width: number;
  height: number;
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

function clip8(v: number): number {
  // v fits in int32 in C; in JS the sum is exact in float64 (|v| < 2^53)
  if (v >= 2 ** (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / (1 << PRECISION_BITS));
}

const HALF = 1 << (PRECISION_BITS - 1);

/** A rectangle of the resized image: only these output pixels are computed. */
export interface OutputWindow {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * PIL-compatible bicubic resize of an RGB(A) image (channels processed independently, 4 per pixel),
 * computing only the output pixels inside `win` (default: all of them). Each output pixel depends only on its
 * own filter taps, so a window is exactly the same pixels as resizing everything and cropping afterwards.
 * Returns RGBA uint8 of win.width x win.height.
 */
export function resizeBicubic(
  src: RgbaImage,
  outW: number,
  outH: number,
  win: OutputWindow = { left: 0, top: 0, width: outW, height: outH },
): Uint8ClampedArray {
  const { width: inW, height: inH, data } = src;
  const needH = outW !== inW;
  const needV = outH !== inH;
  const vert = precomputeCoeffs(inH, outH);
  const hor = needH ? precomputeCoeffs(inW, outW) : null;
  // Only the input rows the vertical pass will read (Pillow's ybox_first / ybox_last), restricted to the window.
  const yFirst = needV ? vert.bounds[win.top * 2] : win.top;
  const lastRow = win.top + win.height - 1;
  const yLast = needV ? vert.bounds[lastRow * 2] + vert.bounds[lastRow * 2 + 1] : lastRow + 1;
  const rows = yLast - yFirst;

  // Horizontal pass: rows [yFirst, yLast) x window columns (or the window's columns copied when no resize).
  const tmp = new Uint8ClampedArray(win.width * rows * 4);
  for (let y = 0; y < rows; y++) {
    const rowIn = (y + yFirst) * inW * 4;
    const rowOut = y * win.width * 4;
    for (let c = 0; c < win.width; c++) {
      const xx = c + win.left;
      const o = rowOut + c * 4;
      if (!hor) {
        const p = rowIn + xx * 4;
        tmp[o] = data[p];
        tmp[o + 1] = data[p + 1];
        tmp[o + 2] = data[p + 2];
        tmp[o + 3] = data[p + 3];
        continue;
      }
      const xmin = hor.bounds[xx * 2];
      const cnt = hor.bounds[xx * 2 + 1];
      const kOff = xx * hor.ksize;
      let s0 = HALF, s1 = HALF, s2 = HALF, s3 = HALF;
      for (let x = 0; x < cnt; x++) {
        const w = hor.kk[kOff + x];
        const p = rowIn + (x + xmin) * 4;
        s0 += data[p] * w;
        s1 += data[p + 1] * w;
        s2 += data[p + 2] * w;
        s3 += data[p + 3] * w;
      }
      tmp[o] = clip8(s0);
      tmp[o + 1] = clip8(s1);
      tmp[o + 2] = clip8(s2);
      tmp[o + 3] = clip8(s3);
    }
  }
  if (!needV) return tmp;

  // Vertical pass over the window's rows.
  const out = new Uint8ClampedArray(win.width * win.height * 4);
  for (let r = 0; r < win.height; r++) {
    const yy = r + win.top;
    const ymin = vert.bounds[yy * 2] - yFirst;
    const cnt = vert.bounds[yy * 2 + 1];
    const kOff = yy * vert.ksize;
    for (let c = 0; c < win.width; c++) {
      let s0 = HALF, s1 = HALF, s2 = HALF, s3 = HALF;
      for (let y = 0; y < cnt; y++) {
        const w = vert.kk[kOff + y];
        const p = ((y + ymin) * win.width + c) * 4;
        s0 += tmp[p] * w;
        s1 += tmp[p + 1] * w;
        s2 += tmp[p + 2] * w;
        s3 += tmp[p + 3] * w;
      }
      const o = (r * win.width + c) * 4;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
      out[o + 3] = clip8(s3);
    }
  }
  return out;
}

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

export function preprocess(src: RgbaImage, spec: PreprocessSpec): Preprocessed {
  const { width: rw, height: rh } = resizedSize(src.width, src.height, spec.resize_shorter_side);
  const c = spec.crop_size;
  if (rw < c || rh < c) throw new Error(`resized image ${rw}x${rh} is smaller than the crop ${c}`);
  const top = roundHalfEven((rh - c) / 2);
  const left = roundHalfEven((rw - c) / 2);
  // Resample only the centre crop: the pixels outside it would be thrown away.
  const cropped = resizeBicubic(src, rw, rh, { left, top, width: c, height: c });
  const plane = c * c;
  const tensor = new Float32Array(3 * plane);
  const crop = new Uint8ClampedArray(plane * 4);
  const mean = Float32Array.from(spec.mean);
  const std = Float32Array.from(spec.std);
  for (let i = 0; i < plane; i++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = cropped[i * 4 + ch];
      tensor[ch * plane + i] = (Math.fround(v / 255) - mean[ch]) / std[ch];
      crop[i * 4 + ch] = v;
    }
    crop[i * 4 + 3] = 255;
  }
  return { tensor, crop, size: c, resized: { width: rw, height: rh, left, top } };
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
