import { pickStateDict, type StateDictLayout } from './stateDict.ts';
import { readTensor, type Tensor } from './tensors.ts';
import { openTorchArchive } from './torchArchive.ts';
import { unpickle } from './unpickle.ts';

export interface Checkpoint {
  layout: StateDictLayout;
  /** State dict entries in file order; float32 data are views into the file's bytes where possible. */
  tensors: Map<string, Tensor>;
}

/**
 * Reads a torch.save checkpoint (zip format) without executing anything. Throws CheckpointError with a
 * message for the user; the caller adds the file name.
 */
export function readCheckpoint(bytes: Uint8Array): Checkpoint {
  const archive = openTorchArchive(bytes);
  const { layout, tensors } = pickStateDict(unpickle(archive.pickle));
  const out = new Map<string, Tensor>();
  for (const [name, ref] of tensors) out.set(name, readTensor(ref, archive, name));
  return { layout, tensors: out };
}
