import { CheckpointError } from './errors.ts';
import { PyDict, TensorRef, type PyValue } from './pyValues.ts';

export type StateDictLayout = 'bare' | 'model' | 'state_dict';

const MAX_LISTED = 8;
const DDP_PREFIX = 'module.';

/**
 * The state dict of an official file, as models/checkpoint.py reads it: `{"model": sd}` (DynamicViT, DeiT),
 * `{"state_dict": sd}` (timm) or a bare state dict; a uniform "module." prefix (DistributedDataParallel) is
 * dropped. Tensors are still references: only these are read from the archive afterwards.
 */
export function pickStateDict(root: PyValue): { layout: StateDictLayout; tensors: Map<string, TensorRef> } {
  if (!(root instanceof PyDict))
    throw new CheckpointError('the checkpoint holds no dict: expected a state dict, {"model": ...} or {"state_dict": ...}');
  let layout: StateDictLayout = 'bare';
  let dict = root;
  for (const key of ['model', 'state_dict'] as const) {
    const inner = root.map.get(key);
    if (inner instanceof PyDict) {
      layout = key;
      dict = inner;
      break;
    }
  }
  if (dict.map.size === 0) throw new CheckpointError("the checkpoint's state dict is empty");
  const notTensors: string[] = [];
  const tensors = new Map<string, TensorRef>();
  for (const [key, value] of dict.map) {
    if (typeof key !== 'string' || !(value instanceof TensorRef)) notTensors.push(String(key));
    else tensors.set(key, value);
  }
  if (notTensors.length) throw new CheckpointError(`state dict entries that are not tensors: ${listing(notTensors)}`);
  const keys = [...tensors.keys()];
  if (keys.every((k) => k.startsWith(DDP_PREFIX))) {
    return { layout, tensors: new Map(keys.map((k) => [k.slice(DDP_PREFIX.length), tensors.get(k) as TensorRef])) };
  }
  return { layout, tensors };
}

export function listing(items: string[], separator = ', '): string {
  const shown = items.slice(0, MAX_LISTED).join(separator);
  return items.length > MAX_LISTED ? `${shown}, ... (${items.length - MAX_LISTED} more)` : shown;
}
