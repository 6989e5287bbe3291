import { expect, test, type Page } from '@playwright/test';
import { keepCounts } from '../src/engine/keepCounts.ts';
import { SHOTS, waitReady, watchErrors } from './helpers.ts';

const DEMO = process.env.E2E_METHODS_MODEL ?? 'demo';
const METHODS = ['dynamicvit', 'attentive', 'random'];

async function positions(page: Page, testid: string): Promise<number[]> {
  const s = await page.getByTestId(testid).locator('figure').getAttribute('data-positions');
  return (s ?? '').split(',').filter(Boolean).map(Number);
}

/** Every method's kept positions per stage: as many as the keep-count rule says, distinct, on the card's grid. */
async function expectRuleCounts(
  page: Page,
  rho: number,
  arch: { num_patches: number; pruning_locations: number[] },
): Promise<Record<string, number[][]>> {
  const counts = keepCounts(rho, arch);
  await expect(page.getByTestId('compare-view')).toHaveAttribute('data-rho', String(rho));
  const out: Record<string, number[][]> = {};
  for (const m of METHODS) {
    out[m] = [];
    for (const [i, k] of counts.entries()) {
      await expect(page.getByTestId(`compare-cell-${m}-${i + 1}`).locator('figcaption')).toHaveText(new RegExp(`stage ${i + 1} · ${k}$`));
      const pos = await positions(page, `compare-cell-${m}-${i + 1}`);
      expect(pos, `${m} stage ${i + 1} at rho ${rho}`).toHaveLength(k);
      expect(new Set(pos).size).toBe(k);
      expect(pos.every((p) => Number.isInteger(p) && p >= 0 && p < arch.num_patches)).toBe(true);
      out[m].push(pos);
    }
    await expect(page.getByTestId(`compare-top5-${m}`).locator('li')).toHaveCount(5);
    await expect(page.getByTestId(`compare-ms-${m}`)).toHaveText(/\d/);
  }
  return out;
}

test("side by side: DynamicViT, attentive and random keep the rule's counts per stage; the switch picks the overlay", async ({ page }) => {
  const errors = await watchErrors(page);
  await page.goto(`/?model=${DEMO}`);
  await waitReady(page);
  const arch = await page.evaluate(
    async (m) =>
      (
        (await (await fetch(`/models/${m}/dynamicvit.json`)).json()) as {
          architecture: { num_patches: number; pruning_locations: number[] };
        }
      ).architecture,
    DEMO,
  );
  await expect(page.getByTestId('method-switch').locator('input[type=radio]')).toHaveCount(3);

  await page.getByTestId('sample').nth(1).click();
  await expect(page.getByTestId('compare-view')).toBeVisible();
  for (const m of METHODS) await expect(page.getByTestId(`compare-col-${m}`)).toBeVisible();
  const at07 = await expectRuleCounts(page, 0.7, arch);
  // the learned rule and the attention rule choose differently somewhere (same counts, different sets)
  expect(
    METHODS.map((m) =>
      at07[m][2]
        .slice()
        .sort((a, b) => a - b)
        .join(),
    ),
  ).not.toEqual(
    Array(3).fill(
      at07.dynamicvit[2]
        .slice()
        .sort((a, b) => a - b)
        .join(),
    ),
  );

  // keyboard: the radio group moves with the arrow keys; the main overlay and its strip show that method's sets
  await page.getByTestId('method-radio-dynamicvit').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('method-radio-attentive')).toBeChecked();
  await expect(page.getByTestId('overlay-method')).toContainText('Attentive');
  const strip = page.getByTestId('stage-strip').locator('figure[data-positions]');
  for (let i = 0; i < at07.attentive.length; i++) await expect(strip.nth(i)).toHaveAttribute('data-positions', at07.attentive[i].join(','));
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('method-radio-random')).toBeChecked();
  await expect(strip.nth(0)).toHaveAttribute('data-positions', at07.random[0].join(','));

  // a new keep ratio re-runs every method at the new counts
  await page.getByTestId('rho-slider').focus();
  for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('rho-value')).toHaveText('0.50');
  await expectRuleCounts(page, 0.5, arch);
  await page.getByTestId('compare-view').screenshot({ path: `${SHOTS}methods.png` });
  expect(await errors()).toEqual([]);
});

test('a pair without baselines looks as before: no switch, no side-by-side view', async ({ page }) => {
  await page.goto('/?model=fixture-tiny');
  await waitReady(page);
  await page.getByTestId('sample').nth(0).click();
  await expect(page.getByTestId('top5-dynamicvit').locator('li').first()).toBeVisible();
  await expect(page.getByTestId('method-switch')).toHaveCount(0);
  await expect(page.getByTestId('compare-view')).toHaveCount(0);
  await expect(page.getByTestId('overlay-method')).toHaveCount(0);
});
