import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.ts';
import { planPair, type DroppedCheckpoint, type TemplateInfo } from '../pairPlan.ts';
import type { StateDictEntry } from '../stateDictSpec.ts';
import type { Tensor } from '../tensors.ts';

// small stand-ins for the template cards' state dicts: two widths, a predictor only in the DynamicViT
const backbone = (width: number): StateDictEntry[] => [
  { name: 'cls_token', dtype: 'float32', shape: [1, 1, width] },
  { name: 'blocks.0.attn.qkv.weight', dtype: 'float32', shape: [3 * width, width] },
  { name: 'head.weight', dtype: 'float32', shape: [10, width] },
];
const predictor = (width: number): StateDictEntry[] => [
  { name: 'score_predictor.0.in_conv.1.weight', dtype: 'float32', shape: [width, width] },
];
const TEMPLATES: TemplateInfo[] = [
  { id: 'dvit-s', family: 'dynamicvit', title: 'DynamicViT-DeiT-S', twin: 'deit-s', stateDict: [...backbone(8), ...predictor(8)] },
  { id: 'deit-s', family: 'deit', title: 'DeiT-S (teacher)', twin: 'dvit-s', stateDict: backbone(8) },
  { id: 'dvit-m', family: 'dynamicvit', title: 'DynamicViT-LV-ViT-M', twin: 'lvvit-m', stateDict: [...backbone(16), ...predictor(16)] },
  { id: 'lvvit-m', family: 'deit', title: 'LV-ViT-M (teacher)', twin: 'dvit-m', stateDict: backbone(16) },
];

function file(fileName: string, entries: StateDictEntry[]): DroppedCheckpoint {
  const tensors = new Map<string, Tensor>(
    entries.map((e) => [e.name, { dtype: 'float32', shape: e.shape, data: new Float32Array(e.shape.reduce((a, b) => a * b, 1)) }]),
  );
  return { fileName, tensors };
}
const DVIT_S = file('dynamicvit_70.pth', [...backbone(8), ...predictor(8)]);
const DEIT_S = file('deit_small.pth', backbone(8));
const LVVIT_M = file('lvvit_m.pth', backbone(16));

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as Error).message;
  }
  throw new Error('expected a CheckpointError');
}

describe('planPair', () => {
  it('pairs a DynamicViT file with its teacher, in either order', () => {
    for (const files of [
      [DVIT_S, DEIT_S],
      [DEIT_S, DVIT_S],
    ]) {
      const plan = planPair(files, TEMPLATES);
      expect(plan.dynamicvit.file.fileName).toBe('dynamicvit_70.pth');
      expect(plan.dynamicvit.template.id).toBe('dvit-s');
      expect(plan.deit.file.fileName).toBe('deit_small.pth');
      expect(plan.deit.template.id).toBe('deit-s');
      expect(plan.deit.fromDynamicViT).toBe(false);
    }
  });
  it('runs the twin from the DynamicViT file when no teacher is dropped', () => {
    const plan = planPair([DVIT_S], TEMPLATES);
    expect(plan.deit.template.id).toBe('deit-s');
    expect(plan.deit.fromDynamicViT).toBe(true);
    expect(plan.deit.file).toBe(DVIT_S);
  });
  it('says so when a teacher file is dropped as both files, or alone', () => {
    expect(messageOf(() => planPair([DEIT_S, DEIT_S], TEMPLATES))).toBe(
      'deit_small.pth is DeiT-S (teacher); deit_small.pth is DeiT-S (teacher): a full model without token pruning. The DynamicViT checkpoint (with the score predictors) is missing',
    );
    expect(messageOf(() => planPair([DEIT_S], TEMPLATES))).toMatch(
      /^deit_small\.pth is DeiT-S \(teacher\): .*DynamicViT checkpoint .* is missing/,
    );
  });
  it('refuses two DynamicViT files and a teacher of another arch', () => {
    expect(messageOf(() => planPair([DVIT_S, DVIT_S], TEMPLATES))).toMatch(/^both files are DynamicViT checkpoints/);
    expect(messageOf(() => planPair([DVIT_S, LVVIT_M], TEMPLATES))).toBe(
      'lvvit_m.pth is LV-ViT-M (teacher), not the teacher of dynamicvit_70.pth (DynamicViT-DeiT-S, teacher DeiT-S (teacher))',
    );
  });
  it('names missing, unexpected and mismatched keys in one message, against the closest template', () => {
    const broken = file('broken.pth', [
      ...backbone(8).filter((e) => e.name !== 'head.weight'),
      { name: 'score_predictor.0.in_conv.1.weight', dtype: 'float32', shape: [8, 4] },
      { name: 'extra.bias', dtype: 'float32', shape: [3] },
    ]);
    expect(messageOf(() => planPair([broken], TEMPLATES))).toBe(
      [
        'broken.pth (closest model: DynamicViT-DeiT-S) does not match the model:',
        'missing keys (1): head.weight',
        'unexpected keys (1): extra.bias',
        'mismatched shapes (1): score_predictor.0.in_conv.1.weight: checkpoint [8, 4] vs model [8, 8]',
      ].join('\n'),
    );
  });
  it('refuses no files and more than two', () => {
    expect(messageOf(() => planPair([], TEMPLATES))).toMatch(/0 files were given/);
    expect(messageOf(() => planPair([DVIT_S, DEIT_S, LVVIT_M], TEMPLATES))).toMatch(/3 files were given/);
  });
});
