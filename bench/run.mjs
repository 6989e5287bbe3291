#!/usr/bin/env node
// npm run bench -- [--models fixture-tiny,demo,deit-s-random] [--backends webgpu,wasm,native] [--rhos 0.5,0.7,0.9,1.0]
//   [--runs 20] [--max-seconds-per-cell 60] [--out bench/results] [--no-app-check] [--no-variants] [--no-gpu-buffer]
//
// DeiT vs DynamicViT batch-1 latency, interleaved, per model set x backend x keep ratio, in headless Chromium
// (onnxruntime-web, WebGPU and wasm) through the harness page bench/harness (same ORT build, wasm asset and session
// options as the app's worker), plus native onnxruntime (Python, CPU EP) on the same ONNX files. Then the app's
// overhead (decode + preprocess + run + postprocess vs bare session runs), the predictors' share (no-predictor
// graph variant, ORT profiling natively), static-k graphs and GPU-resident outputs, and a cross-check through the
// app's own benchmark button. Writes results.json, results.md, chart.svg to --out and the table into bench/README.md.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir, totalmem, hostname } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, readdirSync, lstatSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, 'bench/work');
const PY = join(ROOT, '.venv/bin/python');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

// ------------------------------------------------------------------------------------------------ CLI
function parseArgs(argv) {
  const o = {
    models: null, backends: 'webgpu,wasm,native', rhos: '0.5,0.7,0.9,1.0', runs: 20, maxSecondsPerCell: 60,
    out: 'bench/results', appCheck: true, captureHeavy: false, heavyMs: 10_000, skip: [], maxMinutesPerCombo: Infinity, overhead: true, appRuns: null, variants: true, gpuBuffer: true, overheadRuns: 10, build: true, readme: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--models') o.models = val();
    else if (a === '--backends') o.backends = val();
    else if (a === '--rhos') o.rhos = val();
    else if (a === '--runs') o.runs = Number(val());
    else if (a === '--max-seconds-per-cell') o.maxSecondsPerCell = Number(val());
    else if (a === '--overhead-runs') o.overheadRuns = Number(val());
    else if (a === '--out') o.out = val();
    else if (a === '--no-app-check') o.appCheck = false;
    else if (a === '--capture-heavy') o.captureHeavy = true;
    else if (a === '--heavy-ms') o.heavyMs = Number(val());
    else if (a === '--skip') o.skip = val().split(',').filter(Boolean); // model:backend, e.g. deit-s-random:webgpu
    else if (a === '--max-minutes-per-combo') o.maxMinutesPerCombo = Number(val());
    else if (a === '--no-variants') o.variants = false;
    else if (a === '--no-gpu-buffer') o.gpuBuffer = false;
    else if (a === '--no-overhead') o.overhead = false;
    else if (a === '--app-runs') o.appRuns = Number(val());
    else if (a === '--no-build') o.build = false;
    else if (a === '--no-readme') o.readme = false;
    else if (a === '-h' || a === '--help') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 11).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}
const opts = parseArgs(process.argv.slice(2));
const rhos = opts.rhos.split(',').map(Number);
const backends = opts.backends.split(',').filter(Boolean);
const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

function sh(cmd, args, { allowFail = false } = {}) {
  log('$', cmd, args.join(' '));
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  return r.status === 0;
}

// ------------------------------------------------------------------------------------------ model sets
function defaultModels() {
  const ids = [];
  const idx = join(ROOT, 'public/models/index.json');
  if (existsSync(idx)) {
    const index = JSON.parse(readFileSync(idx, 'utf8'));
    for (const m of index.models ?? []) if (m.kind === 'fixture' || m.kind === 'demo') ids.push(m.id);
  }
  ids.push('deit-s-random');
  return [...new Set(ids)];
}

function sourceDir(id) {
  for (const d of [join(ROOT, 'public/models', id), join(WORK, 'models', id)]) {
    if (existsSync(join(d, 'dynamicvit.onnx')) && existsSync(join(d, 'deit.onnx'))) return d;
  }
  return null;
}

/** DeiT-S-shaped pair from random official-format checkpoints (bench/work only, never committed). */
function ensureDeitSRandom() {
  const out = join(WORK, 'models/deit-s-random');
  if (existsSync(join(out, 'dynamicvit.json')) && existsSync(join(out, 'deit.json'))) return out;
  const ck = join(WORK, 'ckpt');
  sh(PY, ['bench/make_checkpoints.py', '--out', relative(ROOT, ck)]);
  sh('bash', ['scripts/py.sh', '-m', 'models.export', '--dynamicvit', join(ck, 'dynamicvit_small_random.pth'),
    '--deit', join(ck, 'deit_small_random.pth'), '--out', out, '--kind', 'fixture', '--name', 'deit-s-random',
    '--title', 'DeiT-S / DynamicViT-S (random weights, bench only)']);
  return out;
}

