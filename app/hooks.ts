import { useMemo } from 'react';
import { objectMaskInCrop } from '../src/engine/objectMask.ts';
import { useStore } from './store/index.ts';

/** The current sample's object patches on the model's patch grid, or null (no card, own image, photo, raw tensor). */
export function useObjectMask(): Uint8Array | null {
  const sample = useStore((s) => s.sample);
  const crop = useStore((s) => s.crop);
  const grid = useStore((s) => s.dvitCard?.architecture.grid);
  return useMemo(() => {
    if (grid === undefined || !sample?.object_patches?.length || !crop || crop.name !== sample.file) return null;
    return objectMaskInCrop(sample.object_patches, { width: crop.width, height: crop.height }, crop.resized, grid, crop.size);
  }, [sample, crop, grid]);
}
