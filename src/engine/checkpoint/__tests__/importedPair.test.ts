import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { externalDataFiles } from '../externalData.ts';
import { importedCards } from '../importedCards.ts';
import { planPair, type DroppedCheckpoint, type PairPlan, type TemplateInfo } from '../pairPlan.ts';
import { readCheckpoint } from '../readCheckpoint.ts';
import { parseTemplateCard, parseTemplateIndex, templatePair, type TemplateCard } from '../templateCard.ts';

/**
 * The whole import chain outside the browser: official-format DeiT-256 files (random weights, written by
 * e2e/checkpoints/make_checkpoints.py) -> readCheckpoint -> planPair -> the committed weightless templates
 * fed through onnxruntime-web's `externalData` option (its node build, wasm) -> the same logits and kept
 * sets as the Python export of the same files (models/export.py, onnxruntime CPU).
 */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TEMPLATES = `${ROOT}public/templates/`;
const OUT = `${ROOT}.cache/e2e-checkpoints/`;
const ARCH = 'deit-256';
const TOLERANCE = 1e-4;

interface Expected {
  rho: number;
  keep_counts: number[];
  files: string[];
  dynamicvit: { logits: number[]; kept_positions: number[][] };
  deit: { logits: number[] };
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
let expected: Expected;
let files: DroppedCheckpoint[];
let infos: TemplateInfo[];
const cards = new Map<string, { dynamicvit: TemplateCard; deit: TemplateCard }>();

beforeAll(() => {
  execFileSync(`${ROOT}.venv/bin/python`, [`${ROOT}e2e/checkpoints/make_checkpoints.py`, OUT, ARCH], { stdio: 'inherit' });
  expected = readJson(`${OUT}${ARCH}/expected.json`) as Expected;
  files = expected.files.map((f) => {
    const b = readFileSync(`${OUT}${ARCH}/${f}`);
    return { fileName: f, tensors: readCheckpoint(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).tensors };
  });
  const index = parseTemplateIndex(readJson(`${TEMPLATES}index.json`));
  infos = index.templates.flatMap((t) => {
    const pair = {
      dynamicvit: parseTemplateCard(readJson(`${TEMPLATES}${t.path}/dynamicvit.json`), 'dynamicvit', t.path),
      deit: parseTemplateCard(readJson(`${TEMPLATES}${t.path}/deit.json`), 'deit', t.path),
    };
    cards.set(t.path, pair);
    return templatePair(t.path, pair);
  });
  ort.env.wasm.numThreads = 1;
}, 300_000);

async function run(plan: PairPlan, family: 'dynamicvit' | 'deit', counts: number[]) {
  const side = plan[family];
  const graph = readFileSync(`${TEMPLATES}${ARCH}/${family}.onnx`);
  const session = await ort.InferenceSession.create(graph, {
    executionProviders: ['wasm'],
    externalData: externalDataFiles(
      side.file.tensors,
      side.template.stateDict.map((e) => e.name),
    ),
  });
  const x = new Float32Array(readFileSync(`${OUT}${ARCH}/input.bin`).buffer.slice(0));
  const feeds: Record<string, ort.Tensor> = { pixel_values: new ort.Tensor('float32', x, [1, 3, 224, 224]) };
  if (family === 'dynamicvit')
    counts.forEach((k, i) => (feeds[`keep_count_stage${i + 1}`] = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1])));
  const out = await session.run(feeds);
  await session.release();
  const kept = counts.map((_, i) => [...(out[`kept_positions_stage${i + 1}`].data as Int32Array)].sort((a, b) => a - b));
  return { logits: [...(out.logits.data as Float32Array)], kept };
}

const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

describe(`imported ${ARCH} pair through the committed templates (onnxruntime-web wasm, node)`, () => {
  it('gives the Python export logits and kept sets, for the DynamicViT and its teacher', async () => {
    const plan = planPair(files, infos);
    expect([plan.dynamicvit.template.id, plan.deit.template.id]).toEqual([`${ARCH}/dynamicvit`, `${ARCH}/deit`]);
    const imported = importedCards(plan, cards.get(ARCH)!, expected.rho);
    expect(imported.dynamicvit.pruning!.keep_counts_at_trained_ratio).toEqual(expected.keep_counts);
    const dvit = await run(plan, 'dynamicvit', expected.keep_counts);
    expect(dvit.logits).toHaveLength(expected.dynamicvit.logits.length);
    expect(maxAbsDiff(dvit.logits, expected.dynamicvit.logits)).toBeLessThanOrEqual(TOLERANCE);
    expect(dvit.kept).toEqual(expected.dynamicvit.kept_positions.map((s) => [...s].sort((a, b) => a - b)));
    const deit = await run(plan, 'deit', []);
    expect(maxAbsDiff(deit.logits, expected.deit.logits)).toBeLessThanOrEqual(TOLERANCE);
  }, 120_000);

  it('without the teacher file, runs the twin on the DynamicViT file backbone (here the same weights)', async () => {
    const plan = planPair([files[0]], infos);
    expect(plan.deit.fromDynamicViT).toBe(true);
    const deit = await run(plan, 'deit', []);
    expect(maxAbsDiff(deit.logits, expected.deit.logits)).toBeLessThanOrEqual(TOLERANCE);
  }, 120_000);
});