/** bench/work/sets/<id>/: symlinks to the model set's files + generated graph variants (never in public/). */
function prepareSet(id) {
  // "<id>+fusedgelu": the same pair with the exporter's 5-node erf GELU replaced by one com.microsoft Gelu node
  const fused = id.endsWith('+fusedgelu');
  const baseId = fused ? id.slice(0, -'+fusedgelu'.length) : id;
  const src = baseId === 'deit-s-random' ? ensureDeitSRandom() : sourceDir(baseId);
  if (!src) return null;
  const dir = join(WORK, 'sets', id);
  mkdirSync(dir, { recursive: true });
  if (fused) {
    const srcTime = statSync(join(src, 'dynamicvit.onnx')).mtimeMs;
    const ok = ['deit.onnx', 'dynamicvit.onnx'].every((f) => existsSync(join(dir, f)) && lstatSync(join(dir, f)).isFile() && !lstatSync(join(dir, f)).isSymbolicLink() && statSync(join(dir, f)).mtimeMs >= srcTime);
    if (!ok) sh(PY, ['bench/variants.py', src, '--out', dir, '--fuse-gelu', '--static-rhos', rhos.join(',')]);
  }
  for (const f of readdirSync(src)) {
    if (!/\.(onnx|json|bin)$/.test(f) || f.startsWith('dynamicvit-k') || f === 'dynamicvit-nopred.onnx') continue;
    if (fused && (f === 'deit.onnx' || f === 'dynamicvit.onnx')) continue;
    const link = join(dir, f);
    if (existsSync(link) || lstatSync(link, { throwIfNoEntry: false })) unlinkSync(link);
    symlinkSync(join(src, f), link);
  }
  if (opts.variants) {
    const srcTime = statSync(join(src, 'dynamicvit.onnx')).mtimeMs;
    const need = ['dynamicvit-nopred.onnx', ...rhos.map((r) => `dynamicvit-k${r.toFixed(2)}.onnx`)];
    const stale = need.some((f) => !existsSync(join(dir, f)) || statSync(join(dir, f)).mtimeMs < srcTime);
    if (stale && !fused) sh(PY, ['bench/variants.py', src, '--out', dir, '--static-rhos', rhos.join(',')]);
  }
  return { id, src, dir, dvitCard: JSON.parse(readFileSync(join(src, 'dynamicvit.json'), 'utf8')), deitCard: JSON.parse(readFileSync(join(src, 'deit.json'), 'utf8')) };
}

// ---------------------------------------------------------------------------------------------- native
function runNative(sets) {
  const out = join(WORK, 'results/native.json');
  const args = ['bench/native_reference.py', '--rhos', rhos.join(','), '--runs', String(opts.runs),
    '--max-seconds-per-cell', String(opts.maxSecondsPerCell), '--out', out];
  for (const s of sets) if (!opts.skip.includes(`${s.id}:native`)) args.push('--model-dir', `${s.id}=${s.dir}`);
  if (!args.includes('--model-dir')) return null;
  sh(PY, args);
  return JSON.parse(readFileSync(out, 'utf8'));
}

// --------------------------------------------------------------------------------------------- browser
async function withBrowser(fn) {
  const userDir = mkdtempSync(join(tmpdir(), 'dvit-bench-'));
  const ctx = await chromium.launchPersistentContext(userDir, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    return await fn(ctx, ctx.browser()?.version() ?? null);
  } finally {
    await ctx.close().catch(() => undefined);
    rmSync(userDir, { recursive: true, force: true });
  }
}

async function harnessPage(ctx, port) {
  const page = await ctx.newPage();
  page.setDefaultTimeout(0);
  page.on('console', (m) => { if (m.text().startsWith('[bench]')) log(m.text()); });
  page.on('pageerror', (e) => log('pageerror', e.message));
  await page.goto(`http://127.0.0.1:${port}/index.html`);
  await page.waitForFunction(() => window.__bench?.ready === true);
  const call = (req) => page.evaluate((r) => window.__bench.call(r), req);
  return { page, call };
}

