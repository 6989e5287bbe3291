import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { caption, dropImage, expectedInput, expectFixtureOutputs, loadExpected, waitReady, watchErrors } from './helpers.ts';

/**
 * Issue 10, item 3: an LV-ViT-shaped pair (public/models/fixture-lvvit-tiny: random weights, conv stem, no
 * qkv bias, skip_lam 2, aux head, predictors before blocks 4, 8, 12 of 16) is shown as DeiT pairs are: three
 * stages at its own locations, block ranges, tokens and GFLOPs from its card, and exactly the reference kept
 * sets and top-5 of its expected.json. wasm project: the conv stem is slow on software WebGPU.
 */
const MODEL = 'fixture-lvvit-tiny';
const DIR = fileURLToPath(new URL(`../public/models/${MODEL}/`, import.meta.url));

interface Card {
  display_name: string;
  labels: string[];
  architecture: { backbone: string; depth: number; num_patches: number; pruning_locations: number[] };
  pruning: { trained_keep_ratio: number };
  gflops: { total: number };
}

test('LV-ViT pair: 3 stages before blocks 4, 8, 12, card GFLOPs, exact kept sets and top-5', async ({ page }) => {
  const pageErrors = await watchErrors(page);
  const card = JSON.parse(readFileSync(`${DIR}dynamicvit.json`, 'utf8')) as Card;
  const expected = loadExpected(MODEL);
  expect(expected, `${DIR}expected.json (npm run models:fixtures)`).not.toBeNull();
  const trained = card.pruning.trained_keep_ratio;

  await page.goto(`/?model=${MODEL}`);
  await waitReady(page);

  // the structure and locations come from the card
  await expect(page.getByTestId('model-arch')).toHaveAttribute('data-backbone', 'lvvit');
  await expect(page.getByTestId('model-arch')).toContainText('LV-ViT backbone');
  await expect(page.getByTestId('model-arch')).toContainText(`× ${card.architecture.depth} blocks`);
  await expect(page.getByTestId('model-pruning')).toHaveAttribute('data-locations', '4,8,12');
  await expect(page.getByTestId('model-pruning')).toContainText('3 stages, predictors before blocks 4, 8, 12');
  await expect(page.getByTestId('tagline')).toContainText('before blocks 4, 8, 12');
  await expect(page.getByTestId('rho-value')).toHaveText(trained.toFixed(2));
  await expect(page.getByTestId('stage-table').locator('tbody tr')).toHaveCount(4);
  const blocks = ['0–3', '4–7', '8–11', '12–15'];
  for (const [s, b] of blocks.entries()) await expect(page.getByTestId(`stage-blocks-${s}`)).toHaveText(b);
  const gflops = Number(await page.getByTestId('gflops-dvit').getAttribute('data-gflops'));
  expect(Math.abs(gflops - card.gflops.total), `page ${gflops} vs card ${card.gflops.total} GFLOPs at rho ${trained}`).toBeLessThanOrEqual(
    0.001,
  );

  // the fixture's raw input: exactly the reference kept sets and top-5 at the trained ratio
  await dropImage(page, expectedInput(expected!, MODEL), expected!.input.file, 'application/octet-stream');
  await expect(caption(page)).toContainText('raw tensor');
  await expectFixtureOutputs(page, expected!, String(trained));
  await expect(page.locator('.stage-picker input[type=radio]')).toHaveCount(3);
  for (const [i, b] of blocks.slice(1).entries())
    await expect(page.getByTestId(`stage-radio-blocks-${i + 1}`)).toContainText(`blocks ${b}`);
  await expect(page.getByTestId('stage-strip').locator('canvas')).toHaveCount(4);
  // top-5 names are the card's labels
  const shown = await page
    .getByTestId('top5-dynamicvit')
    .locator('li')
    .evaluateAll((ls) => ls.map((l) => [Number(l.getAttribute('data-index')), l.getAttribute('data-label')] as const));
  expect(shown.map(([i, label]) => [i, label])).toEqual(expected!.dynamicvit[String(trained)].top5.map((i) => [i, card.labels[i]]));

  // the slider re-runs the loaded pair at 0.5: the reference outputs there too
  await page.getByTestId('rho-slider').focus();
  for (let i = Math.round((trained - 0.5) * 100); i > 0; i--) await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('rho-value')).toHaveText('0.50');
  await expectFixtureOutputs(page, expected!, '0.5');

  expect(await pageErrors()).toEqual([]);
});
