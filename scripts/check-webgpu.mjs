#!/usr/bin/env node
// Proves that every node of a model pair runs on onnxruntime-web's native WebGPU EP (no CPU fallback)
// in headless Chromium. Usage: node scripts/check-webgpu.mjs [modelDir]   (default public/models/fixture-tiny)
// Exit code 0 only if both sessions were created and ran, and (if modelDir/expected.json exists) the top-5
// and the kept sets at rho 0.7 match the onnxruntime CPU reference.
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, existsSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, extname, dirname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const modelDir = resolve(process.argv[2] || join(root, 'public/models/fixture-tiny'));
const chromePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const VERBOSE = process.env.CHECK_VERBOSE === '1'; // ORT verbose log (node placements) to stdout
const RUNS = Math.max(1, Number(process.env.CHECK_RUNS || 2)); // runs per model (first includes shader compilation)
const TIMEOUT_MS = Number(process.env.CHECK_TIMEOUT_MS || 180000);

const files = ['dynamicvit.onnx', 'deit.onnx'].filter((f) => existsSync(join(modelDir, f)));
if (files.length === 0) {
  console.error(`check-webgpu: no dynamicvit.onnx or deit.onnx in ${modelDir}`);
  process.exit(2);
}

const mounts = [
  ['/ort/', join(root, 'node_modules/onnxruntime-web/dist')],
  ['/model/', modelDir],
  ['/', join(root, 'scripts/webgpu-check')],
];
const TYPES = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
};

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path === '/config.json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ files, verbose: VERBOSE, runs: RUNS }));
  }
  for (const [prefix, dir] of mounts) {
    if (!path.startsWith(prefix)) continue;
    const rel = path.slice(prefix.length) || 'index.html';
    const file = normalize(join(dir, rel));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) break;
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
    return res.end(readFileSync(file));
  }
  res.writeHead(404);
  res.end('not found');
});

async function main() {
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const userDir = mkdtempSync(join(tmpdir(), 'check-webgpu-'));
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: chromePath,
    headless: true,
    args: ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    if (VERBOSE) page.on('console', (m) => console.log(`[browser] ${m.text()}`));
    const t0 = Date.now();
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: TIMEOUT_MS });
    const result = await page.evaluate(() => window.__result);
    result.wallMs = Date.now() - t0;
    if (pageErrors.length) result.pageErrors = pageErrors;
    return result;
  } finally {
    await context.close();
    rmSync(userDir, { recursive: true, force: true });
    server.close();
  }
}

main().then(
  (r) => {
    console.log(`check-webgpu: ${modelDir}`);
    if (r.error) {
      console.log(`FAIL: ${r.error}`);
      process.exit(1);
    }
    const a = r.adapter;
    console.log(`adapter: ${a.vendor} ${a.architecture} fallback=${a.fallback} shader-f16=${a.shaderF16}`);
    for (const m of r.results) {
      console.log(
        `${m.file}: create ${m.createMs} ms, first run ${m.firstRunMs} ms, later runs (median of ${m.runs - 1}) ${m.medianLaterRunMs} ms`,
      );
      for (const [name, o] of Object.entries(m.outputs)) {
        console.log(`  ${name} ${o.type} [${o.dims.join(', ')}] first: ${o.head.map((v) => +v.toFixed(4)).join(', ')}`);
      }
      if (m.comparedWithExpected)
        console.log(`  vs expected.json: ${m.failures.length ? m.failures.join('; ') : 'top-5 and kept sets match'}`);
    }
    console.log(`${r.ok ? 'OK' : 'FAIL'}: all nodes on the WebGPU EP (disable_cpu_ep_fallback=1), total ${r.wallMs} ms`);
    process.exit(r.ok ? 0 : 1);
  },
  (e) => {
    console.log(`FAIL: ${e && e.message ? e.message.split('\n')[0] : e}`);
    server.close();
    process.exit(1);
  },
);