async function benchOne(s, backend, port) {
  const entry = { model: s.id, backend };
  await withBrowser(async (ctx, version) => {
    entry.browser = version;
    const { page, call } = await harnessPage(ctx, port);
    const maxMs = opts.maxSecondsPerCell * 1000;
    try {
      log(`${s.id} / ${backend}: loading`);
      const warmupRho = s.dvitCard.pruning?.trained_keep_ratio ?? 0.7;
      entry.load = await call({ type: 'load', baseUrl: `/models/${s.id}/`, backend, outputLocation: 'cpu', nopred: opts.variants, warmupRho });
      // "heavy": a warm DeiT run over --heavy-ms (10 s) (DeiT-S on software WebGPU): only DeiT/DynamicViT in the grid, the
      // no-predictor variant at rho 0.7; the time bound may end a cell after 2 rounds; overhead from 1 pipeline run
      const heavy = entry.load.secondDeitMs > opts.heavyMs;
      entry.heavy = heavy;
      entry.cells = [];
      const tCombo = Date.now();
      for (const rho of rhos) {
        if ((Date.now() - tCombo) / 60_000 > opts.maxMinutesPerCombo) {
          entry.skippedRhos = [...(entry.skippedRhos ?? []), rho];
          log(`${s.id} / ${backend}: rho ${rho} skipped (--max-minutes-per-combo ${opts.maxMinutesPerCombo})`);
          continue;
        }
        const extra = !opts.variants ? [] : heavy ? (Math.abs(rho - 0.7) < 1e-9 ? ['nopred'] : []) : ['nopred', 'static_k'];
        log(`${s.id} / ${backend}: rho ${rho} (${['deit', 'dynamicvit', ...extra].join(', ')})`);
        entry.cells.push(await call({ type: 'cell', rho, runs: opts.runs, maxMs, minRuns: heavy ? 2 : 3, extra }));
      }
      if (rhos.includes(0.7)) {
        log(`${s.id} / ${backend}: app pipeline overhead`);
        if (opts.overhead) entry.overhead = await call({ type: 'overhead', rho: 0.7, runs: heavy ? 1 : opts.overheadRuns, maxMs, imageWidth: 800, imageHeight: 600 });
        if (backend === 'webgpu' && opts.variants && (!heavy || opts.captureHeavy)) {
          log(`${s.id} / webgpu: graph capture (DeiT + static-k DynamicViT, GPU-resident I/O)`);
          entry.capture = await call({ type: 'captureCell', rho: 0.7, runs: opts.runs, maxMs });
          if (entry.capture.error) log(`graph capture: ${entry.capture.error}`);
        }
      }
      await call({ type: 'release' });
      if (backend === 'webgpu' && opts.gpuBuffer && !heavy) {
        log(`${s.id} / webgpu: outputs kept on the GPU (preferredOutputLocation gpu-buffer)`);
        const l = await call({ type: 'load', baseUrl: `/models/${s.id}/`, backend, outputLocation: 'gpu-buffer', nopred: false, warmupRho });
        const c = await call({ type: 'cell', rho: 0.7, runs: opts.runs, maxMs, minRuns: 3, extra: [] });
        entry.gpuBuffer = { firstRunMs: l.firstRunMs, cell: c };
        await call({ type: 'release' });
      }
    } catch (e) {
      entry.error = String(e?.message ?? e).split('\n')[0];
      log(`${s.id} / ${backend}: ERROR ${entry.error}`);
    }
  }).catch((e) => {
    entry.error ??= `browser: ${String(e?.message ?? e).split('\n')[0]}`;
  });
  return entry;
}

/** One fresh browser per model set x backend (a crash loses one combination, not the run). */
async function browserBench(sets, port, onEntry = () => {}) {
  const results = [];
  for (const s of sets) {
    for (const backend of backends.filter((b) => b === 'webgpu' || b === 'wasm')) {
      if (opts.skip.includes(`${s.id}:${backend}`)) {
        log(`${s.id} / ${backend}: skipped (--skip)`);
        results.push({ model: s.id, backend, skipped: true });
        continue;
      }
      results.push(await benchOne(s, backend, port));
      onEntry(results);
    }
  }
  return results;
}

