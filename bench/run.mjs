#!/usr/bin/env node
// npm run bench -- [--models fixture-tiny,demo,deit-s-random] [--backends webgpu,wasm1,wasm,native] [--rhos 0.7]
//   [--batches 1,8,32] [--batches-for "deit-s-random:webgpu=1;demo:native=1"] [--skip model:backend,...]
//   [--runs 20] [--max-seconds-per-cell 60] [--out bench/results] [--no-app-check] [--variants] [--no-overhead]
//
// Throughput of DynamicViT and its full-DeiT twin at batch 1, 8 and 32, interleaved, per model set x backend x keep
// ratio x batch, in headless Chromium through the harness page bench/harness, which runs the app's own worker
// modules (src/worker: ORT setup and wasm threads, GPU device, session options, timed runs, the Benchmark panel's
// interleaving, the classification pipeline), plus native onnxruntime (Python, CPU EP) on the same ONNX files.
// Backends: webgpu; wasm = the app's thread count (every core up to the cap, page cross-origin isolated); wasm1 = one
// thread; native = onnxruntime CPU EP with 1 and 2 threads. Then the app's pipeline overhead per model and a
// cross-check through the app's own Benchmark panel. Keep counts and FLOPs: src/engine via bench/engine.mjs.
// Writes results.json, results.md, chart.svg to --out and the table into bench/README.md.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir, totalmem, hostname } from 'node:os';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  readdirSync,
  lstatSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { engineRules, isolationHeaders } from './engine.mjs';
