import { describe, expect, it } from 'vitest';
import { labelFolder, parseLabelsCsv, parseSynsetList, wnidIndex, type LabelledSet } from '../labelledSet.ts';

const LABELS = ['tench', 'goldfish', 'great white shark'];
const WNIDS = ['n01440764', 'n01443537', 'n01484850'];
const SYNSETS = 'n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\nn01484850 great white shark\n';

const ok = (r: LabelledSet | { error: string }): LabelledSet => {
  if ('error' in r) throw new Error(r.error);
  return r;
};

describe('ImageNet val layout', () => {
  it('maps WordNet-id folders through the synset list and lists every file it does not use', () => {
    const paths = [
      'val/n01443537/a.JPEG',
      'val/n01484850/b.jpg',
      'val/n01440764/c.png',
      'val/n09999999/d.jpg',
      'val/loose.jpg',
      'val/n01440764/notes.txt',
      'val/LOC_synset_mapping.txt',
    ];
    const r = ok(labelFolder(paths, LABELS, { synsets: { path: 'val/LOC_synset_mapping.txt', text: SYNSETS } }));
    expect(r.items).toEqual([
      { path: 'val/n01443537/a.JPEG', label: 1 },
      { path: 'val/n01484850/b.jpg', label: 2 },
      { path: 'val/n01440764/c.png', label: 0 },
    ]);
    expect(r.skipped).toEqual([
      { path: 'val/n01440764/notes.txt', reason: 'not an image file (by its extension)' },
      { path: 'val/n09999999/d.jpg', reason: 'n09999999 is not a class of this model' },
      { path: 'val/loose.jpg', reason: 'not inside a WordNet-id folder' },
    ]);
    expect(r.how).toMatch(/synset list/);
  });

  it('uses sorted wnid order when every class has its folder, and says what is missing otherwise', () => {
    const all = ok(labelFolder(['n01484850/x.jpg', 'n01440764/y.jpg', 'n01443537/z.jpg'], LABELS, {}));
    expect(all.items.map((i) => i.label)).toEqual([2, 0, 1]);
    expect(all.how).toMatch(/sorted order/);
    const some = labelFolder(['n01484850/x.jpg', 'n01440764/y.jpg'], LABELS, {});
    expect('error' in some && some.error).toMatch(
      /class names without WordNet ids.*2 of its 3 class folders.*LOC_synset_mapping\.txt.*labels file/s,
    );
  });

  it('reads wnids at the start of the labels, and refuses a synset list of the wrong length', () => {
    const withIds = WNIDS.map((w, i) => `${w} ${LABELS[i]}`);
    expect(ok(labelFolder(['n01484850/x.jpg'], withIds, {})).items).toEqual([{ path: 'n01484850/x.jpg', label: 2 }]);
    expect(wnidIndex(LABELS, WNIDS, WNIDS.slice(0, 2))).toEqual({ error: expect.stringMatching(/2 lines but the model has 3 classes/) });
    expect(parseSynsetList('tench\n')).toBeNull();
    expect(labelFolder(['n01484850/x.jpg', 's.txt'], LABELS, { synsets: { path: 's.txt', text: 'not a list' } })).toEqual({
      error: expect.stringMatching(/not a synset list/),
    });
  });

  it('names the problem when there are no images or no wnid folders', () => {
    expect(labelFolder(['a.txt'], LABELS, {})).toEqual({ error: expect.stringMatching(/no image files/) });
    expect(labelFolder(['cats/a.jpg'], LABELS, {})).toEqual({ error: expect.stringMatching(/no folder named by a WordNet id/) });
  });
});

describe('labels CSV', () => {
  it('parses file,label_index with an optional header and reports bad rows', () => {
    const { byFile, problems } = parseLabelsCsv('file,label_index\nimgs/a.png,1\n"b.png",0\nc.png,x\nd.png,7\n\n', 3);
    expect([...byFile]).toEqual([
      ['imgs/a.png', 1],
      ['b.png', 0],
    ]);
    expect(problems).toEqual(['line 4: "c.png,x" is not "file,label_index"', 'line 5: label_index 7 is outside 0..2']);
  });

  it('labels files by path inside the folder or bare name, and lists the unlisted ones', () => {
    const csv = { path: 'set/labels.csv', text: 'imgs/a.png,1\nb.png,2\n' };
    const r = ok(labelFolder(['set/imgs/a.png', 'set/other/b.png', 'set/c.png', 'set/labels.csv'], LABELS, { csv }));
    expect(r.items).toEqual([
      { path: 'set/imgs/a.png', label: 1 },
      { path: 'set/other/b.png', label: 2 },
    ]);
    expect(r.skipped).toEqual([{ path: 'set/c.png', reason: 'not listed in set/labels.csv' }]);
    expect(labelFolder(['a.png', 'l.csv'], LABELS, { csv: { path: 'l.csv', text: 'file,label\n' } })).toEqual({
      error: expect.stringMatching(/no "file,label_index" rows/),
    });
  });
});
