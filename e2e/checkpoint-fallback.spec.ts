import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { caption, dropImage, waitReady, watchErrors } from './helpers.ts';
import { chromiumMemory } from './processMemory.ts';

/**
 * Issue 11: official checkpoints straight into the page. Random official-format files of a release arch
 * (e2e/checkpoints/make_checkpoints.py: {"model": sd} as released) are picked as downloaded; the page reads
 * them in its worker, fills the weightless template with their tensors and must give what the Python
 * export of the same files gives (logits <= 1e-4, kept sets identical), read from "Save result".
 * wasm project: DeiT-S is far too slow on software WebGPU.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${ROOT}.cache/e2e-checkpoints/`;
const ARCH = 'deit-s';
const TOLERANCE = 1e-4;

interface Expected {
  rho: number;
  keep_counts: number[];
  files: string[];
  dynamicvit: { logits: number[]; kept_positions: number[][] };
  deit: { logits: number[] };
}
interface Saved {
  image: string;
  rho: number;
  backend: string;
  dynamicvit: { model: string; logits: number[]; kept_positions: number[][]; top5: { index: number; label: string; probability: number }[] };
  deit: { model: string; logits: number[] };
}

test.beforeAll(() => {
  execFileSync(`${ROOT}.venv/bin/python`, [`${ROOT}e2e/checkpoints/make_checkpoints.py`, OUT, ARCH], { stdio: 'inherit', timeout: 600_000 });
});

const maxAbsDiff = (a: number[], b: number[]) => (a.length === b.length ? Math.max(...a.map((v, i) => Math.abs(v - b[i]))) : Infinity);

async function saveResult(page: Page): Promise<Saved> {
  const download = page.waitForEvent('download');
  await page.getByTestId('save-result').click();
  return JSON.parse(readFileSync(await (await download).path(), 'utf8')) as Saved;
}

async function importCheckpoints(page: Page, files: string[]): Promise<void> {
  await page.getByTestId('checkpoint-input').setInputFiles(files);
  await expect(page.getByTestId('checkpoint-rho')).toHaveValue('0.7'); // asked, 0.7 preselected
  await page.getByTestId('checkpoint-load').click();
}

test('a DeiT-S release pair, picked as downloaded, gives the Python export result', async ({ page }) => {
  const pageErrors = await watchErrors(page);
  const dir = `${OUT}${ARCH}/`;
  const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as Expected;
  await page.goto('/?model=fixture-tiny&backend=wasm');
  await waitReady(page);
  const before = chromiumMemory();

  const t0 = Date.now();
  await importCheckpoints(page, expected.files.map((f) => `${dir}${f}`));
  await expect(page.getByTestId('checkpoint-progress')).toBeVisible();
  await expect(page.getByTestId('model-name')).toContainText('dynamicvit_70.pth', { timeout: 600_000 });
  const readyMs = Date.now() - t0;
  const after = chromiumMemory();
  await expect(page.getByTestId('model-arch')).toHaveAttribute('data-arch', ARCH);

  await dropImage(page, readFileSync(`${dir}input.bin`), 'input.bin', 'application/octet-stream');
  await expect(caption(page)).toContainText('raw tensor');
  for (const [i, k] of expected.keep_counts.entries()) await expect(page.getByTestId(`kept-count-stage${i + 1}`)).toHaveText(String(k));
  const saved = await saveResult(page);
  expect(saved.backend).toBe('wasm');
  expect(saved.rho).toBe(expected.rho);
  const dvitDiff = maxAbsDiff(saved.dynamicvit.logits, expected.dynamicvit.logits);
  const deitDiff = maxAbsDiff(saved.deit.logits, expected.deit.logits);
  expect(dvitDiff, 'DynamicViT logits vs the Python export').toBeLessThanOrEqual(TOLERANCE);
  expect(deitDiff, 'DeiT logits vs the Python export').toBeLessThanOrEqual(TOLERANCE);
  const sorted = (xs: number[][]) => xs.map((s) => [...s].sort((a, b) => a - b));
  expect(sorted(saved.dynamicvit.kept_positions)).toEqual(sorted(expected.dynamicvit.kept_positions));
  expect(saved.dynamicvit.top5).toHaveLength(5);
  console.log(
    `[checkpoint] ${ARCH} pair on wasm: pick-to-ready ${readyMs} ms; renderer RSS ${(before.rendererBytes / 2 ** 20).toFixed(0)} -> ` +
      `${(after.rendererBytes / 2 ** 20).toFixed(0)} MiB (peak ${(after.rendererPeakBytes / 2 ** 20).toFixed(0)} MiB); logits max |diff| ` +
      `DynamicViT ${dvitDiff.toExponential(2)}, DeiT ${deitDiff.toExponential(2)}`,
  );

  // stored in the browser: listed after a reload, loads again from there, and can be removed
  await expect(page.getByTestId('imported-pair')).toHaveCount(1);
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('imported-pair')).toHaveCount(1);
  await page.getByTestId('imported-load').click();
  await expect(page.getByTestId('model-name')).toContainText('dynamicvit_70.pth', { timeout: 600_000 });
  await page.getByTestId('imported-remove').click();
  await expect(page.getByTestId('imported-pair')).toHaveCount(0);
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('imported-pair')).toHaveCount(0);
  expect(await pageErrors()).toEqual([]);
});

test('hostile files each give their own message, and the loaded model keeps working', async ({ page }) => {
  const pageErrors = await watchErrors(page);
  const dir = `${OUT}hostile/`;
  const teacher = `${OUT}${ARCH}/${ARCH}-teacher.pth`;
  await page.goto('/?model=fixture-tiny&backend=wasm');
  await waitReady(page);
  const cases: [string[], RegExp][] = [
    [[`${dir}truncated.pth`], /truncated\.pth: the zip archive is damaged or truncated/],
    [[`${dir}foreign-global.pth`], /foreign-global\.pth: refused: .*"posix\.system"/],
    [[teacher, teacher], /DeiT-S.*a full model without token pruning\. The DynamicViT checkpoint .* is missing/],
    [[`${dir}not-a-checkpoint.pth`], /not-a-checkpoint\.pth: a zip archive, but not a PyTorch checkpoint/],
    [[`${dir}empty.pth`], /empty\.pth: the file is empty \(0 bytes\)/],
  ];
  for (const [files, message] of cases) {
    await importCheckpoints(page, files);
    await expect(page.getByTestId('error')).toContainText(message);
    await expect(page.getByTestId('error')).toContainText('is still loaded and working');
    await expect(page.getByTestId('model-name')).toContainText('fixture');
  }
  await dropImage(page, readFileSync(`${ROOT}tests/fixtures/preprocess/landscape_300x200.png`), 'landscape.png');
  await expect(page.getByTestId('top5-dynamicvit').locator('li')).toHaveCount(5);
  expect(await pageErrors()).toEqual([]);
});