import { serve } from './serve.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, 'bench/work');
const PY = join(ROOT, '.venv/bin/python');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// ------------------------------------------------------------------------------------------------ CLI
function parseArgs(argv) {
  const o = {
    models: null,
    backends: 'webgpu,wasm1,wasm,native',
    rhos: '0.7',
    batches: '1,8,32',
    batchesFor: '',
    runs: 20,
    maxSecondsPerCell: 60,
    out: 'bench/results',
    appCheck: true,
    heavyMs: 10_000,
    skip: [],
    maxMinutesPerCombo: Infinity,
    overhead: true,
    appRuns: null,
    variants: false,
    overheadRuns: 10,
    build: true,
    readme: true,
    appBatches: '1,8',
    tierUpSeconds: 5,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--models') o.models = val();
    else if (a === '--backends') o.backends = val();
    else if (a === '--rhos') o.rhos = val();
    else if (a === '--batches') o.batches = val();
    else if (a === '--batches-for') o.batchesFor = val();
    else if (a === '--runs') o.runs = Number(val());
    else if (a === '--max-seconds-per-cell') o.maxSecondsPerCell = Number(val());
    else if (a === '--overhead-runs') o.overheadRuns = Number(val());
    else if (a === '--out') o.out = val();
    else if (a === '--no-app-check') o.appCheck = false;
    else if (a === '--heavy-ms') o.heavyMs = Number(val());
    else if (a === '--tier-up-seconds')
      o.tierUpSeconds = Number(val()); // DeiT warm-up runs after load while wasm tiers up
    else if (a === '--skip')
      o.skip = val().split(',').filter(Boolean); // model:backend, e.g. deit-s-random:webgpu
    else if (a === '--max-minutes-per-combo') o.maxMinutesPerCombo = Number(val());
    else if (a === '--variants') o.variants = true;
    else if (a === '--no-overhead') o.overhead = false;
    else if (a === '--app-runs') o.appRuns = Number(val());
    else if (a === '--app-batches')
      o.appBatches = val(); // batch sizes chosen in the app's panel (cross-check)
    else if (a === '--no-build') o.build = false;
    else if (a === '--no-readme') o.readme = false;
    else if (a === '-h' || a === '--help') {
      console.log(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 14)
          .join('\n'),
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}
const opts = parseArgs(process.argv.slice(2));
const rhos = opts.rhos.split(',').map(Number);
const backends = opts.backends.split(',').filter(Boolean);
const batches = opts.batches.split(',').map(Number);
const BROWSER = {
  webgpu: { backend: 'webgpu', threads: null },
  wasm: { backend: 'wasm', threads: null },
  wasm1: { backend: 'wasm', threads: 1 },
};
for (const b of backends) if (!BROWSER[b] && b !== 'native') throw new Error(`unknown backend ${b} (webgpu, wasm, wasm1, native)`);
const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

/** batch sizes of one model x backend: --batches-for "model:backend=1,8;..." overrides --batches */
function batchesOf(model, backend) {
  for (const spec of opts.batchesFor.split(';').filter(Boolean)) {
    const [key, list] = spec.split('=');
    if (key === `${model}:${backend}`) return list.split(',').map(Number);
  }
  return batches;
}

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

/** DeiT-S-shaped pair from random official-format checkpoints (bench/work only, never committed); re-exported when the card schema moved on. */
function ensureDeitSRandom() {
  const out = join(WORK, 'models/deit-s-random');
  const card = join(out, 'dynamicvit.json');
  const schema = existsSync(card) ? JSON.parse(readFileSync(card, 'utf8')).schema_version : null;
  const wanted = Number(/SCHEMA_VERSION\s*=\s*(\d+)/.exec(readFileSync(join(ROOT, 'src/engine/modelCard.ts'), 'utf8'))?.[1]);
  if (schema !== null && schema === wanted && existsSync(join(out, 'deit.json'))) return out;
  const ck = join(WORK, 'ckpt');
  sh(PY, ['bench/make_checkpoints.py', '--out', relative(ROOT, ck)]);
  sh('bash', [
    'scripts/py.sh',
    '-m',
    'models.export',
    '--dynamicvit',
    join(ck, 'dynamicvit_small_random.pth'),
    '--deit',
    join(ck, 'deit_small_random.pth'),
    '--out',
    out,
    '--kind',
    'fixture',
    '--name',
    'deit-s-random',
    '--title',
    'DeiT-S / DynamicViT-S (random weights, bench only)',
  ]);
  return out;
}

/** bench/work/sets/<id>/: symlinks to the model set's files + the no-predictor variant (never in public/). */
function prepareSet(id) {
  const src = id === 'deit-s-random' ? ensureDeitSRandom() : sourceDir(id);
  if (!src) return null;
  const dir = join(WORK, 'sets', id);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(src)) {
    if (!/\.(onnx|json|bin)$/.test(f) || f.startsWith('dynamicvit-k') || f === 'dynamicvit-nopred.onnx') continue;
    const link = join(dir, f);
    if (existsSync(link) || lstatSync(link, { throwIfNoEntry: false })) unlinkSync(link);
    symlinkSync(join(src, f), link);
  }
  if (opts.variants) {
    const nopred = join(dir, 'dynamicvit-nopred.onnx');
    if (!existsSync(nopred) || statSync(nopred).mtimeMs < statSync(join(src, 'dynamicvit.onnx')).mtimeMs)
      sh(PY, ['bench/variants.py', src, '--out', dir, '--no-static']);
  }
  return {
    id,
    src,
    dir,
    dvitCard: JSON.parse(readFileSync(join(src, 'dynamicvit.json'), 'utf8')),
    deitCard: JSON.parse(readFileSync(join(src, 'deit.json'), 'utf8')),
  };
}

// ---------------------------------------------------------------------------------------------- native
function runNative(sets, rulesOf) {
  const out = join(WORK, 'results/native.json');
  const args = [
    'bench/native_reference.py',
    '--rhos',
    rhos.join(','),
    '--runs',
    String(opts.runs),
    '--max-seconds-per-cell',
    String(opts.maxSecondsPerCell),
    '--out',
    out,
  ];
  for (const s of sets) {
    if (opts.skip.includes(`${s.id}:native`)) continue;
    args.push('--model-dir', `${s.id}=${s.dir}`, '--batches-for', `${s.id}=${batchesOf(s.id, 'native').join(',')}`);
    // keep counts from src/engine (the card's architecture), not a Python copy
    for (const rho of rhos) args.push('--counts', `${s.id}@${rho}=${rulesOf(s, rho).keepCounts.join(',')}`);
  }
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

async function harnessPage(ctx, port, threads) {
  const page = await ctx.newPage();
  page.setDefaultTimeout(0);
  page.on('console', (m) => {
    if (m.text().startsWith('[bench]')) log(m.text());
  });
  page.on('pageerror', (e) => log('pageerror', e.message));
  await page.goto(`http://127.0.0.1:${port}/index.html${threads ? `?threads=${threads}` : ''}`);
  await page.waitForFunction(() => window.__bench?.ready === true);
  const call = (req) => page.evaluate((r) => window.__bench.call(r), req);
  return { page, call };
}

async function benchOne(s, name, port) {
  const { backend, threads } = BROWSER[name];
  const entry = { model: s.id, backend: name, loadavgStart: loadavg() };
  await withBrowser(async (ctx, version) => {
    entry.browser = version;
    const { call } = await harnessPage(ctx, port, threads);
    const maxMs = opts.maxSecondsPerCell * 1000;
    try {
      log(`${s.id} / ${name}: loading`);
      entry.load = await call({
        type: 'load',
        baseUrl: `/models/${s.id}/`,
        backend,
        nopred: opts.variants,
        rhos,
        tierUpMs: opts.tierUpSeconds * 1000,
      });
      // "heavy": a warm DeiT run over --heavy-ms (DeiT-S on software WebGPU): the time bound may end a cell after
      // 2 rounds; overhead from 2 pipeline runs
      const heavy = entry.load.secondDeitMs > opts.heavyMs;
      entry.heavy = heavy;
      entry.cells = [];
      const tCombo = Date.now();
      for (const rho of rhos) {
        for (const batch of batchesOf(s.id, name)) {
          if ((Date.now() - tCombo) / 60_000 > opts.maxMinutesPerCombo) {
            entry.skippedCells = [...(entry.skippedCells ?? []), { rho, batch }];
            log(`${s.id} / ${name}: rho ${rho} batch ${batch} skipped (--max-minutes-per-combo ${opts.maxMinutesPerCombo})`);
            continue;
          }
          log(`${s.id} / ${name}: rho ${rho}, batch ${batch}`);
          entry.cells.push(
            await call({
              type: 'cell',
              rho,
              batch,
              runs: opts.runs,
              maxMs,
              minRuns: heavy ? 2 : 3,
              extra: opts.variants ? ['nopred'] : [],
            }),
          );
        }
      }
      if (opts.overhead && rhos.length) {
        log(`${s.id} / ${name}: app pipeline overhead`);
        entry.overhead = await call({
          type: 'overhead',
          rho: rhos.includes(0.7) ? 0.7 : rhos[0],
          runs: heavy ? 2 : opts.overheadRuns,
          maxMs,
          imageWidth: 800,
          imageHeight: 600,
        });
      }
      await call({ type: 'release' });
    } catch (e) {
      entry.error = String(e?.message ?? e).split('\n')[0];
      log(`${s.id} / ${name}: ERROR ${entry.error}`);
    }
  }).catch((e) => {
    entry.error ??= `browser: ${String(e?.message ?? e).split('\n')[0]}`;
  });
  entry.loadavgEnd = loadavg();
  return entry;
}

/** One fresh browser per model set x backend (a crash loses one combination, not the run). */
async function browserBench(sets, port, onEntry = () => {}) {
  const results = [];
  for (const s of sets) {
    for (const name of backends.filter((b) => BROWSER[b])) {
      if (opts.skip.includes(`${s.id}:${name}`)) {
        log(`${s.id} / ${name}: skipped (--skip)`);
        results.push({ model: s.id, backend: name, skipped: true });
        continue;
      }
      results.push(await benchOne(s, name, port));
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
  const { server, port } = await serve(mounts, await isolationHeaders());
  const rows = [];
  try {
    await withBrowser(async (ctx) => {
      for (const s of sets) {
        for (const name of ['webgpu', 'wasm'].filter((b) => backends.includes(b))) {
          if (s.id === 'deit-s-random' || opts.skip.includes(`${s.id}:${name}`)) continue; // DeiT-S: covered by the harness
          const page = await ctx.newPage();
          const bs = opts.appBatches
            .split(',')
            .map(Number)
            .filter((b) => batchesOf(s.id, name).includes(b));
          const row = { model: s.id, backend: name, rho: 0.7, batches: bs };
          try {
            // the app's panel: N interleaved pairs per batch after a warm-up; software WebGPU is slow: 3 pairs there
            const runs = opts.appRuns ?? (name === 'webgpu' ? 3 : 10);
            await page.goto(
              `http://127.0.0.1:${port}/?model=${encodeURIComponent(s.id)}&backend=${name}&runs=${runs}&batches=${bs.join(',')}`,
            );
            await page.locator('[data-testid="status"][data-state="ready"]').waitFor({ timeout: 300_000 });
            row.crossOriginIsolated = await page.evaluate(() => self.crossOriginIsolated);
            row.threadsShown = Number(await page.getByTestId('wasm-threads').getAttribute('data-threads'));
            const slider = page.getByTestId('rho-slider');
            if (await slider.count()) await slider.fill('0.7');
            await page.getByTestId('bench-run').click();
            await page.getByTestId('bench-result').waitFor({ timeout: 900_000 });
            row.backendShown = await page.getByTestId('bench-result').getAttribute('data-backend');
            row.cells = [];
            for (const b of bs) {
              const tr = page.getByTestId(`bench-row-${b}`);
              const [deit, dvit] = (await tr.getAttribute('data-images-per-second')).split(' ').map(Number);
              row.cells.push({ batch: b, ratio: Number(await tr.getAttribute('data-ratio')), imagesPerSecond: { deit, dynamicvit: dvit } });
            }
            row.ratio = row.cells[0].ratio;
            log(`app ${s.id}/${name}: DynamicViT/DeiT ${row.cells.map((c) => `b${c.batch} ${c.ratio.toFixed(3)}`).join(', ')}`);
          } catch (e) {
            row.error = String(e?.message ?? e).split('\n')[0];
            log(`app ${s.id}/${name}: ${row.error}`);
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
  const rule = await engineRules();
  const rulesOf = (s, rho) => rule(s.dvitCard, s.deitCard, rho);
  const result = {
    schema: 2,
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv
      .slice(2)
      .map((x) => (/[\s;"'$]/.test(x) ? `"${x}"` : x))
      .join(' ')}`.trim(),
    machine: {
      hostname: hostname(),
      cpu: cpus()[0]?.model ?? '?',
      cores: cpus().length,
      memGiB: +(totalmem() / 2 ** 30).toFixed(1),
      loadavgStart: loadavg(),
      gpu: 'none (WebGPU = SwiftShader software adapter where reported)',
      note: 'Absolute times on software WebGPU (SwiftShader) and on a shared 2-core CPU are not GPU figures: only ratios mean something.',
    },
    versions: {
      node: process.version,
      onnxruntimeWeb: JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-web/package.json'), 'utf8')).version,
      playwrightCore: JSON.parse(readFileSync(join(ROOT, 'node_modules/playwright-core/package.json'), 'utf8')).version,
    },
    options: { ...opts, rhos, backends, batches },
    grid: Object.fromEntries(
      sets.map((s) => [
        s.id,
        Object.fromEntries(backends.filter((b) => !opts.skip.includes(`${s.id}:${b}`)).map((b) => [b, batchesOf(s.id, b)])),
      ]),
    ),
    models: sets.map((s) => ({
      id: s.id,
      source: relative(ROOT, s.src),
      dynamicvit: s.dvitCard.display_name,
      gflops: s.dvitCard.gflops,
      fullGflops: s.deitCard.gflops?.total,
      numClasses: s.dvitCard.labels?.length,
      architecture: s.dvitCard.architecture,
      provenance: s.dvitCard.provenance?.source,
      rules: Object.fromEntries(rhos.map((rho) => [String(rho), rulesOf(s, rho)])),
    })),
  };
  if (backends.some((b) => BROWSER[b])) {
    if (opts.build) sh('npx', ['vite', 'build', '--config', 'bench/vite.config.mjs']);
    const { server, port } = await serve(
      [['/', join(WORK, 'harness-dist')], ...sets.map((s) => [`/models/${s.id}/`, s.dir])],
      await isolationHeaders(),
    );
    try {
      // partial results after every model x backend (a run stopped midway still leaves its data)
      const partial = join(WORK, 'results.partial.json');
      result.browser = await browserBench(sets, port, (b) => writeFileSync(partial, JSON.stringify({ ...result, browser: b }, null, 1)));
    } finally {
      server.close();
    }
  }
  if (backends.includes('native')) result.native = runNative(sets, rulesOf);
  if (opts.appCheck && (backends.includes('webgpu') || backends.includes('wasm'))) result.app = await appCheck(sets);
  result.machine.loadavgEnd = loadavg();
  result.durationS = Math.round((Date.now() - t0) / 1000);
  const out = resolve(ROOT, opts.out);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), JSON.stringify(result, null, 1));
  log(`wrote ${relative(ROOT, join(out, 'results.json'))} (${result.durationS} s)`);
  const rootReadme = join(ROOT, 'README.md');
  const readmes = !opts.readme
    ? []
    : [
        'bench/README.md',
        ...(existsSync(rootReadme) && readFileSync(rootReadme, 'utf8').includes('<!-- bench:start -->') ? ['README.md'] : []),
      ];
  sh(process.execPath, ['bench/report.mjs', join(out, 'results.json'), ...readmes.flatMap((r) => ['--readme', r])]);
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130)); // browsers close on exit

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
