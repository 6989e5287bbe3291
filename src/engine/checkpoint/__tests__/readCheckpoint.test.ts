import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.ts';
import { readCheckpoint } from '../readCheckpoint.ts';
import type { Tensor } from '../tensors.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const OUT = `${ROOT}.cache/pth-fixtures`;
const SCRIPT = fileURLToPath(new URL('./make_pth_fixtures.py', import.meta.url));

interface Expected {
  weights_only: string;
  layout?: string;
  tensors?: Record<string, { dtype: string; shape: number[]; values: number[] }>;
}
let expected: Record<string, Expected>;

/** The file's bytes in an ArrayBuffer of their own, as File.arrayBuffer() gives them in the worker. */
function load(name: string): Uint8Array {
  const b = readFileSync(`${OUT}/${name}`);
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function messageOf(name: string): string {
  try {
    readCheckpoint(load(name));
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as Error).message;
  }
  throw new Error(`${name} was read, but should have been refused`);
}

function values(t: Tensor): number[] {
  return t.dtype === 'float32' ? Array.from(t.data) : Array.from(t.data, Number);
}

beforeAll(() => {
  // real torch.save files, written by the project's Python (see make_pth_fixtures.py)
  execFileSync(`${ROOT}.venv/bin/python`, [SCRIPT, OUT], { stdio: 'inherit' });
  expected = JSON.parse(readFileSync(`${OUT}/expected.json`, 'utf8')) as Record<string, Expected>;
}, 120_000);

describe('readCheckpoint on files written by torch.save', () => {
  for (const name of ['model.pth', 'bare.pth', 'state_dict.pth', 'ddp.pth', 'unaligned.pth']) {
    it(`${name}: same keys, order, shapes and values as torch.load(weights_only=True)`, () => {
      const want = expected[name];
      expect(want.weights_only).toBe('ok');
      const got = readCheckpoint(load(name));
      expect(got.layout).toBe(want.layout);
      const wantKeys = Object.keys(want.tensors ?? {}).map((k) => k.replace(/^module\./, ''));
      expect([...got.tensors.keys()]).toEqual(wantKeys);
      for (const [key, w] of Object.entries(want.tensors ?? {})) {
        const t = got.tensors.get(key.replace(/^module\./, '')) as Tensor;
        expect(t.dtype, key).toBe(w.dtype);
        expect(t.shape, key).toEqual(w.shape);
        expect(values(t), key).toEqual(w.values);
      }
    });
  }

  it('reads a training checkpoint with argparse.Namespace args as data (add_safe_globals([Namespace])), picking "model"', () => {
    // torch.load(weights_only=True) refuses it unless Namespace is added as a safe global, as the official train
    // scripts save it beside the weights
    expect(expected['args.pth'].weights_only).toMatch(/^refused: .*argparse\.Namespace/);
    const got = readCheckpoint(load('args.pth')).tensors;
    const want = readCheckpoint(load('model.pth')).tensors;
    expect([...got.keys()]).toEqual([...want.keys()]);
  });

  it('keeps num_batches_tracked as int64 beyond 2^32', () => {
    const t = readCheckpoint(load('model.pth')).tensors.get('bn.num_batches_tracked') as Tensor;
    expect(t.dtype).toBe('int64');
    expect(t.data[0]).toBe(123456789012n);
  });

  it('gives contiguous aligned tensors as views into the file bytes (no copy), strided ones as copies', () => {
    const bytes = load('model.pth');
    const got = readCheckpoint(bytes).tensors;
    expect((got.get('blocks.0.attn.qkv.weight') as Tensor).data.buffer).toBe(bytes.buffer);
    expect((got.get('view.bottom') as Tensor).data.buffer).toBe(bytes.buffer);
    expect((got.get('view.transposed') as Tensor).data.buffer).not.toBe(bytes.buffer);
    // python's zipfile does not pad members to 64 bytes: misaligned float32 data must be copied (values checked above)
    const unaligned = load('unaligned.pth');
    const copied = [...readCheckpoint(unaligned).tensors.entries()].filter(([, t]) => t.data.buffer !== unaligned.buffer);
    expect(copied.map(([k]) => k)).toContain('blocks.0.attn.qkv.weight');
  });
});

describe('readCheckpoint refuses what it must not read, with a message for each', () => {
  it('a pickle naming a foreign global (os.system) is refused by name, as by torch.load(weights_only=True)', () => {
    expect(expected['foreign_global.pth'].weights_only).toMatch(/^refused: .*posix\.system/);
    expect(messageOf('foreign_global.pth')).toMatch(/^refused: .*"posix\.system"/);
  });
  it('a truncated zip', () => {
    expect(messageOf('truncated.pth')).toMatch(/damaged or truncated/);
  });
  it('a 0-byte file', () => {
    expect(messageOf('empty.pth')).toBe('the file is empty (0 bytes)');
  });
  it('a zip that is not a checkpoint', () => {
    expect(messageOf('not_checkpoint.zip')).toMatch(/a zip archive, but not a PyTorch checkpoint/);
  });
  it('a legacy (non-zip) torch.save file', () => {
    expect(expected['legacy.pth'].weights_only).toBe('ok');
    expect(messageOf('legacy.pth')).toMatch(/legacy PyTorch file/);
  });
  it('bytes that are neither zip nor torch', () => {
    expect(messageOf('noise.pth')).toMatch(/neither a zip archive nor a legacy torch.save file/);
  });
  it('float16 tensors, naming the dtype', () => {
    expect(messageOf('half.pth')).toMatch(/float16 tensors \(torch\.HalfStorage\)/);
  });
  it('compressed members', () => {
    expect(messageOf('deflated.pth')).toMatch(/"model\/data\.pkl" is compressed/);
  });
  it('a storage member missing from the archive', () => {
    expect(expected['missing_storage.pth'].weights_only).toMatch(/^refused/);
    expect(messageOf('missing_storage.pth')).toMatch(/storage data\/1 is missing/);
  });
  it('a tensor reaching past the end of its storage', () => {
    expect(expected['overrun.pth'].weights_only).toMatch(/^refused/);
    expect(messageOf('overrun.pth')).toMatch(/"w" of shape \[10\] reaches past the end of its storage \(4 elements\)/);
  });
  it('a state dict with entries that are not tensors, naming them', () => {
    expect(messageOf('not_tensors.pth')).toBe('state dict entries that are not tensors: lr');
  });
  it('every file torch.load(weights_only=True) refuses is refused here too, but for training args (Namespace)', () => {
    const refusedByTorch = Object.entries(expected).filter(([name, e]) => e.weights_only !== 'ok' && name !== 'args.pth');
    expect(refusedByTorch.length).toBeGreaterThanOrEqual(7);
    for (const [name] of refusedByTorch) expect(() => readCheckpoint(load(name)), name).toThrow(CheckpointError);
  });
});
