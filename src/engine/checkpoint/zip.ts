import { CheckpointError } from './errors.ts';

/** One member of a zip archive whose bytes are stored as they are (method 0), as torch.save writes them. */
export interface ZipEntry {
  name: string;
  /** Offset of the member's first data byte in the archive. */
  dataOffset: number;
  size: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA_ID = 0x0001;
const MAX_ENTRIES = 1_000_000;

/** True when the bytes start like a zip archive (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === LOCAL_SIGNATURE;
}

/**
 * The members of a zip archive, read from its central directory (zip64 included). Every offset and size is
 * checked against the archive's length; compressed members are refused (torch.save stores, never deflates).
 * The members' bytes are not copied: callers take `bytes.subarray(dataOffset, dataOffset + size)`.
 */
export function readZipEntries(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  let count = view.getUint16(eocd + 10, true);
  let dirSize: number = view.getUint32(eocd + 12, true);
  let dirOffset: number = view.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
    const zip64 = safeNumber(view.getBigUint64(locator + 8, true), 'zip64 end record offset');
    need(view, zip64, 56, 'zip64 end of central directory');
    if (view.getUint32(zip64, true) !== ZIP64_EOCD_SIGNATURE) throw truncated('zip64 end of central directory signature missing');
    count = safeNumber(view.getBigUint64(zip64 + 32, true), 'entry count');
    dirSize = safeNumber(view.getBigUint64(zip64 + 40, true), 'central directory size');
    dirOffset = safeNumber(view.getBigUint64(zip64 + 48, true), 'central directory offset');
  }
  if (count > MAX_ENTRIES) throw new CheckpointError(`the zip archive lists ${count} members (more than ${MAX_ENTRIES})`);
  need(view, dirOffset, dirSize, 'central directory');

  const entries = new Map<string, ZipEntry>();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    need(view, at, 46, 'central directory entry');
    if (view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw truncated(`central directory entry ${i} has no signature`);
    const method = view.getUint16(at + 10, true);
    let compressed: number = view.getUint32(at + 20, true);
    let size: number = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localOffset: number = view.getUint32(at + 42, true);
    need(view, at + 46, nameLength + extraLength + commentLength, 'central directory entry name');
    const name = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const zip64 = readZip64Extra(view, at + 46 + nameLength, extraLength, {
      size: size === 0xffffffff,
      compressed: compressed === 0xffffffff,
      offset: localOffset === 0xffffffff,
    });
    size = zip64.size ?? size;
    compressed = zip64.compressed ?? compressed;
    localOffset = zip64.offset ?? localOffset;
    if (method !== 0) {
      throw new CheckpointError(
        `zip member "${name}" is compressed (method ${method}); PyTorch checkpoints store their members uncompressed`,
      );
    }
    if (compressed !== size) throw truncated(`zip member "${name}" has inconsistent sizes`);
    need(view, localOffset, 30, `local header of "${name}"`);
    if (view.getUint32(localOffset, true) !== LOCAL_SIGNATURE) throw truncated(`zip member "${name}" has no local header`);
    const dataOffset = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    need(view, dataOffset, size, `data of "${name}"`);
    entries.set(name, { name, dataOffset, size });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - EOCD_SIZE;
  const first = Math.max(0, last - MAX_COMMENT);
  for (let at = last; at >= first; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  }
  throw truncated('no end of central directory record (the file is cut short or not a zip archive)');
}

/** The zip64 extra field holds, in this order, only the values whose 32-bit fields are 0xffffffff. */
function readZip64Extra(
  view: DataView,
  start: number,
  length: number,
  wanted: { size: boolean; compressed: boolean; offset: boolean },
): { size?: number; compressed?: number; offset?: number } {
  if (!wanted.size && !wanted.compressed && !wanted.offset) return {};
  for (let at = start; at + 4 <= start + length;) {
    const id = view.getUint16(at, true);
    const dataLength = view.getUint16(at + 2, true);
    if (at + 4 + dataLength > start + length) break;
    if (id === ZIP64_EXTRA_ID) {
      const out: { size?: number; compressed?: number; offset?: number } = {};
      let field = at + 4;
      const take = (what: string): number => {
        if (field + 8 > at + 4 + dataLength) throw truncated(`zip64 extra field too short for the ${what}`);
        const value = safeNumber(view.getBigUint64(field, true), what);
        field += 8;
        return value;
      };
      if (wanted.size) out.size = take('size');
      if (wanted.compressed) out.compressed = take('compressed size');
      if (wanted.offset) out.offset = take('offset');
      return out;
    }
    at += 4 + dataLength;
  }
  throw truncated('a zip member needs a zip64 extra field that is missing');
}

function need(view: DataView, offset: number, length: number, what: string): void {
  if (offset < 0 || length < 0 || offset + length > view.byteLength) {
    throw truncated(`${what} lies outside the file (bytes ${offset}..${offset + length} of ${view.byteLength})`);
  }
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw truncated(`${what} is out of range`);
  return Number(value);
}

function truncated(detail: string): CheckpointError {
  return new CheckpointError(`the zip archive is damaged or truncated: ${detail}`);
}
