import { CheckpointError } from './errors.ts';
import { describeProblems, problemCount, stateDictProblems, type StateDictEntry, type StateDictProblems } from './stateDictSpec.ts';
import type { Tensor } from './tensors.ts';

/** What the page knows of a weightless template: its card's family, names and expected state dict. */
export interface TemplateInfo {
  id: string;
  family: 'dynamicvit' | 'deit';
  /** e.g. "DynamicViT-DeiT-S" or "DeiT-S (teacher)" */
  title: string;
  /** id of the other template of the pair (the DynamicViT's full twin, or the teacher's DynamicViT) */
  twin: string;
  stateDict: StateDictEntry[];
}

export interface DroppedCheckpoint {
  fileName: string;
  tensors: ReadonlyMap<string, Tensor>;
}

export interface PairPlan {
  dynamicvit: { file: DroppedCheckpoint; template: TemplateInfo };
  /** fromDynamicViT: no teacher file was dropped; the twin runs the DynamicViT's own backbone weights */
  deit: { file: DroppedCheckpoint; template: TemplateInfo; fromDynamicViT: boolean };
}

/** The template a checkpoint matches exactly, or the closest one with every difference to it. */
export function identify(
  file: DroppedCheckpoint,
  templates: readonly TemplateInfo[],
): { template: TemplateInfo; problems: StateDictProblems } {
  if (templates.length === 0) throw new CheckpointError('no model templates are available');
  let best: { template: TemplateInfo; problems: StateDictProblems } | undefined;
  for (const template of templates) {
    const problems = stateDictProblems(file.tensors, template.stateDict);
    if (!best || problemCount(problems) < problemCount(best.problems)) best = { template, problems };
  }
  return best as { template: TemplateInfo; problems: StateDictProblems };
}

/**
 * Which dropped file is the DynamicViT and which its full twin, each matched strictly to a template.
 * One DynamicViT file alone is enough when its backbone weights fit the twin (no teacher file needed).
 */
export function planPair(files: readonly DroppedCheckpoint[], templates: readonly TemplateInfo[]): PairPlan {
  if (files.length === 0 || files.length > 2) {
    throw new CheckpointError(`drop one DynamicViT checkpoint and, optionally, its teacher: ${files.length} files were given`);
  }
  const found = files.map((file) => {
    const { template, problems } = identify(file, templates);
    if (problemCount(problems))
      throw new CheckpointError(describeProblems(`${file.fileName} (closest model: ${template.title})`, problems));
    return { file, template };
  });
  const dynamicvit = found.filter((f) => f.template.family === 'dynamicvit');
  const full = found.filter((f) => f.template.family === 'deit');
  if (dynamicvit.length === 0) {
    const names = full.map((f) => `${f.file.fileName} is ${f.template.title}`).join('; ');
    throw new CheckpointError(
      `${names}: a full model without token pruning. The DynamicViT checkpoint (with the score predictors) is missing`,
    );
  }
  if (dynamicvit.length === 2) {
    throw new CheckpointError(
      `both files are DynamicViT checkpoints (${found.map((f) => `${f.file.fileName}: ${f.template.title}`).join('; ')}); drop one DynamicViT and its teacher`,
    );
  }
  const dvit = dynamicvit[0];
  const twinTemplate = templates.find((t) => t.id === dvit.template.twin);
  if (!twinTemplate) throw new CheckpointError(`no full-model template for ${dvit.template.title}`);
  if (full.length === 1) {
    if (full[0].template.id !== twinTemplate.id) {
      throw new CheckpointError(
        `${full[0].file.fileName} is ${full[0].template.title}, not the teacher of ${dvit.file.fileName} (${dvit.template.title}, teacher ${twinTemplate.title})`,
      );
    }
    return { dynamicvit: dvit, deit: { ...full[0], fromDynamicViT: false } };
  }
  const backbone = stateDictProblems(dvit.file.tensors, twinTemplate.stateDict);
  if (backbone.missing.length || backbone.mismatched.length) {
    throw new CheckpointError(
      describeProblems(`${dvit.file.fileName} as the backbone of ${twinTemplate.title}`, { ...backbone, unexpected: [] }),
    );
  }
  return { dynamicvit: dvit, deit: { file: dvit.file, template: twinTemplate, fromDynamicViT: true } };
}
