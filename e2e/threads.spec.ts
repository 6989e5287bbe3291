import { expect, test } from '@playwright/test';
import { dropImage, MODEL, sampleImage, waitReady, watchErrors } from './helpers.ts';

/**
 * Issue 13, item 1: the page is cross-origin isolated (COOP same-origin + COEP require-corp on every response),
 * so ONNX Runtime's WebAssembly backend runs on every core (capped at 8, src/worker/threads.ts); the page shows
 * the thread count. Without the headers: one thread, and the page says why.
 */
const CAP = 8;

test('cross-origin isolated: every response carries COOP/COEP, the wasm EP runs on all cores, the page shows how many', async ({
  page,
}) => {
  const errors = await watchErrors(page);
  const failed: string[] = [];
  const wasmFiles: string[] = [];
  const isolationMissing: string[] = [];
  const notFound = new Set<string>();
  page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith('.wasm')) wasmFiles.push(u.pathname);
    // a 404 (an optional file the page probes for) carries no content to isolate
    if (!r.ok()) notFound.add(r.url());
    if (u.protocol !== 'http:' || !r.ok()) return;
    const h = r.headers();
    if (h['cross-origin-embedder-policy'] !== 'require-corp' || h['cross-origin-opener-policy'] !== 'same-origin')
      isolationMissing.push(u.pathname);
  });
  // ?runs=2 keeps the benchmark short; batches 1 and 8 on the wasm EP with all threads
  await page.goto(`/?model=${MODEL}&runs=2&batches=1,8`);
  await waitReady(page);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm');

  expect(await page.evaluate(() => self.crossOriginIsolated), 'page crossOriginIsolated').toBe(true);
  const worker = page.workers().find((w) => !/em-pthread/.test(w.url()));
  expect(worker, 'the inference worker').toBeTruthy();
  expect(await worker!.evaluate(() => self.crossOriginIsolated), 'worker crossOriginIsolated').toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const threads = Math.min(cores, CAP);
  await expect(page.getByTestId('wasm-threads')).toHaveAttribute('data-threads', String(threads));
  await expect(page.getByTestId('wasm-threads')).toHaveAttribute('data-isolated', 'true');
  await expect(page.getByTestId('wasm-threads')).toHaveText(`${threads} CPU thread${threads === 1 ? '' : 's'}`);
  await expect(page.getByTestId('wasm-threads-reason')).toHaveCount(0);

  // ORT started its pthread workers (threads - 1 of them: the inference worker itself is the first thread)
  await expect.poll(() => page.workers().filter((w) => w !== worker).length).toBeGreaterThanOrEqual(threads - 1);
  // the wasm the worker loads is the threaded build; nothing (worker scripts, wasm, models, images) was blocked
  expect(wasmFiles.length).toBeGreaterThan(0);
  for (const f of wasmFiles) expect(f).toMatch(/ort-wasm-simd-threaded\.asyncify[^/]*\.wasm$/);
  expect(isolationMissing, 'responses without COOP/COEP').toEqual([]);

  // it classifies and benchmarks on the threaded EP
  const img = await sampleImage(page);
  await dropImage(page, img.bytes, img.name, img.type);
  await expect(page.getByTestId('top5-dynamicvit').locator('li').first()).toBeVisible();
  await page.getByTestId('bench-run').click();
  const result = page.getByTestId('bench-result');
  await expect(result).toHaveAttribute('data-threads', String(threads), { timeout: 300_000 });
  await expect(result).toHaveAttribute('data-backend', 'wasm');
  for (const b of [1, 8]) {
    const row = page.getByTestId(`bench-row-${b}`);
    await expect(row).toBeVisible();
    const [deit, dvit] = (await row.getAttribute('data-images-per-second'))!.split(' ').map(Number);
    expect(deit).toBeGreaterThan(0);
    expect(dvit).toBeGreaterThan(0);
  }
  await expect(page.getByTestId('bench-throughput-chart')).toBeVisible();
  await expect(result).toContainText(`(${threads} thread${threads === 1 ? '' : 's'})`);

  // nothing was blocked (an unread 404 body is dropped by the page: ERR_ABORTED, not a COEP block)
  expect(failed.filter((f) => !notFound.has(f.slice(0, f.lastIndexOf(': '))))).toEqual([]);
  expect(await errors()).toEqual([]);
});

test('served without the isolation headers: one thread, and the page says why', async ({ page }) => {
  // the document without COOP/COEP (as on a host that does not send them): the page cannot be isolated
  await page.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response, headers });
  });
  await page.goto(`/?model=${MODEL}`);
  await waitReady(page);
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(false);
  await expect(page.getByTestId('wasm-threads')).toHaveAttribute('data-threads', '1');
  await expect(page.getByTestId('wasm-threads')).toHaveAttribute('data-isolated', 'false');
  await expect(page.getByTestId('wasm-threads-reason')).toContainText('not cross-origin isolated');
  await expect(page.getByTestId('wasm-threads-reason')).toContainText('Cross-Origin-Embedder-Policy: require-corp');
  // still works on one thread
  const img = await sampleImage(page);
  await dropImage(page, img.bytes, img.name, img.type);
  await expect(page.getByTestId('top5-dynamicvit').locator('li').first()).toBeVisible();
});
