#!/usr/bin/env node
// node bench/report.mjs bench/results/results.json [--readme bench/README.md]
// results.json (schema 2: batch cells) -> results.md (tables) + chart.svg (DynamicViT/DeiT time ratio and images/s
// vs batch size per backend) next to it; with --readme, replaces the block between <!-- bench:start --> and
// <!-- bench:end --> in that file. Keep counts and FLOP ratios are read from results.json (src/engine's rules,
// computed by bench/run.mjs), never recomputed here.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const file = args[0] ?? 'bench/results/results.json';
const readmes = args.flatMap((a, i) => (a === '--readme' && args[i + 1] ? [args[i + 1]] : []));
const R = JSON.parse(readFileSync(file, 'utf8'));
if (R.schema !== 2) throw new Error(`${file}: results schema ${R.schema}; this report reads schema 2 (batch cells)`);
const outDir = dirname(file);
const TARGET = 0.7;

const quantile = (xs, q) => {
  const a = [...xs].sort((x, y) => x - y);
  if (!a.length) return NaN;
  const pos = (a.length - 1) * q,
    lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return a[lo] + (a[hi] - a[lo]) * (pos - lo);
};
/** per round: DynamicViT / DeiT of the same interleaved round (shared load cancels), median */
const paired = (s) => quantile((s?.deit ?? []).map((d, i) => s.dynamicvit[i] / d).filter(Number.isFinite), 0.5);
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const ips = (x) => (!Number.isFinite(x) ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const ms = (x) =>
  !Number.isFinite(x) ? '–' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');
const mark = (r) => (!Number.isFinite(r) ? '' : r <= TARGET ? ' ✓' : ' ✗');

const rho = R.options.rhos.includes(0.7) ? 0.7 : R.options.rhos[0];
const models = R.models.map((m) => m.id);
const flopRatio = (id) => R.models.find((m) => m.id === id)?.rules?.[String(rho)]?.flopRatio;
const threadsN = (R.browser ?? []).find((b) => b.backend === 'wasm' && b.load)?.load.wasmThreads?.threads;

// ------------------------------------------------------------------------------------------ rows
/** {model, backend, label, cells: {batch: {deit, dvit (img/s), ratio, paired, n, timeBound}}, entry} */
const rows = [];
const LABEL = {
  webgpu: 'WebGPU (browser)',
  wasm: `wasm (browser, ${threadsN ?? 'N'} threads)`,
  wasm1: 'wasm (browser, 1 thread)',
  'native-1t': 'native ORT CPU, 1 thread',
  'native-2t': 'native ORT CPU, 2 threads',
};
for (const b of R.browser ?? []) {
  const cells = {};
  for (const c of b.cells ?? []) {
    if (c.rho !== rho) continue;
    cells[c.batch] = {
      deit: c.imagesPerSecond.deit,
      dvit: c.imagesPerSecond.dynamicvit,
      deitMs: c.deit.median,
      dvitMs: c.dynamicvit.median,
      ratio: c.ratio,
      paired: paired(c.samples),
      n: c.rounds,
      timeBound: c.timeBound,
    };
  }
  rows.push({
    model: b.model,
    backend: b.backend,
    label: LABEL[b.backend] ?? b.backend,
    cells,
    entry: b,
    error: b.error ?? (b.skipped ? 'skipped' : undefined),
  });
}
for (const [id, m] of Object.entries(R.native?.models ?? {})) {
  for (const [t, list] of Object.entries(m.threads)) {
    const cells = {};
    for (const c of list) {
      if (c.rho !== rho) continue;
      const s = c.summary;
      cells[c.batch] = {
        deit: c.imagesPerSecond.deit,
        dvit: c.imagesPerSecond.dynamicvit,
        deitMs: s.deit.median,
        dvitMs: s.dynamicvit.median,
        ratio: c.ratio,
        paired: paired(c.samples),
        n: s.deit.n,
        timeBound: s.deit.n < R.options.runs,
      };
    }
    rows.push({ model: id, backend: `native-${t}t`, label: LABEL[`native-${t}t`] ?? `native ${t} threads`, cells, native: m });
  }
}
const ORDER = ['webgpu', 'wasm', 'wasm1', 'native-1t', 'native-2t'];
rows.sort((a, b) => models.indexOf(a.model) - models.indexOf(b.model) || ORDER.indexOf(a.backend) - ORDER.indexOf(b.backend));
const batches = [...new Set(rows.flatMap((r) => Object.keys(r.cells).map(Number)))].sort((a, b) => a - b);

// ---------------------------------------------------------------------------------------------- tables
const adapter = (R.browser ?? []).find((b) => b.load?.adapter)?.load.adapter;
const browserVer = (R.browser ?? []).find((b) => b.browser)?.browser;
const isolated = (R.browser ?? []).find((b) => b.backend === 'wasm' && b.load)?.load.crossOriginIsolated;
function header() {
  const L = [];
  L.push(`- Date: ${R.date} (run took ${Math.round((R.durationS ?? 0) / 60)} min). Command: \`${R.command}\``);
  L.push(
    `- Machine: ${R.machine.cpu}, ${R.machine.cores} cores, ${R.machine.memGiB} GiB, no GPU; load average ${R.machine.loadavgStart.map((x) => x.toFixed(1)).join('/')} at start, ${(R.machine.loadavgEnd ?? []).map((x) => x.toFixed(1)).join('/')} at end (CPU shared with other jobs).`,
  );
  L.push(
    `- Browser: Chromium ${browserVer ?? '?'} headless (playwright-core ${R.versions.playwrightCore}), WebGPU adapter: ${adapter ? `vendor "${adapter.vendor}", architecture "${adapter.architecture}", fallback ${adapter.isFallbackAdapter}` : 'none'}${adapter?.architecture === 'swiftshader' ? ' (SwiftShader: software WebGPU on the CPU)' : ''}.`,
  );
  L.push(
    `- onnxruntime-web ${R.versions.onnxruntimeWeb} through the app's worker modules (src/worker); wasm: ${threadsN ?? '?'} threads (the app's rule: every core up to 8; page cross-origin isolated: ${isolated}) and 1 thread; native onnxruntime ${R.native?.onnxruntime ?? '–'} (Python, CPUExecutionProvider), Node ${R.versions.node}.`,
  );
  L.push(
    `- ρ = ${rho}. Per cell (model × backend × batch): one excluded warm-up at that shape, then up to ${R.options.runs} rounds of DeiT and DynamicViT interleaved (alternating order) on the same input; a cell stops after ${R.options.maxSecondsPerCell} s once it has 3 rounds (2 for heavy models; marked \\*). Timings end when every output is back on the CPU. Ratio = median DynamicViT time / median DeiT time (paired median of per-round ratios in brackets).`,
  );
  L.push(
    `- Grid measured: ${Object.entries(R.grid ?? {})
      .map(
        ([m, g]) =>
          `${m}: ${Object.entries(g)
            .map(([b, bs]) => `${b} ${bs.join('/')}`)
            .join(', ')}`,
      )
      .join('; ')}.`,
  );
  L.push(`- **${R.machine.note}**`);
  return L;
}
function throughputTable() {
  const L = [];
  L.push(
    `| model | backend | ${batches.map((b) => `batch ${b}: DeiT / DViT img/s`).join(' | ')} | ${batches.map((b) => `ratio b${b}`).join(' | ')} |`,
  );
  L.push(`|---|---|${batches.map(() => '---:').join('|')}|${batches.map(() => '---:').join('|')}|`);
  let last = null;
  for (const r of rows) {
    if (r.model !== last) {
      L.push(
        `| **${r.model}** | *FLOP ratio* | ${batches.map(() => '').join(' | ')} | ${batches.map(() => `*${f2(flopRatio(r.model))}*`).join(' | ')} |`,
      );
      last = r.model;
    }
    if (r.error) {
      L.push(`| ${r.model} | ${r.label} | ${r.error} |`);
      continue;
    }
    const c = (b) => r.cells[b];
    L.push(
      `| ${r.model} | ${r.label} | ${batches.map((b) => (c(b) ? `${ips(c(b).deit)} / ${ips(c(b).dvit)}${c(b).timeBound ? '\\*' : ''}` : 'not run')).join(' | ')} | ${batches.map((b) => (c(b) ? `**${f2(c(b).ratio)}** (${f2(c(b).paired)})${mark(c(b).ratio)}` : '–')).join(' | ')} |`,
    );
  }
  return L;
}
function threadsTable() {
  const L = [];
  const by = (m, b) => rows.find((r) => r.model === m && r.backend === b);
  L.push(`| model | batch | DeiT 1 thread | DeiT ${threadsN} threads | speed-up | DViT 1 thread | DViT ${threadsN} threads | speed-up |`);
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const m of models) {
    const one = by(m, 'wasm1'),
      many = by(m, 'wasm');
    if (!one || !many) continue;
    for (const b of batches) {
      const a = one.cells[b],
        n = many.cells[b];
      if (!a || !n) continue;
      L.push(
        `| ${m} | ${b} | ${ms(a.deitMs)} | ${ms(n.deitMs)} | **${f2(a.deitMs / n.deitMs)}×** | ${ms(a.dvitMs)} | ${ms(n.dvitMs)} | **${f2(a.dvitMs / n.dvitMs)}×** |`,
      );
    }
  }
  return L;
}
function overheadTable() {
  const L = [];
  L.push(
    '| model | backend | new image: overhead / model time | sniff + EXIF | decode | pixel readback | resize + normalise | DeiT + DViT runs | postprocess | result message | ρ change: overhead | runs |',
  );
  L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const o = r.entry?.overhead;
    if (!o) continue;
    const p = o.pipeline;
    L.push(
      `| ${r.model} | ${r.label} | **${pct(o.overheadNewImage)}**${o.overheadNewImage <= 0.05 ? ' ✓' : ' ✗'} | ${ms(p.sniffMs.median)} | ${ms(p.decodeMs.median)} | ${ms(p.pixelsMs.median)} | ${ms(p.preprocessMs.median)} | ${ms(p.deitMs.median + p.dvitMs.median)} | ${ms(p.postprocessMs.median)} | ${ms(p.messageMs.median)} | ${pct(o.overheadRhoChange)}${o.rhoChangeRecomputed ? ' (re-decoded!)' : ''} | ${o.runs} |`,
    );
  }
  return L;
}
function appTable() {
  const rowsApp = R.app?.rows ?? [];
  if (!rowsApp.length) return [R.app?.error ? `App check: ${R.app.error}` : 'App check: not run.'];
  const L = ['| model | backend | threads shown | isolated | ratio per batch (app panel) | harness ratio |', '|---|---|---:|---|---|---|'];
  for (const a of rowsApp) {
    const h = rows.find((r) => r.model === a.model && r.backend === a.backend);
    L.push(
      `| ${a.model} | ${a.backend} | ${a.threadsShown ?? '–'} | ${a.crossOriginIsolated ?? '–'} | ${a.error ?? (a.cells ?? []).map((c) => `b${c.batch} ${f2(c.ratio)}`).join(', ')} | ${(a.cells ?? []).map((c) => `b${c.batch} ${f2(h?.cells[c.batch]?.ratio)}`).join(', ')} |`,
    );
  }
  return L;
}
function profileTable() {
  const L = [
    '| model | predictors | token selection | backbone | (native ORT profile, 1 thread, batch 1, ρ ' + rho + ') |',
    '|---|---:|---:|---:|---|',
  ];
  for (const [id, m] of Object.entries(R.native?.models ?? {}))
    if (m.profile)
      L.push(`| ${id} | ${pct(m.profile.share.predictor)} | ${pct(m.profile.share.selection)} | ${pct(m.profile.share.backbone)} | |`);
  return L;
}

