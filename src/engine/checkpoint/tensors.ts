import { CheckpointError } from './errors.ts';
import type { TensorRef } from './pyValues.ts';
import type { TorchArchive } from './torchArchive.ts';

export interface Float32Tensor {
  dtype: 'float32';
  shape: number[];
  data: Float32Array;
}
export interface Int64Tensor {
  dtype: 'int64';
  shape: number[];
  data: BigInt64Array;
}
export type Tensor = Float32Tensor | Int64Tensor;

const ITEM_BYTES = { float32: 4, int64: 8 } as const;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The values of one tensor. A contiguous tensor whose bytes are aligned is a view into the archive (no
 * copy); a strided or misaligned one is copied. Every index is checked against its storage's length.
 */
export function readTensor(ref: TensorRef, archive: TorchArchive, name: string): Tensor {
  if (!LITTLE_ENDIAN_HOST) throw new CheckpointError('this device is big-endian; checkpoint tensors are little-endian');
  const { storage } = ref;
  const itemBytes = ITEM_BYTES[storage.dtype];
  const raw = archive.storage(storage.key);
  if (!raw) throw new CheckpointError(`tensor "${name}": its storage data/${storage.key} is missing from the archive`);
  if (raw.length < storage.numel * itemBytes) {
    throw new CheckpointError(
      `tensor "${name}": storage data/${storage.key} holds ${raw.length} bytes, ${storage.numel * itemBytes} expected`,
    );
  }
  const count = ref.shape.reduce((a, b) => a * b, 1);
  const last = ref.offset + ref.shape.reduce((sum, size, d) => sum + (size - 1) * ref.stride[d], 0);
  if (!Number.isSafeInteger(count) || ref.offset > storage.numel || (count > 0 && last >= storage.numel)) {
    throw new CheckpointError(`tensor "${name}" of shape [${ref.shape}] reaches past the end of its storage (${storage.numel} elements)`);
  }
  const contiguous = isContiguous(ref.shape, ref.stride);
  const start = raw.byteOffset + ref.offset * itemBytes;
  if (contiguous && start % itemBytes === 0) {
    return make(storage.dtype, ref.shape, raw.buffer, start, count);
  }
  const source = make(storage.dtype, [storage.numel], copyBytes(raw, storage.numel * itemBytes), 0, storage.numel).data;
  const out = storage.dtype === 'float32' ? new Float32Array(count) : new BigInt64Array(count);
  gather(source, out, ref);
  return { dtype: storage.dtype, shape: ref.shape, data: out } as Tensor;
}

function make(dtype: 'float32' | 'int64', shape: number[], buffer: ArrayBufferLike, byteOffset: number, count: number): Tensor {
  return dtype === 'float32'
    ? { dtype, shape, data: new Float32Array(buffer, byteOffset, count) }
    : { dtype, shape, data: new BigInt64Array(buffer, byteOffset, count) };
}

function copyBytes(raw: Uint8Array, length: number): ArrayBuffer {
  const copy = new Uint8Array(length);
  copy.set(raw.subarray(0, length));
  return copy.buffer;
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** Row-major copy of a strided view. */
function gather(source: Float32Array | BigInt64Array, out: Float32Array | BigInt64Array, ref: TensorRef): void {
  const { shape, stride } = ref;
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let at = ref.offset;
    for (let d = 0; d < shape.length; d++) at += index[d] * stride[d];
    (out as Float32Array)[i] = (source as Float32Array)[at]; // same element type on both sides
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}
