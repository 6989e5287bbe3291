import { describe, expect, it } from 'vitest';
import { PyDict, PyTuple } from '../pyValues.ts';
import { PICKLE_LIMITS, unpickle } from '../unpickle.ts';

const bytes = (...parts: (number | string)[]): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...new TextEncoder().encode(p)])));
const PROTO2 = [0x80, 2];
const STOP = 0x2e;

describe('unpickle (hand-written opcodes)', () => {
  it('reads plain data: dict of int, float, negative LONG1, tuple, list', () => {
    // {'a': 7, 'b': 0.5, 'c': -2**40, 'd': (1, 2), 'e': [True, None]}
    const got = unpickle(
      bytes(
        ...PROTO2, 0x7d, 0x28,
        0x58, 1, 0, 0, 0, 'a', 0x4b, 7,
        0x58, 1, 0, 0, 0, 'b', 0x47, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0,
        0x58, 1, 0, 0, 0, 'c', 0x8a, 6, 0, 0, 0, 0, 0, 0xff,
        0x58, 1, 0, 0, 0, 'd', 0x4b, 1, 0x4b, 2, 0x86,
        0x58, 1, 0, 0, 0, 'e', 0x5d, 0x28, 0x88, 0x4e, 0x65,
        0x75, STOP,
      ), // prettier-ignore
    ) as PyDict;
    expect(got).toBeInstanceOf(PyDict);
    expect(got.map.get('a')).toBe(7);
    expect(got.map.get('b')).toBe(0.5);
    expect(got.map.get('c')).toBe(-(2 ** 40));
    expect((got.map.get('d') as PyTuple).items).toEqual([1, 2]);
    expect(got.map.get('e')).toEqual([true, null]);
  });
  it('stops at the first foreign GLOBAL, before reading anything after it', () => {
    // GLOBAL builtins eval, then garbage that would fail differently if it were read
    expect(() => unpickle(bytes(...PROTO2, 0x63, 'builtins\neval\n', 0xff, 0xff))).toThrow(/refused: .*"builtins\.eval"/);
  });
  it('refuses opcodes outside the weights-only set (protocol 4 STACK_GLOBAL)', () => {
    expect(() => unpickle(bytes(0x80, 4, 0x93, STOP))).toThrow(/opcode 0x93 is not allowed/);
  });
  it('bounds MARK nesting', () => {
    const marks = new Array<number>(PICKLE_LIMITS.maxMarkDepth + 1).fill(0x28);
    expect(() => unpickle(bytes(...PROTO2, ...marks))).toThrow(`nesting deeper than ${PICKLE_LIMITS.maxMarkDepth}`);
  });
  it('refuses a memo entry that was never stored, a string longer than the data, and a missing STOP', () => {
    expect(() => unpickle(bytes(...PROTO2, 0x68, 3, STOP))).toThrow(/memo entry 3 was never stored/);
    expect(() => unpickle(bytes(...PROTO2, 0x58, 0xff, 0xff, 0, 0, 'abc'))).toThrow(/truncated data\.pkl/);
    expect(() => unpickle(bytes(...PROTO2, 0x4e))).toThrow(/truncated data\.pkl/);
  });
  it('refuses REDUCE on anything but the allowed callables, and persistent ids that are not storages', () => {
    // torch.FloatStorage() via REDUCE
    expect(() => unpickle(bytes(...PROTO2, 0x63, 'torch\nFloatStorage\n', 0x29, 0x52, STOP))).toThrow(/REDUCE on torch\.FloatStorage/);
    // BINPERSID of ('x',)
    expect(() => unpickle(bytes(...PROTO2, 0x58, 1, 0, 0, 0, 'x', 0x85, 0x51, STOP))).toThrow(/only storages/);
  });
});
