import { CheckpointError } from './errors.ts';
import { ARGPARSE_NAMESPACE, ORDERED_DICT, REBUILD_PARAMETER, REBUILD_TENSOR_V2, resolveGlobal } from './globals.ts';
import { PyDict, PyGlobal, PyNamespace, PyStorageType, PyTuple, StorageRef, TensorRef, type PyKey, type PyValue } from './pyValues.ts';

/** Bounds on what a hostile pickle can make the reader hold. A state dict's data.pkl is tens of kilobytes. */
export const PICKLE_LIMITS = {
  maxBytes: 64 * 1024 * 1024,
  maxMarkDepth: 64,
  maxStack: 1_000_000,
  maxGlobalLine: 256,
};

/**
 * Reads a torch.save pickle with the opcode set of torch.load(weights_only=True) and the globals of
 * globals.ts. Nothing is ever called or imported: GLOBAL only pushes a name from the allow-list, and REDUCE
 * only builds plain data for those names. Storages stay references (BINPERSID); their bytes are read later.
 */
export function unpickle(data: Uint8Array): PyValue {
  if (data.length > PICKLE_LIMITS.maxBytes) {
    throw new CheckpointError(`data.pkl is ${data.length} bytes (more than the ${PICKLE_LIMITS.maxBytes} a state dict needs)`);
  }
  return new Machine(data).run();
}

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

