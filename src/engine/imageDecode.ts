/**
 * What a dropped file is, before the browser's decoder sees it: format from the magic bytes (never the
 * name or MIME type), header dimensions, EXIF orientation, truncation. Lets the worker refuse what it
 * cannot use with a specific message, and decode very large images at a reduced size instead of full size.
 * DOM-free (unit-tested in Node).
 */

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'bmp' | 'ico' | 'avif' | 'svg';
/** Image formats Chromium cannot decode, and non-image files people drop by mistake. */
export type ForeignFormat = 'tiff' | 'heic' | 'jxl' | 'psd' | 'jpeg2000' | 'pdf' | 'zip' | 'gzip' | 'text' | 'html' | 'onnx' | 'unknown';

export interface Sniffed {
  format: ImageFormat | ForeignFormat;
  decodable: boolean;
  /** stored (pre-orientation) pixel size from the header, when the header says */
  width?: number;
  height?: number;
  /** EXIF orientation 1..8 (JPEG APP1 or PNG eXIf), 1 when absent */
  orientation: number;
  /** the file ends before its end marker (JPEG EOI, PNG IEND, GIF trailer) */
  truncated: boolean;
}

export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

const FOREIGN_NAMES: Record<ForeignFormat, string> = {
  tiff: 'a TIFF image, which this browser cannot decode: convert it to PNG or JPEG',
  heic: 'a HEIC/HEIF image, which this browser cannot decode: export it as JPEG or PNG',
  jxl: 'a JPEG XL image, which this browser cannot decode: convert it to PNG or JPEG',
  psd: 'a Photoshop document, not an image this browser can decode',
  jpeg2000: 'a JPEG 2000 image, which this browser cannot decode: convert it to PNG or JPEG',
  pdf: 'a PDF document, not an image',
  zip: 'a ZIP archive (or .docx/.xlsx), not an image',
  gzip: 'a gzip archive, not an image',
  text: 'a text file, not an image',
  html: 'an HTML document, not an image',
  onnx: 'looks like a model or binary file, not an image',
  unknown: 'not an image in any format this page knows (JPEG, PNG, GIF, WebP, BMP, ICO, AVIF, SVG)',
};

const ascii = (b: Uint8Array, at: number, n: number): string => String.fromCharCode(...b.subarray(at, at + n));
const be16 = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];
const be32 = (b: Uint8Array, i: number): number => ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
const le16 = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8);
const le32 = (b: Uint8Array, i: number): number => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + b[i + 3] * 0x1000000;

/** EXIF orientation from a TIFF-structured block (the bytes after "Exif\0\0", or a PNG eXIf chunk). */
export function exifOrientation(t: Uint8Array): number {
  if (t.length < 8) return 1;
  const little = t[0] === 0x49 && t[1] === 0x49;
  if (!little && !(t[0] === 0x4d && t[1] === 0x4d)) return 1;
  const u16 = (i: number) => (little ? le16(t, i) : be16(t, i));
  const u32 = (i: number) => (little ? le32(t, i) : be32(t, i));
  const ifd = u32(4);
  if (ifd + 2 > t.length) return 1;
  const n = u16(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > t.length) break;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

function sniffJpeg(b: Uint8Array): Partial<Sniffed> {
  let i = 2;
  let orientation = 1;
  let width: number | undefined;
  let height: number | undefined;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) break;
    const m = b[i + 1];
    if (m === 0xff) {
      i++;
      continue;
    }
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      i += 2;
      continue;
    }
    const len = be16(b, i + 2);
    if (m === 0xe1 && ascii(b, i + 4, 4) === 'Exif') orientation = exifOrientation(b.subarray(i + 10, i + 2 + len));
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc && i + 9 <= b.length) {
      height = be16(b, i + 5);
      width = be16(b, i + 7);
      break;
    }
    if (m === 0xda) break; // start of scan without a frame header: corrupt
    i += 2 + len;
  }
  // EOI within the last bytes (some writers append padding or metadata after it)
  let eoi = false;
  for (let j = b.length - 2; j >= Math.max(2, b.length - 65536); j--) {
    if (b[j] === 0xff && b[j + 1] === 0xd9) {
      eoi = true;
      break;
    }
  }
  return { width, height, orientation, truncated: !eoi };
}

