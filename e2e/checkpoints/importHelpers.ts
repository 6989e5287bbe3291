import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';

/** Shared by the checkpoint e2e specs (issue 11): files from make_checkpoints.py, pick, save, compare. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OUT = `${ROOT}.cache/e2e-checkpoints/`;
export const TOLERANCE = 1e-4;

export interface Expected {
  rho: number;
  keep_counts: number[];
  files: string[];
  dynamicvit: { logits: number[]; kept_positions: number[][] };
  deit: { logits: number[] };
}

export interface Saved {
  image: string;
  rho: number;
  backend: string;
  dynamicvit: {
    model: string;
    logits: number[];
    kept_positions: number[][];
    top5: { index: number; label: string; probability: number }[];
  };
  deit: { model: string; logits: number[] };
}

/** Random official-format files of these archs and the Python export's outputs on them (cached in .cache/). */
export function makeCheckpoints(...archs: string[]): void {
  execFileSync(`${ROOT}.venv/bin/python`, [`${ROOT}e2e/checkpoints/make_checkpoints.py`, OUT, ...archs], {
    stdio: 'inherit',
    timeout: 900_000,
  });
}

export const readExpected = (arch: string): Expected => JSON.parse(readFileSync(`${OUT}${arch}/expected.json`, 'utf8')) as Expected;

export const maxAbsDiff = (a: number[], b: number[]): number =>
  a.length === b.length ? Math.max(...a.map((v, i) => Math.abs(v - b[i]))) : Infinity;

export async function importCheckpoints(page: Page, files: string[]): Promise<void> {
  await page.getByTestId('checkpoint-input').setInputFiles(files);
  await expect(page.getByTestId('checkpoint-rho')).toHaveValue('0.7'); // asked, 0.7 preselected
  await page.getByTestId('checkpoint-load').click();
}

export async function saveResult(page: Page): Promise<Saved> {
  const download = page.waitForEvent('download');
  await page.getByTestId('save-result').click();
  return JSON.parse(readFileSync(await (await download).path(), 'utf8')) as Saved;
}

/** The saved result equals the Python export: logits within TOLERANCE, kept sets identical per stage. */
export function expectPythonResult(saved: Saved, expected: Expected): { dvitDiff: number; deitDiff: number } {
  expect(saved.rho).toBe(expected.rho);
  const dvitDiff = maxAbsDiff(saved.dynamicvit.logits, expected.dynamicvit.logits);
  const deitDiff = maxAbsDiff(saved.deit.logits, expected.deit.logits);
  expect(dvitDiff, 'DynamicViT logits vs the Python export').toBeLessThanOrEqual(TOLERANCE);
  expect(deitDiff, 'DeiT logits vs the Python export').toBeLessThanOrEqual(TOLERANCE);
  const sorted = (xs: number[][]) => xs.map((s) => [...s].sort((a, b) => a - b));
  expect(sorted(saved.dynamicvit.kept_positions)).toEqual(sorted(expected.dynamicvit.kept_positions));
  expect(saved.dynamicvit.top5).toHaveLength(5);
  return { dvitDiff, deitDiff };
}