class Machine {
  private pos = 0;
  private stack: PyValue[] = [];
  private readonly marks: PyValue[][] = [];
  private readonly memo = new Map<number, PyValue>();
  private readonly storages = new Map<string, StorageRef>();
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  run(): PyValue {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: // PROTO
          if (this.u8() > 5) this.fail(at, 'unknown pickle protocol');
          break;
        case 0x2e: // STOP
          if (this.stack.length !== 1 || this.marks.length) this.fail(at, 'pickle ends with an unbalanced stack');
          return this.stack[0];
        case 0x63: // GLOBAL
          this.push(resolveGlobal(this.line(), this.line()));
          break;
        case 0x52: {
          // REDUCE
          const args = this.pop(at);
          const func = this.pop(at);
          if (!(args instanceof PyTuple)) this.fail(at, 'REDUCE arguments are not a tuple');
          this.push(this.reduce(func, args.items, at));
          break;
        }
        case 0x81: // NEWOBJ: only OrderedDict and argparse.Namespace (cls.__new__ of an allowed class)
          {
            this.pop(at);
            const cls = this.pop(at);
            if (!(cls instanceof PyGlobal) || (cls.name !== ORDERED_DICT && cls.name !== ARGPARSE_NAMESPACE)) {
              this.fail(at, `NEWOBJ of ${describe(cls)} is not allowed`);
            }
            this.push(cls.name === ARGPARSE_NAMESPACE ? new PyNamespace() : new PyDict());
          }
          break;
        case 0x62: {
          // BUILD: a Namespace's attribute dict is kept; the OrderedDict attribute dict torch.save adds
          // (_metadata) is dropped
          const state = this.pop(at);
          const target = this.top(at);
          if (!(target instanceof PyDict)) this.fail(at, `BUILD on ${describe(target)} is not allowed`);
          if (target instanceof PyNamespace) {
            if (!(state instanceof PyDict)) this.fail(at, 'argparse.Namespace state is not a dict');
            for (const [k, v] of state.map) target.map.set(k, v);
          }
          break;
        }
        case 0x51: // BINPERSID
          this.push(this.persistentLoad(this.pop(at), at));
          break;
        case 0x61: {
          // APPEND
          const item = this.pop(at);
          this.list(at).push(item);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark(at);
          const list = this.list(at);
          for (const item of items) list.push(item);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = this.pop(at);
          const key = this.pop(at);
          this.dict(at).map.set(this.key(key, at), value);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark(at);
          if (items.length % 2) this.fail(at, 'SETITEMS with an odd number of items');
          const dict = this.dict(at);
          for (let i = 0; i < items.length; i += 2) dict.map.set(this.key(items[i], at), items[i + 1]);
          break;
        }
        case 0x28: // MARK
          if (this.marks.length >= PICKLE_LIMITS.maxMarkDepth) this.fail(at, `nesting deeper than ${PICKLE_LIMITS.maxMarkDepth}`);
          this.marks.push(this.stack);
          this.stack = [];
          break;
        case 0x74: // TUPLE
          this.push(new PyTuple(this.popMark(at)));
          break;
        case 0x85: // TUPLE1
          this.push(new PyTuple([this.pop(at)]));
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop(at);
          this.push(new PyTuple([this.pop(at), b]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop(at);
          const b = this.pop(at);
          this.push(new PyTuple([this.pop(at), b, c]));
          break;
        }
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x29: // EMPTY_TUPLE
          this.push(new PyTuple([]));
          break;
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x7d: // EMPTY_DICT
          this.push(new PyDict());
          break;
        case 0x4a: // BININT
          this.push(this.view.getInt32(this.skip(4), true));
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.view.getUint16(this.skip(2), true));
          break;
        case 0x47: // BINFLOAT
          this.push(this.view.getFloat64(this.skip(8), false));
          break;
        case 0x8a: // LONG1
          this.push(this.long(this.u8()));
          break;
        case 0x58: {
          // BINUNICODE
          const n = this.view.getUint32(this.skip(4), true);
          this.push(utf8.decode(this.bytes(n)));
          break;
        }
        case 0x55: // SHORT_BINSTRING (Python 2 str)
          this.push(latin1.decode(this.bytes(this.u8())));
          break;
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top(at));
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.view.getUint32(this.skip(4), true), this.top(at));
          break;
        case 0x68: // BINGET
          this.push(this.get(this.u8(), at));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.get(this.view.getUint32(this.skip(4), true), at));
          break;
        default:
          this.fail(at, `pickle opcode 0x${op.toString(16).padStart(2, '0')} is not allowed in a weights-only checkpoint`);
      }
    }
  }

  private reduce(func: PyValue, args: PyValue[], at: number): PyValue {
    if (!(func instanceof PyGlobal) || func instanceof PyStorageType) this.fail(at, `REDUCE on ${describe(func)} is not allowed`);
    switch (func.name) {
      case ORDERED_DICT:
        if (args.length !== 0) this.fail(at, 'OrderedDict built from arguments is not read');
        return new PyDict();
      case REBUILD_PARAMETER:
        // _rebuild_parameter(data, requires_grad, backward_hooks): the tensor itself
        if (!(args[0] instanceof TensorRef)) this.fail(at, '_rebuild_parameter without a tensor');
        return args[0];
      case REBUILD_TENSOR_V2:
        return this.rebuildTensor(args, at);
    }
    return this.fail(at, `REDUCE on ${func.name} is not allowed`);
  }

  /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
  private rebuildTensor(args: PyValue[], at: number): TensorRef {
    const [storage, offset, size, stride] = args;
    if (args.length < 6 || args.length > 7 || !(storage instanceof StorageRef))
      this.fail(at, '_rebuild_tensor_v2 with unexpected arguments');
    const shape = this.ints(size, at);
    const strides = this.ints(stride, at);
    if (shape.length !== strides.length) this.fail(at, 'tensor size and stride differ in length');
    if (!isCount(offset)) this.fail(at, 'tensor storage offset is not a count');
    return new TensorRef(storage, offset, shape, strides);
  }

  /** Only `('storage', <storage type>, key, location, numel)` is allowed, as in weights_only. */
  private persistentLoad(pid: PyValue, at: number): StorageRef {
    if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage') this.fail(at, 'only storages may be loaded by persistent id');
    const [, type, key, , numel] = pid.items;
    if (
      pid.items.length !== 5 ||
      !(type instanceof PyStorageType) ||
      typeof key !== 'string' ||
      !/^[\w.-]+$/.test(key) ||
      !isCount(numel)
    ) {
      this.fail(at, 'malformed storage reference');
    }
    const known = this.storages.get(key);
    if (known) {
      if (known.dtype !== type.dtype || known.numel !== numel) this.fail(at, `storage ${key} is referenced with two different types`);
      return known;
    }
    const ref = new StorageRef(key, type.dtype, numel);
    this.storages.set(key, ref);
    return ref;
  }

  private ints(value: PyValue, at: number): number[] {
    if (!(value instanceof PyTuple) || !value.items.every(isCount)) this.fail(at, 'tensor size or stride is not a tuple of counts');
    return value.items as number[];
  }

  private key(value: PyValue, at: number): PyKey {
    if (value === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof value)) return value as PyKey;
    return this.fail(at, `dictionary key of type ${describe(value)} is not read`);
  }

  private long(n: number): number | bigint {
    let v = 0n;
    const b = this.bytes(n);
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0 || end - this.pos > PICKLE_LIMITS.maxGlobalLine) this.fail(this.pos, 'malformed GLOBAL');
    const text = utf8.decode(this.data.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  private get(index: number, at: number): PyValue {
    if (!this.memo.has(index)) this.fail(at, `memo entry ${index} was never stored`);
    return this.memo.get(index) as PyValue;
  }

  private list(at: number): PyValue[] {
    const target = this.top(at);
    if (!Array.isArray(target)) this.fail(at, `can only append to lists, not to ${describe(target)}`);
    return target;
  }

  private dict(at: number): PyDict {
    const target = this.top(at);
    if (!(target instanceof PyDict)) this.fail(at, `can only set items of dicts, not of ${describe(target)}`);
    return target;
  }

  private push(value: PyValue): void {
    if (this.stack.length >= PICKLE_LIMITS.maxStack) this.fail(this.pos, 'stack too large');
    this.stack.push(value);
  }

  private pop(at: number): PyValue {
    if (this.stack.length === 0) this.fail(at, 'stack underflow');
    return this.stack.pop() as PyValue;
  }

  private top(at: number): PyValue {
    if (this.stack.length === 0) this.fail(at, 'stack underflow');
    return this.stack[this.stack.length - 1];
  }

  private popMark(at: number): PyValue[] {
    const items = this.stack;
    const outer = this.marks.pop();
    if (!outer) this.fail(at, 'no MARK to pop to');
    this.stack = outer;
    return items;
  }

  private u8(): number {
    return this.data[this.skip(1)];
  }

  private bytes(n: number): Uint8Array {
    const start = this.skip(n);
    return this.data.subarray(start, start + n);
  }

  /** Advances past n bytes, returning where they start; refuses to run past the end. */
  private skip(n: number): number {
    const start = this.pos;
    if (start + n > this.data.length) this.fail(start, 'the pickle ends too early (truncated data.pkl)');
    this.pos = start + n;
    return start;
  }

  private fail(at: number, detail: string): never {
    throw new CheckpointError(`unreadable checkpoint pickle at byte ${at}: ${detail}`);
  }
}

function isCount(value: PyValue): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function describe(value: PyValue): string {
  if (value instanceof PyGlobal) return value.name;
  if (value instanceof PyTuple) return 'tuple';
  if (value instanceof PyDict) return 'dict';
  if (value instanceof TensorRef) return 'tensor';
  if (value instanceof StorageRef) return 'storage';
  if (Array.isArray(value)) return 'list';
  return value === null ? 'None' : typeof value;
}
