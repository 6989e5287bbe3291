#!/usr/bin/env node
// node bench/report.mjs bench/results/results.json [--readme bench/README.md]
//   [--replace-from other/results.json --replace-note "why"]
// results.json -> results.md (tables) + chart.svg (DynamicViT/DeiT latency vs rho per backend, FLOP-ratio line)
// next to it; with --readme, replaces the block between <!-- bench:start --> and <!-- bench:end --> in that file.
// --replace-from swaps in the browser cells (model x backend) of a later run, e.g. a re-run of cells that shared
// the CPU with another job; results.json is rewritten with the swap recorded under "replaced" (shown in the header).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const file = args[0] ?? 'bench/results/results.json';
const readmes = args.flatMap((a, i) => (a === '--readme' && args[i + 1] ? [args[i + 1]] : []));
const R = JSON.parse(readFileSync(file, 'utf8'));
const outDir = dirname(file);
const argAfter = (flag) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
const replaceFrom = argAfter('--replace-from');
if (replaceFrom) {
  const other = JSON.parse(readFileSync(replaceFrom, 'utf8'));
  for (const b of other.browser ?? []) {
    const i = (R.browser ?? []).findIndex((x) => x.model === b.model && x.backend === b.backend);
    if (i < 0) throw new Error(`${replaceFrom}: ${b.model} x ${b.backend} is not in ${file}`);
    R.browser[i] = b;
    R.replaced = [...(R.replaced ?? []).filter((r) => !(r.model === b.model && r.backend === b.backend)),
      { model: b.model, backend: b.backend, date: other.date, command: other.command, loadavgStart: other.machine?.loadavgStart, note: argAfter('--replace-note') ?? '' }];
  }
  writeFileSync(file, JSON.stringify(R, null, 1));
}

// ---------------------------------------------------------------------------------------------- FLOPs
// Same formula as models/flops.py (multiply-accumulates, as the DeiT / DynamicViT papers count them).
function keepCounts(rho, stages = 3, n = 196) {
  const out = [];
  let prev = n;
  for (let p = 1; p <= stages; p++) {
    const k = Math.min(prev, Math.max(1, Math.floor(n * rho ** p)));
    out.push(k);
    prev = k;
  }
  return out;
}
function gmacs(arch, rho, numClasses, pruned) {
  const c = arch.embed_dim, hidden = Math.floor(c * arch.mlp_ratio), n = arch.num_patches;
  const block = (t) => t * c * 3 * c + 2 * t * t * c + t * c * c + 2 * t * c * hidden;
  const pred = (p) => p * (c * c + c * Math.floor(c / 2) + Math.floor(c / 2) * Math.floor(c / 4) + Math.floor(c / 4) * 2);
  let total = n * c * 3 * arch.patch_size ** 2 + c * numClasses;
  if (!pruned) return (total + arch.depth * block(n + 1)) / 1e9;
  const locs = arch.pruning_locations;
  const before = [n, ...keepCounts(rho, locs.length, n)];
  let stage = 0;
  for (let i = 0; i < arch.depth; i++) {
    if (stage < locs.length && i === locs[stage]) total += pred(before[stage++]);
    total += block(before[stage] + 1);
  }
  return total / 1e9;
}
const models = Object.fromEntries(R.models.map((m) => [m.id, m]));
function flopRatio(id, rho) {
  const m = models[id];
  if (!m?.architecture) return NaN;
  // num_classes: from the run when recorded, else recovered from the card's full-DeiT GFLOPs (head = C * classes)
  const nc = m.numClasses ?? (Number.isFinite(m.fullGflops)
    ? Math.max(1, Math.round((m.fullGflops * 1e9 - gmacs(m.architecture, 1, 0, false) * 1e9) / m.architecture.embed_dim))
    : 1000);
  return gmacs(m.architecture, rho, nc, true) / gmacs(m.architecture, rho, nc, false);
}

