import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { identify, planPair, type DroppedCheckpoint, type TemplateInfo } from '../pairPlan.ts';
import { parseTemplateCard, parseTemplateIndex, templatePair } from '../templateCard.ts';
import type { Tensor } from '../tensors.ts';

const TEMPLATES = fileURLToPath(new URL('../../../../public/templates/', import.meta.url));
const readJson = (path: string): unknown => JSON.parse(readFileSync(`${TEMPLATES}${path}`, 'utf8'));

const index = parseTemplateIndex(readJson('index.json'));
const templates: TemplateInfo[] = index.templates.flatMap((t) =>
  templatePair(t.path, {
    dynamicvit: parseTemplateCard(readJson(`${t.path}/dynamicvit.json`), 'dynamicvit', `${t.path}/dynamicvit.json`),
    deit: parseTemplateCard(readJson(`${t.path}/deit.json`), 'deit', `${t.path}/deit.json`),
  }),
);

/** A checkpoint with exactly a template's keys, dtypes and shapes (values are irrelevant to matching). */
function checkpointLike(t: TemplateInfo, fileName: string): DroppedCheckpoint {
  const tensors = new Map<string, Tensor>(
    t.stateDict.map((e) => [
      e.name,
      e.dtype === 'float32'
        ? { dtype: e.dtype, shape: e.shape, data: new Float32Array(0) }
        : { dtype: e.dtype, shape: e.shape, data: new BigInt64Array(0) },
    ]),
  );
  return { fileName, tensors };
}

describe('committed templates (public/templates)', () => {
  it('are valid schema-2 cards with a template block, two per arch', () => {
    expect(templates.length).toBe(2 * index.templates.length);
    expect(index.templates.map((t) => t.arch)).toEqual(['deit-256', 'deit-s', 'deit-b', 'lvvit-s', 'lvvit-m']);
  });
  it('identify every release file unambiguously: each state dict matches its own template only', () => {
    for (const t of templates) {
      const found = identify(checkpointLike(t, 'x.pth'), templates);
      expect(found.template.id).toBe(t.id);
      expect(found.problems).toEqual({ missing: [], unexpected: [], mismatched: [] });
      const others = templates.filter((o) => o.id !== t.id).map((o) => identify(checkpointLike(t, 'x.pth'), [o]).problems);
      for (const p of others) expect(p.missing.length + p.unexpected.length + p.mismatched.length).toBeGreaterThan(0);
    }
  });
  it('pair each DynamicViT with its own teacher, and the teacher can also come from the DynamicViT file', () => {
    for (const dvit of templates.filter((t) => t.family === 'dynamicvit')) {
      const teacher = templates.find((t) => t.id === dvit.twin) as TemplateInfo;
      const plan = planPair([checkpointLike(teacher, 'teacher.pth'), checkpointLike(dvit, 'dynamicvit.pth')], templates);
      expect([plan.dynamicvit.template.id, plan.deit.template.id]).toEqual([dvit.id, teacher.id]);
      expect(planPair([checkpointLike(dvit, 'dynamicvit.pth')], templates).deit).toMatchObject({
        fromDynamicViT: true,
        template: { id: teacher.id },
      });
    }
  });
});
