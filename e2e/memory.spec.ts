import { expect, test, type Page } from '@playwright/test';
import { caption, MODEL, waitReady } from './helpers.ts';
import { chromiumMemory } from './processMemory.ts';

/**
 * Issue 6, item 5: 100 consecutive classifications (a new image each: decode, preprocess, DeiT and
 * DynamicViT runs, overlays) must not grow memory. Read after 10 classifications (caches, shaders and
 * buffer pools warm), 55 and 100:
 * - the page's JS heap (performance.memory, --enable-precise-memory-info, after gc() from --js-flags=--expose-gc);
 * - ONNX Runtime's wasm heap and the GPU buffers ORT holds (Diagnostics panel, ?debug=1: the worker notes the
 *   wasm Memory and counts createBuffer/destroy on the GPUDevice it gives ORT);
 * - resident memory of Chromium's renderer (page + worker, ArrayBuffers included) and GPU process (SwiftShader
 *   keeps GPU buffers there), from /proc.
 * Bounds for the 90 classifications from the 10th to the 100th (one 224x224 float32 input is 0.6 MB and one
 * RGBA crop 0.2 MB, so leaking either per classification would add 18-54 MB):
 * page JS heap < 6 MB; wasm heap <= 1 MB (it never shrinks: a tensor ORT failed to free shows here);
 * GPU buffers: the same count and bytes; renderer resident memory < 16 MB; GPU process < 24 MB (SwiftShader's
 * process grew 0-10 MB over 90 classifications with ORT's buffer count constant, allocator caches; a leaked
 * input per classification would be 54 MB).
 */
const N = 100;
const READ_AT = [10, 55, 100];
const MB = 2 ** 20;

interface Reading {
  pageJs: number;
  wasm: number;
  gpuBuffers: number | null;
  gpuBytes: number | null;
  renderer: number;
  gpuProcess: number;
}

async function readMemory(page: Page): Promise<Reading> {
  const panel = page.getByTestId('debug-memory');
  const before = (await panel.count()) ? await panel.getAttribute('data-at') : null;
  expect(await page.evaluate(() => typeof (window as unknown as { gc?: () => void }).gc), 'gc() exposed (--js-flags=--expose-gc)').toBe(
    'function',
  );
  // several full collections a moment apart: one gc() can leave garbage that finalizers free later
  await page.evaluate(async () => {
    for (let i = 0; i < 3; i++) {
      (window as unknown as { gc: () => void }).gc();
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  await page.getByTestId('debug-read-memory').click();
  await expect(panel).not.toHaveAttribute('data-at', before ?? '-');
  const num = async (a: string) => {
    const v = await panel.getAttribute(a);
    return v === null || v === '' ? null : Number(v);
  };
  const pageJs = await num('data-page-js-heap');
  const wasm = await num('data-wasm-heap');
  expect(pageJs, 'page JS heap readable').not.toBeNull();
  expect(wasm, 'wasm heap readable').not.toBeNull();
  const proc = chromiumMemory();
  return {
    pageJs: pageJs!,
    wasm: wasm!,
    gpuBuffers: await num('data-gpu-buffers'),
    gpuBytes: await num('data-gpu-buffer-bytes'),
    renderer: proc.rendererBytes,
    gpuProcess: proc.gpuProcessBytes,
  };
}

const fmt = (r: Reading) =>
  `page JS ${(r.pageJs / MB).toFixed(2)} MB, wasm ${(r.wasm / MB).toFixed(1)} MB, GPU buffers ${r.gpuBuffers ?? '-'} (${((r.gpuBytes ?? 0) / MB).toFixed(2)} MB), ` +
  `renderer RSS ${(r.renderer / MB).toFixed(1)} MB, GPU process RSS ${(r.gpuProcess / MB).toFixed(1)} MB`;

/** Drops a new generated PNG (size and colour differ each time) and waits for its result on screen. */
async function classifyNew(page: Page, i: number): Promise<void> {
  const name = `mem-${i}.png`;
  await page.evaluate(
    async ({ i, name }) => {
      const c = new OffscreenCanvas(200 + (i % 7) * 31, 150 + (i % 5) * 23);
      const x = c.getContext('2d')!;
      x.fillStyle = `hsl(${(i * 37) % 360} 70% 50%)`;
      x.fillRect(0, 0, c.width, c.height);
      x.fillStyle = '#fff';
      x.fillRect((i * 13) % 120, (i * 7) % 90, 60, 40);
      const dt = new DataTransfer();
      dt.items.add(new File([await c.convertToBlob({ type: 'image/png' })], name, { type: 'image/png' }));
      document
        .querySelector('[data-testid=dropzone]')!
        .dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { i, name },
  );
  await expect(caption(page)).toContainText(name);
  await expect(page.getByTestId('status')).toHaveText('Ready');
}

for (const backend of ['webgpu', 'wasm'] as const) {
  test(`${N} classifications on ${backend}: JS heap, wasm heap and GPU buffers stay within bounds`, async ({ page }) => {
    test.setTimeout(1_500_000);
    await page.goto(`/?model=${MODEL}&debug=1${backend === 'wasm' ? '&backend=wasm' : ''}`);
    await waitReady(page);
    await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', backend);

    const readings = new Map<number, Reading>();
    for (let i = 1; i <= N; i++) {
      await classifyNew(page, i);
      if (READ_AT.includes(i)) readings.set(i, await readMemory(page));
    }
    const base = readings.get(READ_AT[0])!;
    const end = readings.get(N)!;
    for (const [i, r] of readings) {
      const line = `${backend}, after ${i} classifications: ${fmt(r)}`;
      console.log(line);
      test.info().annotations.push({ type: 'memory', description: line });
    }
    expect(end.pageJs - base.pageJs, 'page JS heap growth').toBeLessThan(6 * MB);
    expect(end.wasm - base.wasm, 'wasm heap growth').toBeLessThanOrEqual(1 * MB);
    expect(end.renderer - base.renderer, 'renderer resident memory growth').toBeLessThan(16 * MB);
    expect(end.gpuProcess - base.gpuProcess, 'GPU process resident memory growth').toBeLessThan(24 * MB);
    if (backend === 'webgpu') {
      expect(end.gpuBuffers, 'GPU buffers counted').not.toBeNull();
      expect(end.gpuBuffers, 'GPU buffers held by ORT').toBe(base.gpuBuffers);
      expect(end.gpuBytes, 'GPU buffer bytes held by ORT').toBe(base.gpuBytes);
    } else {
      expect(end.gpuBuffers).toBeNull();
    }
  });
}
