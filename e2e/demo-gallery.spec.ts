import { expect, test } from '@playwright/test';
import { waitReady } from './helpers.ts';

interface Sample {
  file: string;
  label: string;
  kind: string;
}

/**
 * The bundled demo model must classify every generated gallery sample correctly, DynamicViT at its trained
 * rho and DeiT alike (issue 4). wasm backend: the 12-block demo pair takes seconds per run on software WebGPU.
 */
test('demo model classifies every generated gallery sample correctly (DynamicViT and DeiT)', async ({ page }) => {
  await page.goto('/?model=demo&backend=wasm');
  await waitReady(page);
  const samples = (await (await page.request.get('/samples/samples.json')).json()) as Sample[];
  const generated = samples.filter((s) => s.kind === 'generated');
  expect(generated.length).toBeGreaterThanOrEqual(12);
  for (const s of generated) {
    await page.locator(`[data-testid="sample"][data-file="${s.file}"]`).click();
    await expect(page.getByTestId('ground-truth')).toContainText(s.label);
    // labels are distinct, so a stale result from the previous sample can never satisfy these
    await expect(page.getByTestId('top5-dynamicvit').locator('li').first()).toHaveAttribute('data-label', s.label);
    await expect(page.getByTestId('top5-deit').locator('li').first()).toHaveAttribute('data-label', s.label);
  }
  await expect(page.getByTestId('kept-count-stage1')).toHaveText('137');
  await expect(page.getByTestId('kept-count-stage3')).toHaveText('67');
});
