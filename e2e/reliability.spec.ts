import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect as baseExpect, test, type Page } from '@playwright/test';
import { caption, dropImage, MODEL, waitReady, watchErrors, watchOrigin } from './helpers.ts';

/**
 * Issue 6 (reliability): bad and unusual images, concurrency, cancel. Runs in the 'webgpu' project but loads
 * the fixture on the wasm backend (?backend=wasm): decoding, the drop path and request ordering do not depend
 * on the backend, and on 2 shared cores software WebGPU takes minutes to create sessions and compile
 * shaders (webgpu.spec.ts covers classification on WebGPU).
 * Inputs: tests/fixtures/bad-inputs/ (scripts/make_bad_inputs.py, with manifest.json saying what each file
 * must give); the 8000x8000 and 50 MP images are generated in the page at test time.
 */

// the fixture runs in milliseconds once loaded: fail fast instead of the config's 2-minute default
const expect = baseExpect.configure({ timeout: 30_000 });

const BAD = fileURLToPath(new URL('../tests/fixtures/bad-inputs/', import.meta.url));
interface Entry {
  file: string;
  type: string;
  expect: 'result' | 'error';
  note: string;
  message: string | null;
  oriented?: [number, number];
}
const MANIFEST = JSON.parse(readFileSync(`${BAD}manifest.json`, 'utf8')) as Entry[];

/** RGBA of a pixel of the input crop (the strip's first canvas) at fractions of its size. */
async function cropPixel(page: Page, fx: number, fy: number): Promise<number[]> {
  return page
    .getByTestId('stage-strip')
    .locator('canvas')
    .first()
    .evaluate(
      (c: HTMLCanvasElement, [fx, fy]) => {
        const x = Math.min(c.width - 1, Math.floor(c.width * fx));
        const y = Math.min(c.height - 1, Math.floor(c.height * fy));
        return [...c.getContext('2d')!.getImageData(x, y, 1, 1).data];
      },
      [fx, fy],
    );
}

/** Waits until the page shows the result of the image named `name` (not busy, caption names it). */
async function expectShown(page: Page, name: string): Promise<void> {
  await expect(page.locator('section[aria-busy]')).toHaveAttribute('aria-busy', 'false');
  await expect(caption(page)).toContainText(name);
  await expect(page.getByTestId('status')).toHaveText('Ready');
  await expect(page.getByTestId('top5-dynamicvit').locator('li').first()).toBeVisible();
  await expect(page.getByTestId('error')).toHaveCount(0);
}

const isRed = ([r, g, b]: number[]) => r > 150 && g < 90 && b < 90;
const isGreen = ([r, g, b]: number[]) => g > 150 && r < 90 && b < 90;
const isBlue = ([r, g, b]: number[]) => b > 150 && r < 90 && g < 90;

/**
 * Generates an image in the page (OffscreenCanvas -> encoder) and drops it. The stored picture is
 * red on the left half and blue on the right; exif6 inserts an EXIF APP1 with orientation 6 (rotate 90
 * clockwise to display: red on top, blue below).
 */
async function dropGenerated(page: Page, o: { width: number; height: number; name: string; type: string; exif6?: boolean }): Promise<void> {
  await page.evaluate(async ({ width, height, name, type, exif6 }) => {
    const c = new OffscreenCanvas(width, height);
    const x = c.getContext('2d')!;
    x.fillStyle = '#dc1e1e';
    x.fillRect(0, 0, width / 2, height);
    x.fillStyle = '#1e1edc';
    x.fillRect(width / 2, 0, width - width / 2, height);
    let bytes = new Uint8Array(await (await c.convertToBlob({ type, quality: 0.8 })).arrayBuffer());
    if (exif6) {
      // APP1 "Exif\0\0" + big-endian TIFF header + one IFD entry: Orientation (0x0112) SHORT 1 = 6
      const tiff = [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0];
      const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
      const app1 = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
      const out = new Uint8Array(bytes.length + app1.length);
      out.set(bytes.subarray(0, 2));
      out.set(app1, 2);
      out.set(bytes.subarray(2), 2 + app1.length);
      bytes = out;
    }
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type }));
    const dz = document.querySelector('[data-testid=dropzone]')!;
    dz.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    dz.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, o);
}

