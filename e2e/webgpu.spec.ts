import { expect, test } from '@playwright/test';
import {
  caption,
  dropImage,
  expectCounts,
  expectedInput,
  expectFixtureOutputs,
  loadExpected,
  MODEL,
  sampleImage,
  SHOTS,
  waitReady,
  watchOrigin,
} from './helpers.ts';

/**
 * One page, one model load (session creation + warm-up are slow on software WebGPU): ready on WebGPU with
 * every node on the GPU, a dropped image, the fixture's reference outputs, the slider, a short benchmark.
 */
test('WebGPU: ready, classify a dropped image, exact fixture outputs, slider, benchmark', async ({ page, baseURL }) => {
  test.setTimeout(1_800_000); // software WebGPU on 2 cores shared with training jobs: minutes per step
  const watch = watchOrigin(page, baseURL!);
  const expected = loadExpected();

  await page.goto(`/?model=${MODEL}&runs=2`);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'loading');
  await page.screenshot({ path: `${SHOTS}loading.png` });

  await waitReady(page);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'webgpu');
  // every node on WebGPU: the sessions were created with disable_cpu_ep_fallback = 1
  await expect(page.getByTestId('gpu-nodes')).toHaveAttribute('data-all-on-gpu', 'true');
  await expect(page.getByTestId('adapter')).toContainText(/swiftshader|google/i);
  await expect(page.getByTestId('fallback-reason')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}ready.png` });

  // drop an image -> top-5 for both models and per-stage overlays with the model's exact counts at rho 0.7
  const img = await sampleImage(page);
  await dropImage(page, img.bytes, img.name, img.type);
  const nClasses = await page.evaluate(
    async (m) => ((await (await fetch(`/models/${m}/dynamicvit.json`)).json()) as { labels: string[] }).labels.length,
    MODEL,
  );
  await expect(page.getByTestId('top5-dynamicvit').locator('li')).toHaveCount(Math.min(5, nClasses));
  await expect(page.getByTestId('top5-deit').locator('li')).toHaveCount(Math.min(5, nClasses));
  await expectCounts(page, [137, 96, 67]);
  await expect(page.getByTestId('stage-strip').locator('canvas')).toHaveCount(4);
  await page.screenshot({ path: `${SHOTS}result.png`, fullPage: true });

  // the fixture's own input (raw tensor): exactly the reference kept sets and top-5
  if (expected) {
    await dropImage(page, expectedInput(expected), expected.input.file, 'application/octet-stream');
    await expect(page.getByTestId('stage-strip').locator('figcaption').first()).toBeVisible();
    await expect(caption(page)).toContainText('raw tensor');
    await expectFixtureOutputs(page, expected, '0.7');
  }

  // the slider re-runs the loaded model (no reload): keyboard from 0.70 down to 0.50
  await page.getByTestId('rho-slider').focus();
  for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('rho-value')).toHaveText('0.50');
  await expectCounts(page, [98, 49, 24]);
  if (expected?.dynamicvit['0.5']) await expectFixtureOutputs(page, expected, '0.5');

  // a short benchmark shows a ratio from the same backend
  await page.getByTestId('bench-run').click();
  await expect(page.getByTestId('bench-ratio')).toBeVisible({ timeout: 900_000 });
  await expect(page.getByTestId('bench-result')).toHaveAttribute('data-backend', 'webgpu');
  const ratio = Number(await page.getByTestId('bench-ratio').getAttribute('data-ratio'));
  expect(Number.isFinite(ratio) && ratio > 0).toBe(true);
  await expect(page.getByTestId('bench-chart')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}benchmark.png`, fullPage: true });

  // model bytes are in Cache Storage, keyed by URL + sha256 (the reload path runs in fallback.spec.ts)
  const card = await page.evaluate(
    async (m) => (await (await fetch(`/models/${m}/dynamicvit.json`)).json()) as { onnx: { sha256: string } },
    MODEL,
  );
  if (card.onnx.sha256) {
    const keys = await page.evaluate(async () => (await (await caches.open('dynamicvit-models-v1')).keys()).map((r) => r.url));
    expect(keys.some((k) => k.includes('dynamicvit.onnx') && k.includes(card.onnx.sha256))).toBe(true);
  }

  expect(watch.foreign, 'requests that left the origin').toEqual([]);
  expect(watch.csp, 'CSP violations').toEqual([]);
});
