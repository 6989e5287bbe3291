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
  const needH = outW !== inW;
  const needV = outH !== inH;
  const vert = precomputeCoeffs(inH, outH);
  const hor = needH ? precomputeCoeffs(inW, outW) : null;
  // Only the input rows the vertical pass will read (Pillow's ybox_first / ybox_last), restricted to the window.
  const yFirst = needV ? vert.bounds[win.top * 2] : win.top;
  const lastRow = win.top + win.height - 1;
  const yLast = needV ? vert.bounds[lastRow * 2] + vert.bounds[lastRow * 2 + 1] : lastRow + 1;
  const rows = yLast - yFirst;

  // Horizontal pass: rows [yFirst, yLast) x window columns, 3 bytes per pixel (or the window copied when no resize).
  const tmp = new Uint8Array(win.width * rows * 3);
  for (let y = 0; y < rows; y++) {
    const rowIn = (y + yFirst) * inW * 4;
    const rowOut = y * win.width * 3;
    for (let c = 0; c < win.width; c++) {
      const xx = c + win.left;
      const o = rowOut + c * 3;
      if (!hor) {
        const p = rowIn + xx * 4;
        tmp[o] = data[p];
        tmp[o + 1] = data[p + 1];
        tmp[o + 2] = data[p + 2];
        continue;
      }
      const xmin = hor.bounds[xx * 2];
      const cnt = hor.bounds[xx * 2 + 1];
      const kOff = xx * hor.ksize;
      let s0 = HALF, s1 = HALF, s2 = HALF;
      for (let x = 0, p = rowIn + xmin * 4; x < cnt; x++, p += 4) {
        const w = hor.kk[kOff + x];
        s0 = (s0 + data[p] * w) | 0;
        s1 = (s1 + data[p + 1] * w) | 0;
        s2 = (s2 + data[p + 2] * w) | 0;
      }
      tmp[o] = clip8(s0);
      tmp[o + 1] = clip8(s1);
      tmp[o + 2] = clip8(s2);
    }
  }

  const out = new Uint8ClampedArray(win.width * win.height * 4);
  if (!needV) {
    for (let i = 0, j = 0; j < out.length; i += 3, j += 4) {
      out[j] = tmp[i];
      out[j + 1] = tmp[i + 1];
      out[j + 2] = tmp[i + 2];
      out[j + 3] = 255;
    }
    return out;
  }

  // Vertical pass over the window's rows.
  const stride = win.width * 3;
  for (let r = 0; r < win.height; r++) {
    const yy = r + win.top;
    const ymin = vert.bounds[yy * 2] - yFirst;
    const cnt = vert.bounds[yy * 2 + 1];
    const kOff = yy * vert.ksize;
    for (let c = 0; c < win.width; c++) {
      let s0 = HALF, s1 = HALF, s2 = HALF;
      for (let y = 0, p = ymin * stride + c * 3; y < cnt; y++, p += stride) {
        const w = vert.kk[kOff + y];
        s0 = (s0 + tmp[p] * w) | 0;
        s1 = (s1 + tmp[p + 1] * w) | 0;
        s2 = (s2 + tmp[p + 2] * w) | 0;
      }
      const o = (r * win.width + c) * 4;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
      out[o + 3] = 255;
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
