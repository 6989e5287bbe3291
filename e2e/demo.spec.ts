import { expect, test } from '@playwright/test';
import { SHOTS, waitReady } from './helpers.ts';

/**
 * Opt-in (E2E_DEMO=1): screenshots of the trained demo model on a generated sample. Uses the wasm backend
 * because a 12-block model on software WebGPU takes seconds per run; on a real GPU pick WebGPU.
 */
test('demo model: classify a generated sample, object outline, screenshots', async ({ page }) => {
  const model = process.env.E2E_DEMO_MODEL ?? 'demo';
  await page.goto(`/?model=${model}&backend=wasm&runs=5`);
  await waitReady(page);
  const samples = page.getByTestId('sample');
  await expect(samples.first()).toBeEnabled();
  await samples.nth(Number(process.env.E2E_DEMO_SAMPLE ?? 1)).click();
  await expect(page.getByTestId('top5-dynamicvit').locator('li').first()).toBeVisible();
  await expect(page.getByTestId('ground-truth')).toBeVisible();
  await expect(page.getByTestId('object-recall-stage3')).not.toHaveText('…');
  await page.getByTestId('stage-radio-2').check();
  await page.screenshot({ path: `${SHOTS}demo-result.png`, fullPage: true });
  await page.getByTestId('bench-run').click();
  await expect(page.getByTestId('bench-ratio')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}demo-benchmark.png`, fullPage: true });
});
