import type { Tensor } from './tensors.ts';

/** onnxruntime-web's `externalData` session option entry: `path` is an initializer's `location` in the template. */
export interface ExternalDataFile {
  path: string;
  data: Uint8Array;
}

/**
 * The files a weightless template reads its initializers from: each float32 tensor under its state-dict key
 * (models/export_template.py writes `location` = key, offset 0). The bytes are views, not copies. int64
 * tensors (BatchNorm's num_batches_tracked) are never graph weights and are left out.
 */
export function externalDataFiles(tensors: ReadonlyMap<string, Tensor>, keys: Iterable<string>): ExternalDataFile[] {
  const files: ExternalDataFile[] = [];
  for (const key of keys) {
    const t = tensors.get(key);
    if (!t || t.dtype !== 'float32') continue;
    files.push({ path: key, data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) });
  }
  return files;
}
