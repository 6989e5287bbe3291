import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Locator, type Page } from '@playwright/test';

export const MODEL = process.env.E2E_MODEL ?? 'fixture-tiny';
export const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const FIXTURE_IMAGE = fileURLToPath(new URL('../tests/fixtures/preprocess/landscape_300x200.png', import.meta.url));

/** Collects requests that leave the page's origin (there must be none) and CSP violations. */
export function watchOrigin(page: Page, origin: string): { foreign: string[]; csp: string[] } {
  const foreign: string[] = [];
  const csp: string[] = [];
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')) foreign.push(u);
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) csp.push(m.text());
  });
  return { foreign, csp };
}

/** The line under the overlay strip naming the image shown (name, source size, crop). */
export const caption = (page: Page): Locator => page.locator('.overlay-main + .strip + p');

/** Fails the test on uncaught page errors and unhandled promise rejections (collected in the page). */
export async function watchErrors(page: Page): Promise<() => Promise<string[]>> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    const w = window as unknown as { __rejections: string[] };
    w.__rejections = [];
    window.addEventListener('unhandledrejection', (e) => w.__rejections.push(String((e.reason as Error)?.message ?? e.reason)));
  });
  return async () => [...errors, ...(await page.evaluate(() => (window as unknown as { __rejections: string[] }).__rejections))];
}

export async function waitReady(page: Page, timeout = 900_000): Promise<void> {
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', /ready|error/, { timeout });
  const state = await page.getByTestId('status').getAttribute('data-state');
  if (state === 'error') throw new Error(`page reached error: ${await page.getByTestId('error').textContent()}`);
}

/** Drops an image file on the drop zone the way a user's drag-and-drop does (DataTransfer + drop event). */
export async function dropImage(page: Page, bytes: Buffer, name: string, type = 'image/png'): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ b64, name, type }) => {
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], name, { type }));
      return dt;
    },
    { b64: bytes.toString('base64'), name, type },
  );
  await page.getByTestId('dropzone').dispatchEvent('dragover', { dataTransfer });
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
}

/** A bundled sample if there is one, else the committed preprocessing fixture image. */
export async function sampleImage(page: Page): Promise<{ bytes: Buffer; name: string; type: string }> {
  const res = await page.request.get('/samples/samples.json');
  if (res.ok() && (res.headers()['content-type'] ?? '').includes('json')) {
    const list = (await res.json()) as { file: string }[];
    if (Array.isArray(list) && list.length) {
      const f = list[0].file;
      const img = await page.request.get(`/samples/${f}`);
      if (img.ok()) {
        const type = f.endsWith('.png') ? 'image/png' : f.endsWith('.webp') ? 'image/webp' : 'image/jpeg';
        return { bytes: Buffer.from(await img.body()), name: f, type };
      }
    }
  }
  return { bytes: readFileSync(FIXTURE_IMAGE), name: 'landscape_300x200.png', type: 'image/png' };
}

export async function keptCounts(page: Page, stages: number): Promise<number[]> {
  const out: number[] = [];
  for (let p = 1; p <= stages; p++) out.push(Number(await page.getByTestId(`kept-count-stage${p}`).textContent()));
  return out;
}

/** Waits until the result on screen is for this rho and the overlays show the given counts. */
export async function expectCounts(page: Page, counts: number[]): Promise<void> {
  for (const [i, k] of counts.entries()) {
    await expect(page.getByTestId(`kept-count-stage${i + 1}`)).toHaveText(String(k));
  }
  await expect(page.getByTestId('status')).toHaveText('Ready');
  // the big overlay and the strip caption read the graph's kept positions
  await expect(page.getByTestId('stage-strip').locator('figcaption')).toHaveText([
    'input',
    ...counts.map((k, i) => `stage ${i + 1} · ${k}`),
  ]);
}

interface ExpectedRho {
  keep_counts: number[];
  top5: number[];
  kept_positions: number[][];
}
export interface Expected {
  input: { file: string; shape: number[] };
  deit: { top5: number[] };
  dynamicvit: Record<string, ExpectedRho>;
}

/** public/models/<model>/expected.json (reference outputs from onnxruntime CPU for a fixed input), if any. */
export function loadExpected(model = MODEL): Expected | null {
  const p = fileURLToPath(new URL(`../public/models/${model}/expected.json`, import.meta.url));
  if (!existsSync(p)) return null;
  return JSON.parse(readFileSync(p, 'utf8')) as Expected;
}

export function expectedInput(e: Expected, model = MODEL): Buffer {
  return readFileSync(fileURLToPath(new URL(`../public/models/${model}/${e.input.file}`, import.meta.url)));
}

/** The page shows exactly the reference kept sets and top-5 (indices) for the fixture's input at this rho. */
export async function expectFixtureOutputs(page: Page, e: Expected, rho: string): Promise<void> {
  const ref = e.dynamicvit[rho];
  await expectCounts(page, ref.keep_counts);
  const figs = page.getByTestId('stage-strip').locator('figure[data-positions]');
  await expect(figs).toHaveCount(ref.kept_positions.length);
  for (let p = 0; p < ref.kept_positions.length; p++) {
    const got = ((await figs.nth(p).getAttribute('data-positions')) ?? '').split(',').map(Number);
    expect(
      [...got].sort((a, b) => a - b),
      `stage ${p + 1} kept set at rho ${rho}`,
    ).toEqual([...ref.kept_positions[p]].sort((a, b) => a - b));
  }
  const idx = async (id: string) =>
    await page
      .getByTestId(id)
      .locator('li')
      .evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('data-index'))));
  expect(await idx('top5-dynamicvit')).toEqual(ref.top5);
  expect(await idx('top5-deit')).toEqual(e.deit.top5);
}
