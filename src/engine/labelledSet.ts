/**
 * A user's evaluation set to (file, label index) pairs. Two layouts:
 *  - ImageNet val: one folder per WordNet id (".../n01440764/ILSVRC2012_val_00000293.JPEG"). The card's labels
 *    are class names, so wnids map to indices through, in order: wnids at the start of the labels themselves,
 *    a synset list among the files (LOC_synset_mapping.txt: one "n01440764 tench, ..." line per class, in class
 *    order), or, when the folder has exactly one folder per class, sorted wnid order (torchvision ImageFolder's
 *    order, which is ImageNet-1k's class order);
 *  - a labels file among the files: CSV "file,label_index" (header optional; file = path inside the folder or
 *    bare file name).
 * Every file that does not end up labelled is listed with the reason: nothing is dropped silently.
 */

export interface LabelledFile {
  path: string;
  label: number;
}

export interface LabelledSet {
  items: LabelledFile[];
  /** files that are not evaluated, with why */
  skipped: { path: string; reason: string }[];
  /** how the labels were found, for the page */
  how: string;
}

const IMAGE_EXT = /\.(jpe?g|png|webp|bmp|gif|avif)$/i;
const WNID = /^n\d{8}$/;
const LABELS_CSV = /(^|\/)[^/]*labels?[^/]*\.csv$/i;
const SYNSETS = /(^|\/)(LOC_synset_mapping|synsets?|synset_words|wnids)\.txt$/i;

export const isImageName = (path: string): boolean => IMAGE_EXT.test(path);
export const isLabelsFile = (path: string): boolean => LABELS_CSV.test(path) || /\.csv$/i.test(path);
export const isSynsetFile = (path: string): boolean => SYNSETS.test(path);

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const parentName = (p: string): string => {
  const parts = p.split('/');
  return parts.length >= 2 ? parts[parts.length - 2] : '';
};

/** CSV "file,label_index" rows; a first row whose label is not a number is a header. */
export function parseLabelsCsv(text: string, numClasses: number): { byFile: Map<string, number>; problems: string[] } {
  const byFile = new Map<string, number>();
  const problems: string[] = [];
  let first = true;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const isFirst = first;
    first = false;
    const comma = line.lastIndexOf(',');
    const file = (comma < 0 ? line : line.slice(0, comma)).trim().replace(/^"(.*)"$/, '$1');
    const cell = comma < 0 ? '' : line.slice(comma + 1).trim();
    const label = /^\d+$/.test(cell) ? Number(cell) : NaN;
    if (Number.isNaN(label)) {
      if (isFirst) return; // a header
      problems.push(`line ${i + 1}: "${line.slice(0, 80)}" is not "file,label_index"`);
      return;
    }
    if (label >= numClasses) problems.push(`line ${i + 1}: label_index ${label} is outside 0..${numClasses - 1}`);
    else byFile.set(file.replace(/^\.?\//, ''), label);
  });
  return { byFile, problems };
}

/** The wnids of a synset list (one per line, first word), or null when some line has none. */
export function parseSynsetList(text: string): string[] | null {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const wnids = lines.map((l) => l.split(/[\s,]+/)[0]);
  return wnids.length && wnids.every((w) => WNID.test(w)) ? wnids : null;
}

/** wnid -> label index, or the reason none can be made (naming what to add). */
export function wnidIndex(
  labels: readonly string[],
  folderWnids: readonly string[],
  synsets: string[] | null,
): { index: Map<string, number>; how: string } | { error: string } {
  const n = labels.length;
  const inLabels = labels.map((l) => l.trim().split(/[\s,:]+/)[0]);
  if (inLabels.every((w) => WNID.test(w)))
    return { index: new Map(inLabels.map((w, i) => [w, i])), how: "WordNet ids at the start of the card's labels" };
  if (synsets) {
    if (synsets.length !== n)
      return {
        error: `the synset list has ${synsets.length} lines but the model has ${n} classes: it needs one "n01440764 name" line per class, in class order`,
      };
    return { index: new Map(synsets.map((w, i) => [w, i])), how: 'the synset list among the files (line number = class index)' };
  }
  const distinct = [...new Set(folderWnids)].sort();
  if (distinct.length === n)
    return {
      index: new Map(distinct.map((w, i) => [w, i])),
      how: `sorted order of the ${n} WordNet-id folders (ImageNet's class order, as torchvision's ImageFolder assigns it)`,
    };
  return {
    error:
      `the model's labels are class names without WordNet ids, and the folder has ${distinct.length} of its ${n} class folders, so folder names cannot be ` +
      `mapped to class indices. Add LOC_synset_mapping.txt (ImageNet's ${n} lines "n01440764 tench, Tinca tinca", in class order) to the folder, ` +
      'or drop all class folders, or add a labels file (CSV "file,label_index").',
  };
}

