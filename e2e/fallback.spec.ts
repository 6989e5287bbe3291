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

test('without --enable-unsafe-webgpu: visible wasm fallback reason, still classifies', async ({ page, baseURL }) => {
  const watch = watchOrigin(page, baseURL!);
  await page.goto(`/?model=${MODEL}&runs=3`);
  await waitReady(page);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('fallback-reason')).toBeVisible();
  await expect(page.getByTestId('fallback-reason')).toContainText(/requestAdapter|navigator\.gpu/);

  const img = await sampleImage(page);
  await dropImage(page, img.bytes, img.name, img.type);
  await expect(page.getByTestId('top5-dynamicvit').locator('li').first()).toBeVisible();
  await expect(page.getByTestId('top5-deit').locator('li').first()).toBeVisible();
  await expectCounts(page, [137, 96, 67]);

  // same reference outputs on the CPU backend
  const expected = loadExpected();
  if (expected) {
    await dropImage(page, expectedInput(expected), expected.input.file, 'application/octet-stream');
    await expect(caption(page)).toContainText('raw tensor');
    await expectFixtureOutputs(page, expected, '0.7');
    await dropImage(page, img.bytes, img.name, img.type);
    await expect(caption(page)).not.toContainText('raw tensor');
  }

  // the gallery: a click classifies a bundled sample; generated samples show their ground truth
  const samples = page.getByTestId('sample');
  if ((await samples.count()) > 1) {
    const second = samples.nth(1); // the first one is the image dropped above
    await second.click();
    await expect(second).toHaveAttribute('aria-pressed', 'true');
    const file = await second.getAttribute('data-file');
    await expect(caption(page)).toContainText(file!);
    await expectCounts(page, [137, 96, 67]);
  }

  await page.getByTestId('bench-run').click();
  await expect(page.getByTestId('bench-result')).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
  await page.screenshot({ path: `${SHOTS}fallback.png`, fullPage: true });

  // a reload takes the model bytes from Cache Storage instead of downloading them again
  const card = await page.evaluate(
    async (m) => (await (await fetch(`/models/${m}/dynamicvit.json`)).json()) as { onnx: { sha256: string } },
    MODEL,
  );
  if (card.onnx.sha256) {
    const onnxRequests: string[] = [];
    page.on('request', (r) => r.url().endsWith('.onnx') && onnxRequests.push(r.url()));
    await page.reload();
    await waitReady(page);
    await expect(page.getByTestId('load-timings')).toContainText('Cache Storage');
    expect(onnxRequests).toEqual([]);
  }

  expect(watch.foreign).toEqual([]);
  expect(watch.csp).toEqual([]);

  // the Content-Security-Policy is what enforces it: a request to another origin is refused by the browser
  const violated = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
        fetch('https://example.com/model.onnx').catch(() => undefined);
        setTimeout(() => resolve('none'), 5000);
      }),
  );
  expect(violated).toBe('connect-src');
});