// ---------------------------------------------------------------------------------------------- chart
function chart() {
  const COL = { webgpu: '#0ea5e9', wasm: '#22c55e', wasm1: '#a3e635', 'native-1t': '#f59e0b', 'native-2t': '#ef4444' };
  const pw = 300,
    ph = 170,
    padL = 44,
    padT = 34,
    gapX = 24,
    W = models.length * (pw + gapX) + 20,
    H = padT + 2 * (ph + 40) + 40;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="10" y="16" font-size="13" font-weight="bold">DynamicViT vs DeiT at ρ ${rho}: time ratio (top; lower is better, target ${TARGET}) and DynamicViT images/s (bottom, log scale) by batch size</text>`,
  ];
  models.forEach((m, i) => {
    const x0 = 10 + i * (pw + gapX) + padL;
    const mr = rows.filter((r) => r.model === m && Object.keys(r.cells).length);
    const xs = (b) => x0 + (batches.indexOf(b) / Math.max(1, batches.length - 1)) * (pw - padL - 10);
    // ratio panel
    const y0 = padT + 10;
    const maxR = Math.max(1.2, ...mr.flatMap((r) => Object.values(r.cells).map((c) => c.ratio)).filter(Number.isFinite));
    const yr = (v) => y0 + ph - (v / maxR) * ph;
    parts.push(`<text x="${x0}" y="${y0 - 6}" font-weight="bold">${m}</text>`);
    for (const v of [0, 0.5, 1])
      parts.push(
        `<line x1="${x0}" x2="${x0 + pw - padL - 10}" y1="${yr(v)}" y2="${yr(v)}" stroke="#ddd"/><text x="${x0 - 4}" y="${yr(v) + 4}" text-anchor="end">${v}</text>`,
      );
    parts.push(
      `<line x1="${x0}" x2="${x0 + pw - padL - 10}" y1="${yr(TARGET)}" y2="${yr(TARGET)}" stroke="#888" stroke-dasharray="4 3"/><text x="${x0 + pw - padL - 10}" y="${yr(TARGET) - 3}" text-anchor="end" fill="#666">target ${TARGET}</text>`,
    );
    const fr = flopRatio(m);
    if (Number.isFinite(fr))
      parts.push(
        `<line x1="${x0}" x2="${x0 + pw - padL - 10}" y1="${yr(fr)}" y2="${yr(fr)}" stroke="#7c3aed" stroke-dasharray="2 2"/><text x="${x0 + 2}" y="${yr(fr) + 11}" fill="#7c3aed">FLOP ratio ${f2(fr)}</text>`,
      );
    // throughput panel (log10)
    const y1 = y0 + ph + 40;
    const all = mr.flatMap((r) => Object.values(r.cells).map((c) => c.dvit)).filter((v) => v > 0);
    const lo = Math.floor(Math.log10(Math.min(...all, 1))),
      hi = Math.ceil(Math.log10(Math.max(...all, 10)));
    const yt = (v) => y1 + ph - ((Math.log10(v) - lo) / Math.max(1, hi - lo)) * ph;
    for (let e = lo; e <= hi; e++)
      parts.push(
        `<line x1="${x0}" x2="${x0 + pw - padL - 10}" y1="${yt(10 ** e)}" y2="${yt(10 ** e)}" stroke="#eee"/><text x="${x0 - 4}" y="${yt(10 ** e) + 4}" text-anchor="end">${10 ** e}</text>`,
      );
    for (const b of batches) parts.push(`<text x="${xs(b)}" y="${y1 + ph + 14}" text-anchor="middle">b${b}</text>`);
    for (const r of mr) {
      const pts = batches.filter((b) => r.cells[b]);
      const col = COL[r.backend] ?? '#333';
      parts.push(
        `<polyline fill="none" stroke="${col}" stroke-width="1.8" points="${pts.map((b) => `${xs(b)},${yr(r.cells[b].ratio)}`).join(' ')}"/>`,
      );
      parts.push(
        `<polyline fill="none" stroke="${col}" stroke-width="1.8" points="${pts.map((b) => `${xs(b)},${yt(r.cells[b].dvit)}`).join(' ')}"/>`,
      );
      for (const b of pts)
        parts.push(
          `<circle cx="${xs(b)}" cy="${yr(r.cells[b].ratio)}" r="2.5" fill="${col}"/><circle cx="${xs(b)}" cy="${yt(r.cells[b].dvit)}" r="2.5" fill="${col}"/>`,
        );
    }
  });
  const present = ORDER.filter((b) => rows.some((r) => r.backend === b && Object.keys(r.cells).length));
  present.forEach((b, i) =>
    parts.push(
      `<rect x="${10 + i * 190}" y="${H - 18}" width="12" height="4" fill="${COL[b]}"/><text x="${26 + i * 190}" y="${H - 13}">${LABEL[b]}</text>`,
    ),
  );
  parts.push('</svg>');
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------- write
const md = [
  '# Benchmark results',
  '',
  ...header(),
  '',
  `## Throughput and DynamicViT/DeiT time ratio at ρ ${rho} (target ≤ ${TARGET})`,
  '',
  ...throughputTable(),
  '',
  `## WebAssembly: 1 thread vs ${threadsN} threads (median time per run)`,
  '',
  ...threadsTable(),
  '',
  '## App pipeline overhead (a new 800×600 JPEG through src/worker/classify.ts; target ≤ 5% of model time)',
  '',
  ...overheadTable(),
  '',
  "## App cross-check (the page's own Benchmark panel, same build, ρ 0.7)",
  '',
  ...appTable(),
  '',
  "## Predictors' share",
  '',
  ...profileTable(),
  '',
].join('\n');
writeFileSync(join(outDir, 'results.md'), md);
writeFileSync(join(outDir, 'chart.svg'), chart());
for (const readme of readmes) {
  const block = [
    '<!-- bench:start -->',
    `Latest run (${R.date.slice(0, 10)}; full tables in [results/results.md](results/results.md)):`,
    '',
    ...header(),
    '',
    ...throughputTable(),
    '',
    `WebAssembly threads (1 → ${threadsN}):`,
    '',
    ...threadsTable(),
    '',
    'App pipeline overhead:',
    '',
    ...overheadTable(),
    '',
    '![chart](results/chart.svg)',
    '<!-- bench:end -->',
  ].join('\n');
  const text = existsSync(readme) ? readFileSync(readme, 'utf8') : '<!-- bench:start -->\n<!-- bench:end -->\n';
  const re = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
  writeFileSync(readme, re.test(text) ? text.replace(re, block) : `${text}\n${block}\n`);
}
console.log(`wrote ${join(outDir, 'results.md')} and chart.svg${readmes.length ? ` and ${readmes.join(', ')}` : ''}`);
