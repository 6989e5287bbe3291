import { CheckpointError } from './errors.ts';
import { PyGlobal, PyStorageType, type TensorDtype } from './pyValues.ts';

/**
 * The only Python globals a checkpoint's pickle may name: what a float32 state dict needs (plus int64 for
 * BatchNorm's num_batches_tracked). All of them are on torch.load(weights_only=True)'s allow-list too.
 */
const STORAGE_TYPES: Record<string, TensorDtype> = {
  'torch.FloatStorage': 'float32',
  'torch.LongStorage': 'int64',
};
export const ORDERED_DICT = 'collections.OrderedDict';
export const REBUILD_TENSOR_V2 = 'torch._utils._rebuild_tensor_v2';
export const REBUILD_PARAMETER = 'torch._utils._rebuild_parameter';
/**
 * The training `args` the official train scripts save beside the weights (DynamicViT's utils.save_model, timm's
 * checkpoint saver). Not on torch.load(weights_only=True)'s default list: PyTorch's advice for such files is
 * add_safe_globals([argparse.Namespace]), which is what this does. It is read as inert data (its attribute dict);
 * nothing is constructed or called.
 */
export const ARGPARSE_NAMESPACE = 'argparse.Namespace';
const CALLABLES = new Set([ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_PARAMETER, ARGPARSE_NAMESPACE]);

/** Element types torch.load(weights_only=True) would read but the page's float32 graphs cannot use. */
const OTHER_STORAGE_DTYPES: Record<string, string> = {
  'torch.HalfStorage': 'float16',
  'torch.BFloat16Storage': 'bfloat16',
  'torch.DoubleStorage': 'float64',
  'torch.IntStorage': 'int32',
  'torch.ShortStorage': 'int16',
  'torch.CharStorage': 'int8',
  'torch.ByteStorage': 'uint8',
  'torch.BoolStorage': 'bool',
  'torch.ComplexFloatStorage': 'complex64',
  'torch.ComplexDoubleStorage': 'complex128',
  'torch.QInt8Storage': 'qint8',
  'torch.QUInt8Storage': 'quint8',
  'torch.QInt32Storage': 'qint32',
};

/** On torch.load(weights_only=True)'s allow-list, but never part of a float32 state dict: not read here. */
const TORCH_ALLOWED_NOT_READ = new Set([
  'collections.Counter',
  'torch.Size',
  'torch.Tensor',
  'torch.device',
  'torch.nn.parameter.Parameter',
  'torch.serialization._get_layout',
  'torch._tensor._rebuild_from_type_v2',
  '_codecs.encode',
  'builtins.bytearray',
  'builtins.set',
  'builtins.complex',
]);

/** The value GLOBAL pushes for `module.name`, or a CheckpointError naming the refused global. */
export function resolveGlobal(module: string, name: string): PyGlobal {
  const full = `${module}.${name}`;
  const dtype = STORAGE_TYPES[full];
  if (dtype) return new PyStorageType(full, dtype);
  if (CALLABLES.has(full)) return new PyGlobal(full);
  const other = OTHER_STORAGE_DTYPES[full];
  if (other) {
    throw new CheckpointError(
      `the checkpoint holds ${other} tensors (${full}); only float32 checkpoints are read (int64 for BatchNorm counters)`,
    );
  }
  if (TORCH_ALLOWED_NOT_READ.has(full) || full.startsWith('torch._utils._rebuild_')) {
    throw new CheckpointError(`the checkpoint uses "${full}", which is not part of a float32 state dict; the page does not read it`);
  }
  throw new CheckpointError(
    `refused: the checkpoint's pickle asks for the Python global "${full}", which is not on the allow-list of a weights-only ` +
      'state dict (torch.load(weights_only=True) accepts only tensors, plain containers and a few torch types); nothing after it was read',
  );
}
