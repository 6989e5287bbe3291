/**
 * Labelled sets for the Evaluate panel: the bundled model's shipped subset (public/eval/<model id>/manifest.json)
 * and a folder the user picks or drops (ImageNet val layout or a labels CSV, src/engine/labelledSet.ts). Files
 * that cannot be labelled or fetched are listed as skipped with the reason.
 */
import { isLabelsFile, isSynsetFile, labelFolder } from '../src/engine/labelledSet.ts';
import type { EvalItem } from '../src/worker/protocol.ts';
import type { EvalSet } from './store/evaluateSlice.ts';

const BASE = new URL(import.meta.env.BASE_URL, window.location.href);
export const manifestUrl = (modelId: string): string => new URL(`eval/${encodeURIComponent(modelId)}/manifest.json`, BASE).href;

export interface ShippedManifest {
  set?: string;
  count?: number;
  images: { file: string; label_index: number }[];
}

/** The shipped subset's manifest, or null when the model has none. */
export async function fetchManifest(modelId: string): Promise<ShippedManifest | null> {
  const r = await fetch(manifestUrl(modelId)).catch(() => null);
  if (!r?.ok || !(r.headers.get('content-type') ?? '').includes('json')) return null;
  const j = (await r.json().catch(() => null)) as ShippedManifest | null;
  return j && Array.isArray(j.images) ? j : null;
}

const SAFE_NAME = /^[\w][\w.-]*$/;

/** The manifest's images fetched as blobs (8 at a time), in manifest order. */
export async function shippedSet(
  modelId: string,
  manifest: ShippedManifest,
  classes: number,
  onProgress: (done: number, total: number) => void,
): Promise<EvalSet> {
  const skipped: EvalSet['skipped'] = [];
  const wanted: { file: string; label: number; at: number }[] = [];
  manifest.images.forEach((e, at) => {
    const file = typeof e?.file === 'string' ? e.file : String(e?.file);
    if (!SAFE_NAME.test(file)) skipped.push({ name: file, reason: 'not a plain file name in the set folder' });
    else if (!Number.isInteger(e.label_index) || e.label_index < 0 || e.label_index >= classes)
      skipped.push({ name: file, reason: `label_index ${String(e.label_index)} is not a class of this model (0..${classes - 1})` });
    else wanted.push({ file, label: e.label_index, at });
  });
  const base = manifestUrl(modelId);
  const got: (EvalItem | null)[] = new Array(wanted.length).fill(null);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < wanted.length) {
      const i = next++;
      const w = wanted[i];
      try {
        const r = await fetch(new URL(w.file, base));
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        got[i] = { name: w.file, image: await r.blob(), label: w.label };
      } catch (e) {
        skipped.push({ name: w.file, reason: `could not be fetched (${e instanceof Error ? e.message : String(e)})` });
      }
      onProgress(++done, wanted.length);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const items = got.filter((x): x is EvalItem => x !== null);
  return { name: `shipped subset of ${modelId}${manifest.set ? `: ${manifest.set}` : ''}`, items, skipped };
}

export interface PathFile {
  path: string;
  file: File;
}

/** Files of a picked folder (<input webkitdirectory>): paths relative to the folder chosen. */
export const pickedFiles = (list: FileList): PathFile[] =>
  Array.from(list, (file) => ({ path: file.webkitRelativePath || file.name, file }));

/** Files of dropped folders and files, recursively (FileSystemEntry API). */
export async function droppedFiles(items: DataTransferItemList): Promise<PathFile[]> {
  const entries = Array.from(items, (it) => it.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const out: PathFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    const path = prefix + entry.name;
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ path, file });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej)); // at most 100 per call
      if (!batch.length) break;
      for (const e of batch) await walk(e, `${path}/`);
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}

/** A folder's files labelled for this model, or the reason it cannot be (src/engine/labelledSet.ts). */
export async function folderSet(files: PathFile[], labels: readonly string[]): Promise<EvalSet> {
  const csv = files.find((f) => isLabelsFile(f.path));
  const syn = files.find((f) => isSynsetFile(f.path));
  const labelled = labelFolder(
    files.map((f) => f.path),
    labels,
    { csv: csv && { path: csv.path, text: await csv.file.text() }, synsets: syn && { path: syn.path, text: await syn.file.text() } },
  );
  if ('error' in labelled) throw new Error(labelled.error);
  const byPath = new Map(files.map((f) => [f.path, f.file]));
  const top = files[0]?.path.split('/')[0] ?? 'folder';
  return {
    name: `folder ${top} (${files.length} files)`,
    items: labelled.items.map((it) => ({ name: it.path, image: byPath.get(it.path)!, label: it.label })),
    skipped: labelled.skipped.map((s) => ({ name: s.path, reason: s.reason })),
    how: labelled.how,
  };
}