// ------------------------------------------------------------------------------------------ collect rows
function quantile(xs, q) {
  const a = [...xs].sort((x, y) => x - y);
  if (!a.length) return NaN;
  const pos = (a.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return a[lo] + (a[hi] - a[lo]) * (pos - lo);
}
/** per round: DynamicViT run / DeiT run of the same interleaved round (shared load cancels), median and p10-p90 */
function paired(samples, key = 'dynamicvit', base = 'deit') {
  const d = samples?.[base] ?? [], v = samples?.[key] ?? [];
  const r = d.map((x, i) => v[i] / x).filter(Number.isFinite);
  return { median: quantile(r, 0.5), p10: quantile(r, 0.1), p90: quantile(r, 0.9), n: r.length };
}
const rhos = R.options.rhos;
const rows = []; // {model, backend, cells: {rho: {ratio, deit, dvit, n, timeBound, first, nopred, static}}}
for (const b of R.browser ?? []) {
  const cells = {};
  for (const c of b.cells ?? []) {
    const s = c.summary;
    cells[c.rho] = {
      ratio: s.dynamicvit.median / s.deit.median, paired: paired(c.samples), samples: c.samples, deit: s.deit, dvit: s.dynamicvit, n: c.runs, timeBound: c.timeBound,
      firstDvit: c.firstRunMs?.dynamicvit, nopred: s.nopred, staticK: s.static_k,
    };
  }
  rows.push({ model: b.model, backend: b.backend, label: b.backend === 'wasm' ? 'wasm (browser, 1 thread)' : 'webgpu (browser)', cells, entry: b, error: b.error ?? (b.skipped ? 'skipped' : undefined) });
}
for (const [id, m] of Object.entries(R.native?.models ?? {})) {
  for (const [t, list] of Object.entries(m.threads)) {
    const cells = {};
    for (const c of list) {
      const s = c.summary;
      cells[c.rho] = {
        ratio: c.ratio, paired: paired(c.samples), samples: c.samples, deit: s.deit, dvit: s.dynamicvit, n: s.deit.n, timeBound: s.deit.n < R.options.runs,
        firstDvit: c.firstRunMs?.dynamicvit, nopred: s.nopred, staticK: s.static_k,
      };
    }
    rows.push({ model: id, backend: `native-${t}t`, label: `native ORT CPU, ${t} thread${t === '1' ? '' : 's'}`, cells, native: m });
  }
}
const order = (r) => ['webgpu', 'wasm', 'native-1t', 'native-2t'].indexOf(r.backend);
rows.sort((a, b) => R.models.findIndex((m) => m.id === a.model) - R.models.findIndex((m) => m.id === b.model) || order(a) - order(b));

const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const ms = (x) => (!Number.isFinite(x) ? '–' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');

// ---------------------------------------------------------------------------------------------- tables
const firstWebgpu = (R.browser ?? []).find((b) => b.load?.adapter);
const adapter = firstWebgpu?.load?.adapter;
const browserVer = (R.browser ?? []).find((b) => b.browser)?.browser;
function header() {
  const L = [];
  L.push(`- Date: ${R.date} (run took ${Math.round((R.durationS ?? 0) / 60)} min). Command: \`${R.command}\``);
  L.push(`- Machine: ${R.machine.cpu}, ${R.machine.cores} cores, ${R.machine.memGiB} GiB, no GPU; load average ${R.machine.loadavgStart.map((x) => x.toFixed(1)).join('/')} at start, ${(R.machine.loadavgEnd ?? []).map((x) => x.toFixed(1)).join('/')} at end (CPU shared with other jobs).`);
  L.push(`- Browser: Chromium ${browserVer ?? '?'} headless (playwright-core ${R.versions.playwrightCore}), WebGPU adapter: ${adapter ? `vendor "${adapter.vendor}", architecture "${adapter.architecture}", fallback ${adapter.isFallbackAdapter}` : 'none'}${adapter?.architecture === 'swiftshader' ? ' (SwiftShader: software WebGPU on the CPU)' : ''}.`);
  L.push(`- onnxruntime-web ${R.versions.onnxruntimeWeb} (\`onnxruntime-web/webgpu\`, native WebGPU EP; wasm EP 1 thread, as the app), native onnxruntime ${R.native?.onnxruntime ?? '–'} (Python, CPUExecutionProvider), Node ${R.versions.node}.`);
  L.push(`- Runs per cell: up to ${R.options.runs} timed runs per model, interleaved (rotating order), after one excluded warm-up run at that keep ratio; a cell stops after ${R.options.maxSecondsPerCell} s once it has 3 runs (marked \\*). Every timing ends when all outputs are read back on the CPU.`);
  for (const r of R.replaced ?? []) {
    L.push(`- **${r.model} × ${r.backend}: cells from a later run** (${r.date}, load average ${(r.loadavgStart ?? []).map((x) => x.toFixed(1)).join('/')} at start; \`${r.command}\`)${r.note ? `: ${r.note}` : ''}.`);
  }
  L.push(`- **${R.machine.note}**`);
  return L;
}
function ratioTable() {
  const L = [];
  L.push(`| model | backend | ${rhos.map((r) => `ρ ${r}`).join(' | ')} |`);
  L.push(`|---|---|${rhos.map(() => '---:').join('|')}|`);
  let last = null;
  for (const r of rows) {
    if (r.model !== last) {
      L.push(`| **${r.model}** | *FLOP ratio* | ${rhos.map((rho) => `*${f2(flopRatio(r.model, rho))}*`).join(' | ')} |`);
      last = r.model;
    }
    if (r.error && !Object.keys(r.cells).length) {
      L.push(`| ${r.model} | ${r.label} | ${rhos.map(() => (r.error === 'skipped' ? 'not run' : 'error')).join(' | ')} |`);
      continue;
    }
    L.push(`| ${r.model} | ${r.label} | ${rhos.map((rho) => {
      const c = r.cells[rho];
      if (!c) return r.entry?.skippedRhos?.includes(rho) ? 'not run (time)' : '–';
      const pr = c.paired?.median;
      const v = `${f2(pr)}${c.timeBound ? '\\*' : ''} (${f2(c.ratio)})`;
      return Math.abs(rho - 0.7) < 1e-9 ? (pr <= 0.7 ? `**${v}** ✓` : `**${v}** ✗`) : v;
    }).join(' | ')} |`);
  }
  return L;
}
function absTable() {
  const L = ['| model | backend | ρ | DeiT median [p10–p90] | DynamicViT median [p10–p90] | ratio of medians | paired ratio median [p10–p90] | runs | DynamicViT first run at this ρ |', '|---|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) for (const rho of rhos) {
    const c = r.cells[rho];
    if (!c) continue;
    L.push(`| ${r.model} | ${r.backend} | ${rho} | ${ms(c.deit.median)} [${ms(c.deit.p10)}–${ms(c.deit.p90)}] | ${ms(c.dvit.median)} [${ms(c.dvit.p10)}–${ms(c.dvit.p90)}] | ${f3(c.ratio)} | ${f3(c.paired?.median)} [${f2(c.paired?.p10)}–${f2(c.paired?.p90)}] | ${c.n}${c.timeBound ? '\\*' : ''} | ${ms(c.firstDvit)} |`);
  }
  return L;
}
function predictorTable() {
  const L = ['| model | backend | ρ | DynamicViT | no-predictor variant | predictors\' share (difference) | ORT profile (native, 1 thread): predictors / token selection |', '|---|---|---:|---:|---:|---:|---:|'];
  for (const r of rows) for (const rho of rhos) {
    const c = r.cells[rho];
    if (!c?.nopred) continue;
    const prof = r.native?.profile && Math.abs(r.native.profile.rho - rho) < 1e-9 && r.backend === 'native-1t'
      ? `${pct(r.native.profile.share.predictor)} / ${pct(r.native.profile.share.selection)}` : '';
    const share = 1 - paired(c.samples, 'nopred', 'dynamicvit').median;
    L.push(`| ${r.model} | ${r.backend} | ${rho} | ${ms(c.dvit.median)} | ${ms(c.nopred.median)} | ${pct(share)} | ${prof} |`);
  }
  return L;
}
function staticTable() {
  const L = [`| model | backend | ${rhos.map((r) => `ρ ${r}: dynamic / static-k`).join(' | ')} |`, `|---|---|${rhos.map(() => '---:').join('|')}|`];
  for (const r of rows) {
    if (!Object.values(r.cells).some((c) => c.staticK)) continue;
    L.push(`| ${r.model} | ${r.backend} | ${rhos.map((rho) => {
      const c = r.cells[rho];
      return c?.staticK ? `${f2(c.paired.median)} / ${f2(paired(c.samples, 'static_k').median)}` : '–';
    }).join(' | ')} |`);
  }
  return L;
}
function overheadTable() {
  const L = ['| model | backend | new image: pipeline (median) | of which decode / preprocess / postprocess (medians) | overhead = (decode + preprocess + postprocess) / pipeline | difference method: (pipeline − bare runs) / pipeline | ρ moved: postprocess / (DynamicViT run + postprocess) | runs |', '|---|---|---:|---:|---:|---:|---:|---:|'];
  for (const b of R.browser ?? []) {
    const o = b.overhead;
    if (!o) continue;
    const p = o.pipeline;
    const post = p.postprocess.median;
    L.push(`| ${b.model} | ${b.backend} | ${ms(p.total.median)} | ${ms(p.decode.median)} / ${ms(p.preprocess.median)} / ${ms(post)} | **${pct(o.overheadComponents)}** ${o.overheadComponents <= 0.05 ? '✓' : '✗'} | ${pct(o.overheadNewImage)} (bare ${ms(o.bare.median)}) | ${pct(post / 2 / (o.rerun.total.median || NaN))} | ${o.runs} |`);
  }
  return L;
}
function gpuTable() {
  const L = ['| model | what | DeiT | DynamicViT | ratio | runs |', '|---|---|---:|---:|---:|---:|'];
  for (const b of R.browser ?? []) {
    if (b.backend !== 'webgpu') continue;
    const c07 = (b.cells ?? []).find((c) => Math.abs(c.rho - 0.7) < 1e-9);
    if (c07) L.push(`| ${b.model} | before: outputs read back by ORT (cpu), dynamic k, ρ 0.7 | ${ms(c07.summary.deit.median)} | ${ms(c07.summary.dynamicvit.median)} | ${f3(c07.summary.dynamicvit.median / c07.summary.deit.median)} | ${c07.runs} |`);
    if (c07?.summary.static_k) L.push(`| ${b.model} | static-k graph (same session set, same cell) | ${ms(c07.summary.deit.median)} | ${ms(c07.summary.static_k.median)} | ${f3(c07.summary.static_k.median / c07.summary.deit.median)} | ${c07.runs} |`);
    const g = b.gpuBuffer?.cell;
    if (g) L.push(`| ${b.model} | preferredOutputLocation gpu-buffer (separate load; read back with getData) | ${ms(g.summary.deit.median)} | ${ms(g.summary.dynamicvit.median)} | ${f3(g.summary.dynamicvit.median / g.summary.deit.median)} | ${g.runs} |`);
    const cap = b.capture;
    if (cap?.summary) {
      const s = cap.summary;
      L.push(`| ${b.model} | graph capture, same cell: plain DeiT / DynamicViT | ${ms(s.deit.median)} | ${ms(s.dynamicvit.median)} | ${f3(s.dynamicvit.median / s.deit.median)} | ${cap.runs} |`);
      L.push(`| ${b.model} | graph capture: DeiT / static-k DynamicViT, GPU input + outputs | ${ms(s.deit_capture.median)} | ${ms(s.static_k_capture.median)} | ${f3(s.static_k_capture.median / s.deit_capture.median)} | ${cap.runs} |`);
    } else if (cap?.error) L.push(`| ${b.model} | graph capture | failed: ${cap.error.split('\n')[0].slice(0, 160)} | | | |`);
  }
  return L;
}
function appTable() {
  const rowsA = R.app?.rows ?? [];
  if (!rowsA.length) return [R.app?.error ? `App check not run: ${R.app.error}.` : 'App check not run.'];
  const L = ['| model | backend (shown) | DynamicViT/DeiT from the app\'s Benchmark panel, ρ 0.7 | note |', '|---|---|---:|---|'];
  for (const a of rowsA) L.push(`| ${a.model} | ${a.backend} (${a.backendShown ?? '–'}) | ${a.error ? '–' : f3(a.ratio)} | ${a.error ? a.error.slice(0, 140) : ''} |`);
  return L;
}
function loadTable() {
  const L = ['| model | backend | session create DeiT / DynamicViT | first run DeiT / DynamicViT (shader compile on WebGPU) | all nodes on the EP |', '|---|---|---:|---:|---|'];
  for (const b of R.browser ?? []) {
    const l = b.load;
    if (!l) { L.push(`| ${b.model} | ${b.backend} | error: ${b.error ?? '?'} | | |`); continue; }
    L.push(`| ${b.model} | ${b.backend} | ${ms(l.createMs.deit)} / ${ms(l.createMs.dynamicvit)} | ${ms(l.firstRunMs.deit)} / ${ms(l.firstRunMs.dynamicvit)} | ${l.allNodesOnGpu === null ? 'n/a (wasm)' : l.allNodesOnGpu ? 'yes (disable_cpu_ep_fallback)' : `no: ${l.gpuNote}`} |`);
  }
  return L;
}

const md = [
  '# DynamicViT vs DeiT latency: benchmark results', '',
  'Generated by `npm run bench` (bench/run.mjs → bench/report.mjs). Batch 1. Ratio = DynamicViT time / DeiT time, lower is better; ' +
  'target at ρ 0.7: ≤ 0.70 on each backend. Main figure: median over rounds of the paired ratio (DynamicViT run / DeiT run of the same interleaved round, ' +
  'so slow phases of a shared CPU cancel); in parentheses the ratio of the two medians. *FLOP ratio*: multiply-accumulates of the same pair (models/flops.py formula).', '',
  ...header(), '',
  '## DynamicViT / DeiT latency ratio', '', ...ratioTable(), '', '![DynamicViT / DeiT latency vs keep ratio](chart.svg)', '',
  '## Medians per cell', '', ...absTable(), '',
  '## Predictors\' share of DynamicViT time', '',
  'Difference method: the same graph with each predictor replaced by a free score (bench/variants.py), timed interleaved in the same cell; share = 1 − median over rounds of t(no-predictor) / t(DynamicViT). Profile method: ORT node kernel times of the optimised graph, classified structurally (bench/variants.py classify_nodes).', '',
  ...predictorTable(), '',
  '## Dynamic keep counts vs one static-k graph per ρ', '', 'Paired DynamicViT/DeiT ratio with the dynamic graph (keep counts as inputs) / with keep counts baked in (bench/variants.py static_k), same cell.', '', ...staticTable(), '',
  '## App pipeline overhead', '',
  'New image, as the app\'s worker does it: decode (createImageBitmap + OffscreenCanvas, same code as src/worker/worker.ts) + preprocess (src/engine/preprocess.ts) + DeiT + DynamicViT (session.run + output read-back) + top-5 and kept-position masks (src/engine/postprocess.ts); synthetic 800×600 JPEG; target ≤ 5%. ' +
  'Main figure: the non-model components timed inside the same pipeline runs (robust on a shared CPU). The difference method compares with bare session runs interleaved with the pipeline runs; on a loaded CPU it is dominated by noise. ρ moved: the app re-runs only DynamicViT and its postprocessing (postprocess here = half of the two models\' postprocessing).', '',
  ...overheadTable(), '',
  '## WebGPU: where the time goes, options tried (before / after)', '', ...gpuTable(), '',
  '## Session creation and first runs', '', ...loadTable(), '',
  '## Cross-check: the app\'s own Benchmark panel', '', ...appTable(), '',
];
writeFileSync(join(outDir, 'results.md'), md.join('\n'));

// ---------------------------------------------------------------------------------------------- chart
const colors = { webgpu: '#2563eb', wasm: '#16a34a', 'native-1t': '#d97706', 'native-2t': '#9333ea' };
const ids = R.models.map((m) => m.id).filter((id) => rows.some((r) => r.model === id));
const PW = 340, PH = 260, padL = 46, padR = 12, padT = 34, padB = 40, legendH = 58;
const W = Math.max(1, ids.length) * PW, H = PH + legendH;
const x0 = Math.min(...rhos), x1 = Math.max(...rhos);
let yMax = 1.2;
for (const r of rows) for (const c of Object.values(r.cells)) if (Number.isFinite(c.paired?.median)) yMax = Math.max(yMax, c.paired.median * 1.05);
yMax = Math.min(Math.ceil(yMax * 10) / 10, 3);
const svg = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="11">`,
  `<rect width="${W}" height="${H}" fill="#ffffff"/>`];
ids.forEach((id, k) => {
  const ox = k * PW;
  const X = (rho) => ox + padL + ((rho - x0) / (x1 - x0 || 1)) * (PW - padL - padR);
  const Y = (v) => padT + (1 - v / yMax) * (PH - padT - padB);
  svg.push(`<text x="${ox + PW / 2}" y="16" text-anchor="middle" font-weight="600" font-size="12">${id}</text>`);
  svg.push(`<text x="${ox + PW / 2}" y="28" text-anchor="middle" fill="#555">DynamicViT / DeiT latency (median of paired runs)</text>`);
  for (let v = 0; v <= yMax + 1e-9; v += 0.2) {
    svg.push(`<line x1="${X(x0)}" x2="${X(x1)}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e5e7eb"/>`);
    svg.push(`<text x="${X(x0) - 5}" y="${Y(v) + 4}" text-anchor="end" fill="#555">${v.toFixed(1)}</text>`);
  }
  for (const rho of rhos) svg.push(`<text x="${X(rho)}" y="${PH - padB + 15}" text-anchor="middle" fill="#555">${rho}</text>`);
  svg.push(`<text x="${ox + PW / 2}" y="${PH - padB + 30}" text-anchor="middle" fill="#555">keep ratio ρ</text>`);
  svg.push(`<line x1="${X(x0)}" x2="${X(x1)}" y1="${Y(1)}" y2="${Y(1)}" stroke="#9ca3af" stroke-width="1"/>`);
  // target marker at rho 0.7
  if (rhos.includes(0.7)) svg.push(`<line x1="${X(0.7) - 8}" x2="${X(0.7) + 8}" y1="${Y(0.7)}" y2="${Y(0.7)}" stroke="#dc2626" stroke-width="2"><title>target 0.70 at rho 0.7</title></line>`);
  const fl = rhos.map((rho) => [X(rho), Y(flopRatio(id, rho))]);
  svg.push(`<polyline points="${fl.map((p) => p.join(',')).join(' ')}" fill="none" stroke="#111" stroke-width="1.5" stroke-dasharray="5,4"/>`);
  for (const r of rows.filter((q) => q.model === id)) {
    const pts = rhos.filter((rho) => r.cells[rho] && Number.isFinite(r.cells[rho].paired?.median)).map((rho) => [X(rho), Y(Math.min(r.cells[rho].paired.median, yMax)), rho]);
    if (!pts.length) continue;
    const col = colors[r.backend] ?? '#333';
    svg.push(`<polyline points="${pts.map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(' ')}" fill="none" stroke="${col}" stroke-width="2"/>`);
    for (const p of pts) svg.push(`<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="3" fill="${col}"><title>${r.backend} rho ${p[2]}: ${f3(r.cells[p[2]].paired.median)}</title></circle>`);
  }
});
const legend = [['FLOP ratio', '#111', true], ...Object.entries(colors).map(([k, c]) => [k, c, false]), ['target ≤ 0.70 at ρ 0.7', '#dc2626', false]];
legend.forEach(([name, col, dash], i) => {
  const lx = 12 + (i % 3) * 200, ly = PH + 10 + Math.floor(i / 3) * 18;
  svg.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${col}" stroke-width="2"${dash ? ' stroke-dasharray="5,4"' : ''}/>`);
  svg.push(`<text x="${lx + 30}" y="${ly + 4}">${name}</text>`);
});
svg.push(`<text x="${W - 8}" y="${H - 6}" text-anchor="end" fill="#777">${R.date.slice(0, 16)}Z · ${adapter ? `${adapter.vendor}/${adapter.architecture}` : 'no adapter'} · ${R.machine.cores}-core CPU, no GPU: ratios only</text>`);
svg.push('</svg>');
writeFileSync(join(outDir, 'chart.svg'), svg.join('\n'));

// --------------------------------------------------------------------------------------------- README
for (const readme of readmes) {
  const block = ['<!-- bench:start -->', `Latest run (${R.date.slice(0, 10)}; full tables in [results/results.md](results/results.md)):`, '', ...header(), '', ...ratioTable(), '', '![chart](results/chart.svg)', '<!-- bench:end -->'].join('\n');
  const text = existsSync(readme) ? readFileSync(readme, 'utf8') : '<!-- bench:start -->\n<!-- bench:end -->\n';
  const re = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
  writeFileSync(readme, re.test(text) ? text.replace(re, block) : `${text}\n${block}\n`);
}
console.log(`wrote ${join(outDir, 'results.md')} and chart.svg${readmes.length ? ` and ${readmes.join(', ')}` : ''}`);
