import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { caption, dropImage, expectCounts, MODEL, SHOTS, waitReady, watchErrors } from './helpers.ts';

/**
 * Issue 6, item 3 on WebGPU (SwiftShader here): a GPU device lost in the middle of a run -> both sessions
 * recreated on a new device, the page says so and shows the interrupted result; an fp16 model on an
 * adapter without shader-f16 -> refused with a message, the loaded model keeps working.
 * ?debug=1 adds the Diagnostics panel whose button calls GPUDevice.destroy() on the sessions' device.
 */
const OK = fileURLToPath(new URL('../tests/fixtures/bad-inputs/ok.png', import.meta.url));
const FIX = fileURLToPath(new URL(`../public/models/${MODEL}/`, import.meta.url));

test('device lost mid-run: sessions recreated on a new device, the page says so, the interrupted result is shown; fp16 refused', async ({
  page,
}) => {
  test.setTimeout(1_200_000);
  const pageErrors = await watchErrors(page);
  await page.goto(`/?model=${MODEL}&debug=1`);
  await waitReady(page);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'webgpu');
  await dropImage(page, readFileSync(OK), 'before-loss.png');
  await expectCounts(page, [137, 96, 67]);

  // move the keep ratio to 0.50 and lose the device while that run is on the GPU
  await page.getByTestId('rho-slider').focus();
  for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('status')).toHaveText('Running…');
  await page.getByTestId('debug-lose-device').click();

  const notice = page.getByTestId('device-lost');
  await expect(notice).toContainText('The WebGPU device was lost');
  await expect(notice).toContainText('destroyed');
  await expect(notice).toHaveAttribute('data-recovered', 'true', { timeout: 600_000 });
  await expect(notice).toHaveAttribute('data-backend', 'webgpu');
  await expect(notice).toContainText(/Both sessions were recreated on a new GPU device in \d+\.\d s/);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByTestId('gpu-nodes')).toHaveAttribute('data-all-on-gpu', 'true');
  // the interrupted classification (rho 0.50) was run again on the new sessions
  await expectCounts(page, [98, 49, 24]);
  await expect(caption(page)).toContainText('before-loss.png');
  await expect(page.getByTestId('error')).toHaveCount(0);
  await page.evaluate(() => window.scrollTo(0, 0)); // the notice sits at the top; the button click scrolled away
  await page.screenshot({ path: `${SHOTS}device-lost.png` });

  // and the new sessions keep working for a new image
  await dropImage(page, readFileSync(OK), 'after-loss.png');
  await expect(caption(page)).toContainText('after-loss.png');
  await expectCounts(page, [98, 49, 24]);

  // an fp16 pair on an adapter without shader-f16 (SwiftShader has none): refused before anything is downloaded
  const features = await page.getByTestId('adapter').getAttribute('data-features');
  expect(features?.split(' ')).not.toContain('shader-f16');
  const fp16 = (f: string) => {
    const c = JSON.parse(readFileSync(FIX + f, 'utf8')) as { onnx: Record<string, unknown> };
    return Buffer.from(JSON.stringify({ ...c, onnx: { ...c.onnx, precision: 'fp16', sha256: '', bytes: 0 } }));
  };
  const original = await page.getByTestId('model-name').textContent();
  await page.getByTestId('user-model-input').setInputFiles([
    { name: 'dynamicvit.json', mimeType: 'application/json', buffer: fp16('dynamicvit.json') },
    { name: 'dynamicvit.onnx', mimeType: 'application/octet-stream', buffer: readFileSync(`${FIX}dynamicvit.onnx`) },
    { name: 'deit.json', mimeType: 'application/json', buffer: fp16('deit.json') },
    { name: 'deit.onnx', mimeType: 'application/octet-stream', buffer: readFileSync(`${FIX}deit.onnx`) },
  ]);
  await expect(page.getByTestId('error')).toContainText(
    '"dynamicvit.onnx" and "deit.onnx" are fp16 models and need the WebGPU feature shader-f16',
  );
  await expect(page.getByTestId('error')).toContainText('swiftshader');
  await expect(page.getByTestId('error')).toContainText('is still loaded and working');
  await expect(page.getByTestId('model-name')).toHaveText(original!);
  await dropImage(page, readFileSync(OK), 'after-fp16.png');
  await expect(caption(page)).toContainText('after-fp16.png');
  await expectCounts(page, [98, 49, 24]);

  expect(await pageErrors()).toEqual([]);
});