test.describe('reliability (issue 6)', () => {
  test.describe.configure({ timeout: 400_000 });

  test('bad, odd and unusual image files: a correct result or a specific message, page stays usable', async ({ page, baseURL }) => {
    const watch = watchOrigin(page, baseURL!);
    const pageErrors = await watchErrors(page);
    await page.goto(`/?model=${MODEL}&backend=wasm`);
    await waitReady(page);
    const ok = readFileSync(`${BAD}ok.png`);

    for (const e of MANIFEST) {
      await test.step(`${e.file}: ${e.note} -> ${e.expect}`, async () => {
        await dropImage(page, readFileSync(BAD + e.file), e.file, e.type);
        if (e.expect === 'result') {
          await expectShown(page, e.file);
        } else {
          await expect(page.getByTestId('error')).toContainText(new RegExp(e.message!, 'i'));
          await expect(page.getByTestId('error')).toContainText(e.file);
          await expect(page.getByTestId('status')).toHaveText('Ready');
          // still usable: the next good image is classified
          await dropImage(page, ok, `after-${e.file}.png`, 'image/png');
          await expectShown(page, `after-${e.file}.png`);
        }
      });
      if (e.oriented) await expect(caption(page)).toContainText(`${e.oriented[0]}×${e.oriented[1]}`);
    }

    // EXIF orientation respected (JPEG APP1 and PNG eXIf): the upright picture has green top-left, blue right
    for (const f of ['exif_rot6.jpg', 'exif_rot6.png']) {
      await dropImage(page, readFileSync(BAD + f), f, f.endsWith('.png') ? 'image/png' : 'image/jpeg');
      await expectShown(page, f);
      expect(isGreen(await cropPixel(page, 0.05, 0.05)), `${f} top-left green`).toBe(true);
      expect(isBlue(await cropPixel(page, 0.95, 0.5)), `${f} right blue`).toBe(true);
    }
    // animated GIF / WebP: the first frame (red)
    for (const f of ['animated.gif', 'animated.webp']) {
      await dropImage(page, readFileSync(BAD + f), f, f.endsWith('.gif') ? 'image/gif' : 'image/webp');
      await expectShown(page, f);
      expect(isRed(await cropPixel(page, 0.5, 0.5)), `${f} first frame`).toBe(true);
    }
    // SVG rendered as an image: picture correct, its <script> never ran, its remote <image> never loaded
    await dropImage(page, readFileSync(`${BAD}scripted.svg`), 'scripted.svg', 'image/svg+xml');
    await expectShown(page, 'scripted.svg');
    expect(isRed(await cropPixel(page, 0.5, 0.5))).toBe(true);
    expect(isBlue(await cropPixel(page, 0.02, 0.02))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __svgScriptRan?: boolean }).__svgScriptRan)).toBeUndefined();
    // 1x1 and extreme aspect ratios keep their source size in the caption
    await dropImage(page, readFileSync(`${BAD}wide_4000x3.png`), 'wide_4000x3.png');
    await expectShown(page, 'wide_4000x3.png');
    await expect(caption(page)).toContainText('4000×3');

    expect(watch.foreign, 'requests that left the origin').toEqual([]);
    expect(await pageErrors()).toEqual([]);
  });

  test('very large images (8000x8000, 50 MP, 18 MP EXIF-rotated) are decoded at a reduced size', async ({ page }) => {
    const pageErrors = await watchErrors(page);
    await page.goto(`/?model=${MODEL}&backend=wasm`);
    await waitReady(page);
    await dropGenerated(page, { width: 8000, height: 8000, name: 'big-8000.jpg', type: 'image/jpeg' });
    await expectShown(page, 'big-8000.jpg');
    await expect(caption(page)).toContainText('8000×8000');
    expect(isRed(await cropPixel(page, 0.1, 0.5))).toBe(true);
    expect(isBlue(await cropPixel(page, 0.9, 0.5))).toBe(true);

    await dropGenerated(page, { width: 8660, height: 5774, name: 'photo-50mp.jpg', type: 'image/jpeg' });
    await expectShown(page, 'photo-50mp.jpg');
    await expect(caption(page)).toContainText('8660×5774');

    // stored 6000x3000 (red left, blue right), orientation 6: displayed 3000x6000, red on top, blue below
    await dropGenerated(page, { width: 6000, height: 3000, name: 'rotated-18mp.jpg', type: 'image/jpeg', exif6: true });
    await expectShown(page, 'rotated-18mp.jpg');
    await expect(caption(page)).toContainText('3000×6000');
    expect(isRed(await cropPixel(page, 0.5, 0.1)), 'top red').toBe(true);
    expect(isBlue(await cropPixel(page, 0.5, 0.9)), 'bottom blue').toBe(true);
    expect(await pageErrors()).toEqual([]);
  });

  test('20 drops in quick succession: the last one is shown, no stale overlay, no unhandled rejection; benchmark cancel', async ({
    page,
  }) => {
    const pageErrors = await watchErrors(page);
    await page.goto(`/?model=${MODEL}&backend=wasm&runs=500`);
    await waitReady(page);
    // 20 different solid-colour PNGs, dropped synchronously one after another
    await page.evaluate(async () => {
      const files: File[] = [];
      for (let i = 0; i < 20; i++) {
        const c = new OffscreenCanvas(64 + i, 48 + i);
        const x = c.getContext('2d')!;
        x.fillStyle = i === 19 ? '#1ec81e' : `rgb(${200 - i * 5}, 20, ${20 + i * 9})`;
        x.fillRect(0, 0, c.width, c.height);
        files.push(new File([await c.convertToBlob({ type: 'image/png' })], `burst-${i}.png`, { type: 'image/png' }));
      }
      const dz = document.querySelector('[data-testid=dropzone]')!;
      for (const f of files) {
        const dt = new DataTransfer();
        dt.items.add(f);
        dz.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    });
    await expectShown(page, 'burst-19.png');
    await expect(caption(page)).toContainText('83×67');
    expect(isGreen(await cropPixel(page, 0.5, 0.5)), 'the overlay shows the last image').toBe(true);
    // nothing arrives later and replaces it
    await page.waitForTimeout(1500);
    await expect(caption(page)).toContainText('burst-19.png');
    expect(isGreen(await cropPixel(page, 0.5, 0.5))).toBe(true);

    // a running benchmark (500 runs) can be cancelled; the partial result says so
    await page.getByTestId('bench-run').click();
    await expect(page.getByText(/^[1-9]\d*\/500$/)).toBeVisible();
    await page.getByTestId('bench-cancel').click();
    await expect(page.getByTestId('bench-result')).toContainText(/cancelled after \d+ runs/);
    await expect(page.getByTestId('bench-run')).toBeEnabled();
    // and the page still classifies
    await dropImage(page, readFileSync(`${BAD}ok.png`), 'after-bench.png');
    await expectShown(page, 'after-bench.png');
    expect(await pageErrors()).toEqual([]);
  });
});

