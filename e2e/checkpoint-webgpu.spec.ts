import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { expectPythonResult, importCheckpoints, makeCheckpoints, OUT, readExpected, saveResult } from './checkpoints/importHelpers.ts';
import { caption, dropImage, waitReady, watchErrors } from './helpers.ts';

/**
 * Issue 11 on onnxruntime-web's native WebGPU EP: the smallest release arch (DeiT-256, random weights in
 * the official format) picked as downloaded runs with every node on WebGPU (disable_cpu_ep_fallback), its
 * weights fed as the template's external data, and gives the Python export's result.
 */
const ARCH = 'deit-256';

test.beforeAll(() => makeCheckpoints(ARCH));

test('a DeiT-256 release pair runs on WebGPU with the Python export result', async ({ page }) => {
  const pageErrors = await watchErrors(page);
  const dir = `${OUT}${ARCH}/`;
  const expected = readExpected(ARCH);
  await page.goto('/?model=fixture-tiny');
  await waitReady(page);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'webgpu');

  const t0 = Date.now();
  await importCheckpoints(
    page,
    expected.files.map((f) => `${dir}${f}`),
  );
  await expect(page.getByTestId('model-name')).toContainText('dynamicvit_70.pth', { timeout: 600_000 });
  const readyMs = Date.now() - t0;
  await expect(page.getByTestId('load-timings')).toContainText('every node runs on WebGPU');

  await dropImage(page, readFileSync(`${dir}input.bin`), 'input.bin', 'application/octet-stream');
  await expect(caption(page)).toContainText('raw tensor');
  for (const [i, k] of expected.keep_counts.entries()) await expect(page.getByTestId(`kept-count-stage${i + 1}`)).toHaveText(String(k));
  const saved = await saveResult(page);
  expect(saved.backend).toBe('webgpu');
  const { dvitDiff, deitDiff } = expectPythonResult(saved, expected);
  console.log(
    `[checkpoint] ${ARCH} pair on WebGPU (SwiftShader): pick-to-ready ${readyMs} ms; logits max |diff| DynamicViT ${dvitDiff.toExponential(2)}, DeiT ${deitDiff.toExponential(2)}`,
  );
  expect(await pageErrors()).toEqual([]);
});
