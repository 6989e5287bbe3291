import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { everyNth, top1 } from '../src/engine/curve.ts';
import { SHOTS, waitReady, watchErrors } from './helpers.ts';

/**
 * The page's Evaluate numbers on the shipped subset equal models/evaluate_curve.py's (public/eval/demo/
 * python-curve.json, onnxruntime CPU): per-image predicted classes exactly, hence top-1; GFLOPs exactly. Every
 * E2E_EVAL_EVERY-th image (default 8: 30 images x 25 runs on 2 shared cores; 1 = the whole subset).
 */
const MODEL = 'demo';
const EVERY = Number(process.env.E2E_EVAL_EVERY ?? 8);
const read = (p: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../public/eval/${MODEL}/${p}`, import.meta.url)), 'utf8')) as unknown;
const python = read('python-curve.json') as {
  curve: Record<string, Record<string, { top1: number; gflops: number; ms: number }>>;
  predictions: Record<string, Record<string, { top1: number[]; margin: number[] }>>;
};
const manifest = read('manifest.json') as { images: { file: string; label_index: number }[] };

async function downloadJson(page: Page, testid: string): Promise<unknown> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  return JSON.parse(readFileSync((await dl.path())!, 'utf8'));
}

test("Evaluate on the shipped subset: the page's predictions, top-1 and GFLOPs equal Python's", async ({ page }) => {
  const errors = await watchErrors(page);
  await page.goto(`/?model=${MODEL}&evalEvery=${EVERY}`);
  await waitReady(page);
  await expect(page.getByTestId('eval-every')).toHaveValue(String(EVERY));
  await page.getByTestId('eval-shipped').click();
  await expect(page.getByTestId('eval-progress').locator('progress')).toBeVisible();
  await expect(page.getByTestId('eval-result')).toBeVisible({ timeout: 900_000 });

  const idx = everyNth(manifest.images.length, EVERY);
  await expect(page.getByTestId('eval-result')).toHaveAttribute('data-images', String(idx.length));
  await expect(page.getByTestId('eval-result')).toHaveAttribute('data-failed', '0');
  await expect(page.getByTestId('eval-result')).toHaveAttribute('data-skipped', '0');

  const preds = (await downloadJson(page, 'eval-export-predictions')) as {
    names: string[];
    labels: number[];
    predictions: Record<string, Record<string, number[]>>;
  };
  expect(preds.names).toEqual(idx.map((i) => manifest.images[i].file));
  expect(preds.labels).toEqual(idx.map((i) => manifest.images[i].label_index));
  expect(Object.keys(preds.predictions).sort()).toEqual(Object.keys(python.predictions).sort());
  const curve = (await downloadJson(page, 'eval-export-json')) as typeof python.curve;
  let points = 0;
  for (const [m, byRho] of Object.entries(python.predictions)) {
    expect(Object.keys(preds.predictions[m]).sort(), m).toEqual(Object.keys(byRho).sort());
    for (const [rho, py] of Object.entries(byRho)) {
      const want = idx.map((i) => py.top1[i]);
      expect(preds.predictions[m][rho], `${m} at rho ${rho}: predicted class per image`).toEqual(want);
      expect(curve[m][rho].top1, `${m} at rho ${rho}: top-1`).toBe(top1(want, preds.labels));
      expect(curve[m][rho].gflops, `${m} at rho ${rho}: GFLOPs`).toBe(python.curve[m][rho].gflops);
      expect(curve[m][rho].ms).toBeGreaterThan(0);
      if (EVERY === 1) expect(curve[m][rho].top1).toBe(python.curve[m][rho].top1);
      points++;
    }
  }
  expect(points).toBe(25);

  // the CSV has the same points
  const [csvDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('eval-export-csv').click()]);
  const rows = readFileSync((await csvDl.path())!, 'utf8')
    .trim()
    .split('\n');
  expect(rows[0]).toBe('method,rho,top1,gflops,ms');
  expect(rows).toHaveLength(1 + points);
  expect(rows).toContain(`dynamicvit,0.7,${curve.dynamicvit['0.7'].top1},${curve.dynamicvit['0.7'].gflops},${curve.dynamicvit['0.7'].ms}`);

  // the chart: one focusable point per (method, rho), values on focus; the latency axis plots the same points
  const pts = page.getByTestId('curve-chart-gflops').getByTestId('curve-point');
  await expect(pts).toHaveCount(points);
  await page.getByTestId('evaluate').screenshot({ path: `${SHOTS}curve.png` });
  await pts.first().focus();
  await expect(page.getByTestId('curve-tooltip')).toContainText(/top-1 [\d.]+%, [\d.]+ GFLOPs/);
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('curve-tooltip')).toBeVisible();
  await page.getByTestId('curve-axis-ms').check();
  await expect(page.getByTestId('curve-chart-ms').getByTestId('curve-point')).toHaveCount(points);
  expect(await errors()).toEqual([]);
});

test('Evaluate: cancel stops after the images already run and reports them', async ({ page }) => {
  await page.goto(`/?model=${MODEL}&evalEvery=1`);
  await waitReady(page);
  await page.getByTestId('eval-shipped').click();
  const progress = page.getByTestId('eval-progress');
  await expect(progress).toContainText(/image [1-9]\d* of 240/);
  await page.getByTestId('eval-cancel').click();
  const result = page.getByTestId('eval-result');
  await expect(result).toHaveAttribute('data-cancelled', 'true');
  const n = Number(await result.getAttribute('data-images'));
  expect(n).toBeGreaterThan(0);
  expect(n).toBeLessThan(240);
  await expect(page.getByTestId('eval-summary')).toContainText(`Cancelled: ${n} image`);
});

test('Evaluate a picked folder with a labels file: undecodable and unlabelled files are counted and listed', async ({ page }, info) => {
  const dir = info.outputPath('my-set');
  mkdirSync(`${dir}/imgs`, { recursive: true });
  const src = (f: string) => fileURLToPath(new URL(`../public/eval/${MODEL}/${f}`, import.meta.url));
  const good = manifest.images.slice(0, 3).map((e) => e.file);
  for (const f of [...good, manifest.images[3].file]) copyFileSync(src(f), `${dir}/imgs/${f}`);
  writeFileSync(`${dir}/imgs/broken.png`, 'this is not a PNG');
  writeFileSync(`${dir}/notes.txt`, 'not an image');
  // labels for the three good images and the broken one; the fourth image is not listed
  writeFileSync(`${dir}/labels.csv`, `file,label_index\n${good.map((f, i) => `imgs/${f},${i}`).join('\n')}\nimgs/broken.png,0\n`);

  await page.goto('/?model=fixture-tiny');
  await waitReady(page);
  await page.getByTestId('eval-folder').setInputFiles(dir);
  const result = page.getByTestId('eval-result');
  await expect(result).toBeVisible({ timeout: 300_000 });
  await expect(result).toHaveAttribute('data-images', '3');
  await expect(result).toHaveAttribute('data-failed', '1');
  await expect(result).toHaveAttribute('data-skipped', '2');
  await expect(page.getByTestId('eval-summary')).toContainText('labels from labels file my-set/labels.csv');
  await page.getByTestId('eval-problems').locator('summary').click();
  const problems = page.getByTestId('eval-problems').locator('li');
  await expect(problems).toHaveCount(3);
  await expect(problems.filter({ hasText: 'broken.png' })).toContainText(/broken\.png/);
  await expect(problems.filter({ hasText: manifest.images[3].file })).toContainText('not listed in my-set/labels.csv');
  await expect(problems.filter({ hasText: 'notes.txt' })).toContainText('not an image file');
  // a pair without baselines: DeiT and DynamicViT only
  await expect(page.getByTestId('curve-chart-gflops').getByTestId('curve-point')).toHaveCount(1 + 8);
});