// ------------------------------------------------------------------------------- app's own benchmark
async function appCheck(sets) {
  const outDir = join(WORK, 'app-dist');
  if (opts.build && !sh('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { allowFail: true })) {
    return { error: 'vite build of the app failed' };
  }
  if (!existsSync(join(outDir, 'index.html'))) return { error: 'no app build' };
  const mounts = [['/', outDir], ...sets.map((s) => [`/models/${s.id}/`, s.dir])];
  const { server, port } = await serve(mounts);
  const rows = [];
  try {
    await withBrowser(async (ctx) => {
      for (const s of sets) {
        for (const backend of backends.filter((b) => b === 'webgpu' || b === 'wasm')) {
          if (s.id === 'deit-s-random' || opts.skip.includes(`${s.id}:${backend}`)) continue; // DeiT-S: slow on software WebGPU; covered by the harness
          const page = await ctx.newPage();
          const row = { model: s.id, backend, rho: 0.7 };
          try {
            // the app's panel runs N interleaved pairs after a warm-up; software WebGPU is slow: 3 pairs there
            const runs = opts.appRuns ?? (backend === 'webgpu' ? 3 : 10);
            await page.goto(`http://127.0.0.1:${port}/?model=${encodeURIComponent(s.id)}&backend=${backend}&runs=${runs}`);
            await page.locator('[data-testid="status"][data-state="ready"]').waitFor({ timeout: 300_000 });
            const slider = page.getByTestId('rho-slider');
            if (await slider.count()) await slider.fill('0.7');
            await page.getByTestId('bench-run').click();
            await page.getByTestId('bench-result').waitFor({ timeout: 600_000 });
            row.backendShown = await page.getByTestId('bench-result').getAttribute('data-backend');
            row.ratioDeitOverDvit = Number(await page.getByTestId('bench-ratio').getAttribute('data-ratio'));
            row.ratio = 1 / row.ratioDeitOverDvit;
            row.table = await page.locator('[data-testid="bench-result"] table').innerText();
            log(`app ${s.id}/${backend}: DynamicViT/DeiT ${row.ratio.toFixed(3)}`);
          } catch (e) {
            row.error = String(e?.message ?? e).split('\n')[0];
            log(`app ${s.id}/${backend}: ${row.error}`);
          }
          await page.close();
          rows.push(row);
        }
      }
    });
  } finally {
    server.close();
  }
  return { rows };
}

// ------------------------------------------------------------------------------------------------ main
async function main() {
  const t0 = Date.now();
  const ids = (opts.models ?? defaultModels().join(',')).split(',').filter(Boolean);
  const sets = [];
  for (const id of ids) {
    const s = prepareSet(id);
    if (s) sets.push(s);
    else log(`model set ${id}: not found in public/models or bench/work/models, skipped`);
  }
  if (!sets.length) throw new Error('no model sets');
  const result = {
    schema: 1,
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      hostname: hostname(), cpu: cpus()[0]?.model ?? '?', cores: cpus().length, memGiB: +(totalmem() / 2 ** 30).toFixed(1),
      loadavgStart: loadavg(), gpu: 'none (WebGPU = SwiftShader software adapter where reported)',
      note: 'Absolute times on software WebGPU (SwiftShader) and on a shared 2-core CPU are not GPU figures: only ratios mean something.',
    },
    versions: {
      node: process.version,
      onnxruntimeWeb: JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-web/package.json'), 'utf8')).version,
      playwrightCore: JSON.parse(readFileSync(join(ROOT, 'node_modules/playwright-core/package.json'), 'utf8')).version,
    },
    options: { ...opts, rhos, backends },
    models: sets.map((s) => ({ id: s.id, source: relative(ROOT, s.src), dynamicvit: s.dvitCard.display_name, gflops: s.dvitCard.gflops, fullGflops: s.deitCard.gflops?.total, numClasses: s.dvitCard.labels?.length, architecture: s.dvitCard.architecture, provenance: s.dvitCard.provenance?.source })),
  };
  if (backends.includes('webgpu') || backends.includes('wasm')) {
    if (opts.build) sh('npx', ['vite', 'build', '--config', 'bench/vite.config.mjs']);
    const { server, port } = await serve([['/', join(WORK, 'harness-dist')], ...sets.map((s) => [`/models/${s.id}/`, s.dir])]);
    try {
      // partial results after every model x backend (a run stopped midway still leaves its data)
      const partial = join(WORK, 'results.partial.json');
      result.browser = await browserBench(sets, port, (b) => writeFileSync(partial, JSON.stringify({ ...result, browser: b }, null, 1)));
    } finally {
      server.close();
    }
  }
  if (backends.includes('native')) result.native = runNative(sets);
  if (opts.appCheck && (backends.includes('webgpu') || backends.includes('wasm'))) result.app = await appCheck(sets);
  result.machine.loadavgEnd = loadavg();
  result.durationS = Math.round((Date.now() - t0) / 1000);
  const out = resolve(ROOT, opts.out);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), JSON.stringify(result, null, 1));
  log(`wrote ${relative(ROOT, join(out, 'results.json'))} (${result.durationS} s)`);
  // the table also goes into the top-level README where it has the <!-- bench:start --> / <!-- bench:end --> markers
  const rootReadme = join(ROOT, 'README.md');
  const readmes = !opts.readme ? [] : ['bench/README.md', ...(existsSync(rootReadme) && readFileSync(rootReadme, 'utf8').includes('<!-- bench:start -->') ? ['README.md'] : [])];
  sh(process.execPath, ['bench/report.mjs', join(out, 'results.json'), ...readmes.flatMap((r) => ['--readme', r])]);
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130)); // browsers close on exit

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
