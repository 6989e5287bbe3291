import { CheckpointError } from './errors.ts';
import { looksLikeZip, readZipEntries, type ZipEntry } from './zip.ts';

/** The parts of a torch.save zip archive: `<folder>/data.pkl`, `<folder>/data/<key>`, `<folder>/byteorder`. */
export interface TorchArchive {
  pickle: Uint8Array;
  /** Raw bytes of storage `<key>`, or undefined when the archive has no such member. */
  storage(key: string): Uint8Array | undefined;
}

/** Start of the pickled magic number (0x1950a86a20f9469cfc6c, LONG1 of 10 bytes) that legacy torch.save files begin with. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export function isLegacyTorchFile(bytes: Uint8Array): boolean {
  return bytes.length >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((b, i) => bytes[i] === b);
}

export function openTorchArchive(bytes: Uint8Array): TorchArchive {
  if (bytes.length === 0) throw new CheckpointError('the file is empty (0 bytes)');
  if (isLegacyTorchFile(bytes)) {
    throw new CheckpointError(
      'this is a legacy PyTorch file (saved before PyTorch 1.6 or with _use_new_zipfile_serialization=False), which the page ' +
        'does not read: re-save it in Python with torch.save(torch.load(path), new_path)',
    );
  }
  if (!looksLikeZip(bytes))
    throw new CheckpointError('not a PyTorch checkpoint: the file is neither a zip archive nor a legacy torch.save file');
  const entries = readZipEntries(bytes);
  const pickles = [...entries.values()].filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickles.length === 0) throw new CheckpointError('a zip archive, but not a PyTorch checkpoint: it has no <folder>/data.pkl');
  if (pickles.length > 1)
    throw new CheckpointError(`a zip archive with ${pickles.length} data.pkl members: not a single PyTorch checkpoint`);
  const folder = pickles[0].name.slice(0, -'data.pkl'.length);
  const member = (e: ZipEntry): Uint8Array => bytes.subarray(e.dataOffset, e.dataOffset + e.size);

  const byteorder = entries.get(`${folder}byteorder`);
  if (byteorder) {
    const order = new TextDecoder().decode(member(byteorder)).trim();
    if (order !== 'little')
      throw new CheckpointError(`the checkpoint's tensors are stored ${order}-endian; only little-endian files are read`);
  }
  return {
    pickle: member(pickles[0]),
    storage: (key) => {
      const e = entries.get(`${folder}data/${key}`);
      return e && member(e);
    },
  };
}
