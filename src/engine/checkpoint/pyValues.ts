/** Python values as the restricted unpickler builds them: plain data only, nothing callable. */
export type PyKey = string | number | bigint | boolean | null;
export type PyValue = PyKey | PyValue[] | PyTuple | PyDict | PyGlobal | StorageRef | TensorRef;

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** dict and collections.OrderedDict (insertion order is kept either way). */
export class PyDict {
  readonly map = new Map<PyKey, PyValue>();
}

/** An argparse.Namespace: its attributes, filled by BUILD. */
export class PyNamespace extends PyDict {}

/** A name from the allow-list (globals.ts), pushed by GLOBAL; only REDUCE on the allow-list gives it meaning. */
export class PyGlobal {
  constructor(readonly name: string) {}
}

/** A storage class global such as torch.FloatStorage; its element type is fixed by the allow-list. */
export class PyStorageType extends PyGlobal {
  constructor(
    name: string,
    readonly dtype: TensorDtype,
  ) {
    super(name);
  }
}

export type TensorDtype = 'float32' | 'int64';

/** `('storage', torch.FloatStorage, key, location, numel)` from BINPERSID: raw bytes live in `<folder>/data/<key>`. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TensorDtype,
    readonly numel: number,
  ) {}
}

/** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...): a view of a storage, not yet read. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}
