/// <reference lib="webworker" />
/**
 * A dropped file to the model's input: checks its bytes (src/engine/imageDecode.ts: specific messages for
 * non-images, truncated files and formats the browser cannot decode), decodes it (EXIF orientation respected,
 * first frame of an animation; very large images at a reduced size; extreme aspect ratios cut to the part the
 * centre crop uses), reads back only the pixels the PIL-exact preprocessing uses, and preprocesses.
 */
import { decodeFailure, decodeSize, extremeAspectCut, ImageInputError, orientedSize, refusal, sniffImage } from '../engine/imageDecode.ts';
import type { ModelCard } from '../engine/modelCard.ts';
import { preprocess, preprocessWindow, rawTensorBytes, tensorToRgba, type RgbaImage } from '../engine/preprocess.ts';
import type { ResultMessage } from './protocol.ts';

/** Where a new image's time goes before the models run (ms). */
export interface InputTimings {
  /** blob -> bytes + format sniffing, EXIF orientation, header size */
  sniffMs: number;
  /** createImageBitmap (the browser's decoder) */
  decodeMs: number;
  /** drawImage + getImageData of the region the preprocessing reads */
  pixelsMs: number;
  /** PIL-exact bicubic resize of the centre crop + normalisation into the float32 tensor */
  preprocessMs: number;
}

export interface ModelInput {
  /** float32 NCHW [1, 3, crop, crop], normalised */
  tensor: Float32Array;
  crop: NonNullable<ResultMessage['crop']>;
  timings: InputTimings;
}

async function decodeBitmap(
  blob: Blob,
  name: string,
  spec: ModelCard['preprocessing'],
): Promise<{ img: RgbaImage; width: number; height: number; sniffMs: number; decodeMs: number; pixelsMs: number }> {
  const t0 = performance.now();
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const s = sniffImage(bytes);
  const refused = refusal(name, bytes.length, s);
  if (refused) throw new ImageInputError(refused);
  if (s.format === 'svg')
    throw new ImageInputError(`"${name}" is an SVG image; SVG is rasterised on the page (it cannot be decoded in a worker): drop it again`);
  const oriented = orientedSize(s);
  const target = oriented ? decodeSize(oriented.width, oriented.height, spec.resize_shorter_side) : null;
  const opts: ImageBitmapOptions = { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' };
  if (target?.reduced) Object.assign(opts, { resizeWidth: target.width, resizeHeight: target.height, resizeQuality: 'high' });
  const t1 = performance.now();
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(blob, opts);
    if (target?.reduced && bmp.width > bmp.height !== target.width > target.height) {
      // a browser that resizes before applying the EXIF orientation: ask again with the stored size's axes
      bmp.close();
      bmp = await createImageBitmap(blob, { ...opts, resizeWidth: target.height, resizeHeight: target.width });
    }
  } catch (e) {
    throw new ImageInputError(decodeFailure(name, s, e));
  }
  const t2 = performance.now();
  try {
    const cut = extremeAspectCut(bmp.width, bmp.height, spec.resize_shorter_side, spec.crop_size) ?? {
      left: 0,
      top: 0,
      width: bmp.width,
      height: bmp.height,
    };
    // only the pixels the resampling of the centre crop reads (the same result, bit for bit)
    const win = preprocessWindow(cut.width, cut.height, spec);
    const canvas = new OffscreenCanvas(win.width, win.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('OffscreenCanvas 2d context unavailable');
    ctx.drawImage(bmp, cut.left + win.left, cut.top + win.top, win.width, win.height, 0, 0, win.width, win.height);
    const img: RgbaImage = { data: ctx.getImageData(0, 0, win.width, win.height).data, width: cut.width, height: cut.height, region: win };
    const t3 = performance.now();
    return {
      img,
      width: oriented?.width ?? bmp.width,
      height: oriented?.height ?? bmp.height,
      sniffMs: t1 - t0,
      decodeMs: t2 - t1,
      pixelsMs: t3 - t2,
    };
  } catch (e) {
    throw e instanceof ImageInputError ? e : new ImageInputError(decodeFailure(name, s, e));
  } finally {
    bmp.close();
  }
}

/**
 * The model input for a new image. A file of exactly 3 x crop x crop float32 values that is not an image is a
 * raw, already preprocessed NCHW tensor and is fed to the models as-is (exact reproducibility).
 */
export async function prepareInput(blob: Blob, name: string, spec: ModelCard['preprocessing']): Promise<ModelInput> {
  const size = spec.crop_size;
  if (!blob.type.startsWith('image/') && blob.size === rawTensorBytes(size)) {
    const t0 = performance.now();
    const tensor = new Float32Array(await blob.arrayBuffer());
    return {
      tensor,
      crop: {
        data: tensorToRgba(tensor, size, spec),
        size,
        source: { width: size, height: size, name: `${name} (raw tensor)` },
        resized: { width: size, height: size, left: 0, top: 0 },
      },
      timings: { sniffMs: performance.now() - t0, decodeMs: 0, pixelsMs: 0, preprocessMs: 0 },
    };
  }
  const { img, width, height, sniffMs, decodeMs, pixelsMs } = await decodeBitmap(blob, name, spec);
  const t0 = performance.now();
  const pre = preprocess(img, spec);
  const preprocessMs = performance.now() - t0;
  return {
    tensor: pre.tensor,
    crop: { data: pre.crop, size: pre.size, source: { width, height, name }, resized: pre.resized },
    timings: { sniffMs, decodeMs, pixelsMs, preprocessMs },
  };
}