function sniffPng(b: Uint8Array): Partial<Sniffed> {
  const width = b.length >= 24 ? be32(b, 16) : undefined;
  const height = b.length >= 24 ? be32(b, 20) : undefined;
  let orientation = 1;
  let truncated = true;
  let i = 8;
  while (i + 12 <= b.length) {
    const len = be32(b, i);
    const type = ascii(b, i + 4, 4);
    if (type === 'eXIf') orientation = exifOrientation(b.subarray(i + 8, i + 8 + len));
    if (type === 'IEND') {
      truncated = false;
      break;
    }
    i += 12 + len;
  }
  return { width, height, orientation, truncated };
}

function sniffWebp(b: Uint8Array): Partial<Sniffed> {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8X' && b.length >= 30)
    return { width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
  if (chunk === 'VP8 ' && b.length >= 30) return { width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
  if (chunk === 'VP8L' && b.length >= 25) {
    const v = le32(b, 21);
    return { width: (v & 0x3fff) + 1, height: ((v >>> 14) & 0x3fff) + 1 };
  }
  return {};
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c < 9 || (c > 13 && c < 32 && c !== 27)) return false;
  }
  return true;
}

/** Format, header size, orientation and truncation of a file from its bytes. */
export function sniffImage(b: Uint8Array): Sniffed {
  const base = { orientation: 1, truncated: false };
  const is = (sig: number[], at = 0) => sig.every((v, k) => b[at + k] === v);
  const img = (format: ImageFormat, extra: Partial<Sniffed> = {}): Sniffed => ({ ...base, format, decodable: true, ...extra });
  const foreign = (format: ForeignFormat): Sniffed => ({ ...base, format, decodable: false });
  if (is([0xff, 0xd8, 0xff])) return img('jpeg', sniffJpeg(b));
  if (is([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return img('png', sniffPng(b));
  if (ascii(b, 0, 4) === 'GIF8') {
    return img('gif', {
      width: b.length >= 10 ? le16(b, 6) : undefined,
      height: b.length >= 10 ? le16(b, 8) : undefined,
      truncated: b[b.length - 1] !== 0x3b,
    });
  }
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return img('webp', sniffWebp(b));
  if (ascii(b, 0, 2) === 'BM' && b.length >= 26) return img('bmp', { width: le32(b, 18), height: Math.abs(le32(b, 22) | 0) });
  if (is([0, 0, 1, 0]) || is([0, 0, 2, 0])) return img('ico');
  if (ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    if (/^avi[fs]$/.test(brand)) return img('avif');
    if (/^(heic|heix|hevc|hevx|heim|heis|mif1|msf1)$/.test(brand)) return foreign('heic');
    return foreign('unknown');
  }
  if (is([0x49, 0x49, 0x2a, 0]) || is([0x4d, 0x4d, 0, 0x2a])) return foreign('tiff');
  if (is([0xff, 0x0a]) || is([0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return foreign('jxl');
  if (is([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || is([0xff, 0x4f, 0xff, 0x51])) return foreign('jpeg2000');
  if (ascii(b, 0, 4) === '8BPS') return foreign('psd');
  if (ascii(b, 0, 5) === '%PDF-') return foreign('pdf');
  if (is([0x50, 0x4b, 0x03, 0x04])) return foreign('zip');
  if (is([0x1f, 0x8b])) return foreign('gzip');
  if (looksLikeText(b)) {
    const head = new TextDecoder()
      .decode(b.subarray(0, 4096))
      .replace(/^\uFEFF/, '')
      .trimStart()
      .toLowerCase();
    if (
      /<svg[\s>]/.test(head) &&
      (head.startsWith('<svg') || head.startsWith('<?xml') || head.startsWith('<!--') || head.startsWith('<!doctype svg'))
    )
      return img('svg');
    if (head.startsWith('<!doctype html') || head.startsWith('<html')) return foreign('html');
    return foreign('text');
  }
  if (b.length >= 2 && b[0] === 0x08) return foreign('onnx'); // protobuf field 1 varint (ir_version)
  return foreign('unknown');
}

/** Orientations 5..8 swap width and height on display. */
export const orientedSize = (s: Pick<Sniffed, 'width' | 'height' | 'orientation'>): { width: number; height: number } | null =>
  s.width && s.height ? (s.orientation >= 5 ? { width: s.height, height: s.width } : { width: s.width, height: s.height }) : null;

/** Above this many pixels an image is decoded at a reduced size (the model sees only its small center crop anyway). */
export const FULL_DECODE_MAX_PIXELS = 16_000_000;
/** Beyond this (or beyond 65535 on a side, the JPEG/WebP limit) the page refuses to decode at all. */
export const MAX_PIXELS = 1_000_000_000;

/**
 * Size to decode at (oriented): the header size, or for very large images a size with the same aspect ratio
 * and at most FULL_DECODE_MAX_PIXELS whose shorter side stays at least `minShorter` where the ratio allows.
 */
export function decodeSize(width: number, height: number, minShorter: number): { width: number; height: number; reduced: boolean } {
  const px = width * height;
  if (px <= FULL_DECODE_MAX_PIXELS) return { width, height, reduced: false };
  let s = Math.sqrt(FULL_DECODE_MAX_PIXELS / px);
  s = Math.max(s, Math.min(1, minShorter / Math.min(width, height)));
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)), reduced: true };
}

/** The reason a file cannot be classified, before decoding (null = try it). */
export function refusal(name: string, bytes: number, s: Sniffed): string | null {
  if (bytes === 0) return `"${name}" is empty (0 bytes).`;
  if (!s.decodable) return `"${name}" is ${FOREIGN_NAMES[s.format as ForeignFormat]}.`;
  if (s.truncated)
    return `"${name}" is truncated: this ${s.format.toUpperCase()} file ends before its end marker (${bytes} bytes); it was probably cut off while downloading or copying.`;
  if (s.width === 0 || s.height === 0) return `"${name}" says its size is ${s.width}x${s.height} pixels: a corrupt header.`;
  if (s.width && s.height && (s.width * s.height > MAX_PIXELS || s.width > 65535 || s.height > 65535)) {
    return `"${name}" is ${s.width}x${s.height} pixels (${((s.width * s.height) / 1e6).toFixed(0)} MP), more than this page decodes (${MAX_PIXELS / 1e6} MP, 65535 per side).`;
  }
  return null;
}

/** A decoder failure as a message naming the file and what it claimed to be. */
export function decodeFailure(name: string, s: Sniffed, e: unknown): string {
  const why = e instanceof Error ? e.message : String(e);
  const size = s.width && s.height ? ` ${s.width}x${s.height}` : '';
  if (/memory|allocat|too large|exceed|canvas/i.test(why)) {
    return `"${name}" (${s.format.toUpperCase()}${size}) is too large for this browser to decode (${why}). Try a smaller copy.`;
  }
  return `"${name}" could not be decoded: it starts like a${size} ${s.format.toUpperCase()} image but its data is corrupt or uses a variant this browser does not support (${why}).`;
}

/**
 * Cuts the centre of an extreme-aspect image down to what Resize(shorter) + CenterCrop(crop) can use, plus a
 * margin for the bicubic kernel: a 4000x3 strip would otherwise resize to ~341000x256 before cropping.
 * Returns null when no cut is needed (then preprocessing is exactly torchvision's).
 */
export function extremeAspectCut(
  width: number,
  height: number,
  shorter: number,
  crop: number,
): { left: number; top: number; width: number; height: number } | null {
  const s = Math.min(width, height);
  const l = Math.max(width, height);
  // long side after resize = l * shorter / s; keep the centre crop plus 2 crop widths on each side
  const keep = Math.ceil(((crop * 5) / shorter) * s) + 4;
  if (l <= keep || l * (shorter / s) < 4 * shorter) return null;
  const off = Math.floor((l - keep) / 2);
  return width >= height ? { left: off, top: 0, width: keep, height } : { left: 0, top: off, width, height: keep };
}
