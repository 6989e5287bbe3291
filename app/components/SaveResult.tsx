import { savedResult } from '../../src/engine/savedResult.ts';
import { useStore } from '../store/index.ts';

/** Downloads the current result as JSON (src/engine/savedResult.ts): every logit, top-5, kept positions. */
export function SaveResult() {
  const result = useStore((s) => s.result);
  const image = useStore((s) => s.crop?.name ?? null);
  const dvit = useStore((s) => s.dvitCard);
  const deit = useStore((s) => s.deitCard);
  if (!result || !dvit || !deit) return null;
  const save = () => {
    const json = savedResult(image ?? 'image', result, {
      dynamicvit: dvit.display_name || dvit.name,
      deit: deit.display_name || deit.name,
    });
    const url = URL.createObjectURL(new Blob([JSON.stringify(json, null, 1)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${(image ?? 'result').replace(/\.[^.]*$/, '')}-dynamicvit-result.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  return (
    <button type="button" onClick={save} data-testid="save-result">
      Save result
    </button>
  );
}