test.describe('user models (issue 6, item 2)', () => {
  test.describe.configure({ timeout: 400_000 });
  const FIX = fileURLToPath(new URL(`../public/models/${MODEL}/`, import.meta.url));
  const file = (name: string, buffer: Buffer) => ({
    name,
    mimeType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    buffer,
  });
  const card = (f: string) => JSON.parse(readFileSync(FIX + f, 'utf8')) as Record<string, unknown>;
  const json = (o: unknown) => Buffer.from(JSON.stringify(o));

  test('corrupt ONNX, graph/card mismatch, bad card fields: a specific message each, the loaded model keeps working; a good pair loads', async ({
    page,
  }) => {
    const pageErrors = await watchErrors(page);
    await page.goto(`/?model=${MODEL}&backend=wasm`);
    await waitReady(page);
    const original = (await page.getByTestId('model-name').textContent())!;
    const ok = readFileSync(`${BAD}ok.png`);
    const pair = {
      'dynamicvit.json': readFileSync(`${FIX}dynamicvit.json`),
      'dynamicvit.onnx': readFileSync(`${FIX}dynamicvit.onnx`),
      'deit.json': readFileSync(`${FIX}deit.json`),
      'deit.onnx': readFileSync(`${FIX}deit.onnx`),
    };
    const noCache = (c: Record<string, unknown>) => ({ ...c, onnx: { ...(c.onnx as object), sha256: '', bytes: 0 } });
    const cases: { what: string; files: Record<string, Buffer>; message: RegExp }[] = [
      {
        what: 'corrupt ONNX',
        files: { ...pair, 'dynamicvit.onnx': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)) },
        message: /"dynamicvit\.onnx" is not a valid ONNX model/,
      },
      { what: 'empty ONNX', files: { ...pair, 'deit.onnx': Buffer.alloc(0) }, message: /"deit\.onnx" is empty/ },
      {
        what: 'graph does not match its card',
        files: { ...pair, 'dynamicvit.onnx': pair['deit.onnx'] },
        message: /card and ONNX graph disagree[\s\S]*keep_count_stage1/,
      },
      {
        what: 'card with missing and wrong fields',
        files: {
          ...pair,
          'dynamicvit.json': json({
            ...card('dynamicvit.json'),
            labels: undefined,
            preprocessing: { ...(card('dynamicvit.json').preprocessing as object), mean: [0.5, 0.5] },
            schema_version: 99,
          }),
        },
        message: /model card is invalid[\s\S]*schema_version[\s\S]*preprocessing\.mean[\s\S]*labels/,
      },
      {
        what: 'schema-1 card',
        files: { ...pair, 'dynamicvit.json': json({ ...card('dynamicvit.json'), schema_version: 1 }) },
        message: /schema 1 card[\s\S]*re-export with models\/export\.py/,
      },
      {
        what: 'card that is not JSON',
        files: { ...pair, 'deit.json': Buffer.from('{"family": "deit",') },
        message: /"deit\.json" is not valid JSON/,
      },
      {
        what: 'missing twin',
        files: { 'dynamicvit.json': pair['dynamicvit.json'], 'dynamicvit.onnx': pair['dynamicvit.onnx'] },
        message: /twin "deit\.json", which is not among the chosen files/,
      },
      { what: 'no card at all', files: { 'dynamicvit.onnx': pair['dynamicvit.onnx'] }, message: /cards and graphs together/ },
    ];
    for (const c of cases) {
      await test.step(c.what, async () => {
        await page.getByTestId('user-model-input').setInputFiles(Object.entries(c.files).map(([n, b]) => file(n, b)));
        await expect(page.getByTestId('error')).toContainText(c.message, { timeout: 120_000 });
        await expect(page.getByTestId('user-model-button')).toBeEnabled();
        await expect(page.getByTestId('model-name')).toHaveText(original);
        await dropImage(page, ok, `after ${c.what}.png`);
        await expectShown(page, `after ${c.what}.png`);
      });
    }
    // a good pair, as a user would pick it (no sha256: not from this origin's cache)
    await page
      .getByTestId('user-model-input')
      .setInputFiles([
        file('dynamicvit.json', json({ ...noCache(card('dynamicvit.json')), display_name: 'My own DynamicViT' })),
        file('dynamicvit.onnx', pair['dynamicvit.onnx']),
        file('deit.json', json(noCache(card('deit.json')))),
        file('deit.onnx', pair['deit.onnx']),
      ]);
    await expect(page.getByTestId('model-name')).toHaveText('My own DynamicViT', { timeout: 120_000 });
    await expectShown(page, 'after');
    expect(await pageErrors()).toEqual([]);
  });
});