/**
 * Labels for the files of a dropped or picked folder. `texts` holds the contents of the labels CSV and synset
 * list found among `paths` (the caller reads them: file access is the page's job).
 */
export function labelFolder(
  paths: readonly string[],
  labels: readonly string[],
  texts: { csv?: { path: string; text: string }; synsets?: { path: string; text: string } },
): LabelledSet | { error: string } {
  const items: LabelledFile[] = [];
  const skipped: LabelledSet['skipped'] = [];
  const aux = new Set([texts.csv?.path, texts.synsets?.path].filter(Boolean));
  const images: string[] = [];
  for (const p of paths) {
    if (aux.has(p)) continue;
    if (isImageName(p)) images.push(p);
    else skipped.push({ path: p, reason: 'not an image file (by its extension)' });
  }
  if (!images.length) return { error: `no image files among the ${paths.length} files (JPEG, PNG, WebP, BMP, GIF or AVIF)` };

  if (texts.csv) {
    const { byFile, problems } = parseLabelsCsv(texts.csv.text, labels.length);
    if (!byFile.size)
      return { error: `${texts.csv.path} has no "file,label_index" rows${problems.length ? `: ${problems.slice(0, 3).join('; ')}` : ''}` };
    const byBase = new Map<string, number | null>();
    for (const [f, l] of byFile) {
      const b = baseName(f);
      byBase.set(b, byBase.has(b) && byBase.get(b) !== l ? null : l); // null: the bare name is ambiguous
    }
    const dir = texts.csv.path.slice(0, texts.csv.path.lastIndexOf('/') + 1);
    for (const p of images) {
      const rel = dir && p.startsWith(dir) ? p.slice(dir.length) : p;
      const l = byFile.get(rel) ?? byFile.get(p) ?? byBase.get(baseName(p));
      if (l === undefined) skipped.push({ path: p, reason: `not listed in ${texts.csv.path}` });
      else if (l === null) skipped.push({ path: p, reason: `${baseName(p)} appears in ${texts.csv.path} with different labels` });
      else items.push({ path: p, label: l });
    }
    const how = `labels file ${texts.csv.path}${problems.length ? ` (${problems.length} bad row${problems.length === 1 ? '' : 's'}: ${problems.slice(0, 2).join('; ')})` : ''}`;
    return { items, skipped, how };
  }

  const folderWnids = images.map(parentName).filter((w) => WNID.test(w));
  if (!folderWnids.length) {
    return {
      error:
        'no folder named by a WordNet id (n01440764, ...) and no labels file: use the ImageNet val layout (one folder per class) or add a CSV "file,label_index"',
    };
  }
  let synsets: string[] | null = null;
  if (texts.synsets) {
    synsets = parseSynsetList(texts.synsets.text);
    if (!synsets)
      return { error: `${texts.synsets.path} is not a synset list (every line must start with a WordNet id such as n01440764)` };
  }
  const map = wnidIndex(labels, folderWnids, synsets);
  if ('error' in map) return map;
  for (const p of images) {
    const w = parentName(p);
    if (!WNID.test(w)) skipped.push({ path: p, reason: 'not inside a WordNet-id folder' });
    else if (!map.index.has(w)) skipped.push({ path: p, reason: `${w} is not a class of this model` });
    else items.push({ path: p, label: map.index.get(w)! });
  }
  return { items, skipped, how: map.how };
}
