// Loads the model pair of /model/ on onnxruntime-web's native WebGPU EP with CPU fallback disabled,
// runs each graph once and reports shapes, kept positions and (if the folder has expected.json) whether
// the kept sets at rho 0.7 match the onnxruntime CPU reference. Result goes to window.__result.
import * as ort from '/ort/ort.webgpu.bundle.min.mjs';

const log = (s) => {
  document.getElementById('log').textContent += s + '\n';
};
const COUNTS = [137, 96, 67];
let verbose = false;
let runs = 2;

async function fetchJson(url) {
  const r = await fetch(url);
  return r.ok ? r.json() : null;
}

async function inputTensor(expected) {
  if (expected && expected.input) {
    const buf = await (await fetch('/model/' + expected.input.file)).arrayBuffer();
    return new ort.Tensor('float32', new Float32Array(buf), expected.input.shape);
  }
  const data = new Float32Array(3 * 224 * 224);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s / 2 ** 32) * 4 - 2;
  }
  return new ort.Tensor('float32', data, [1, 3, 224, 224]);
}

function sameSet(a, b) {
  if (a.length !== b.length) return false;
  const sa = [...a].map(Number).sort((x, y) => x - y);
  const sb = [...b].map(Number).sort((x, y) => x - y);
  return sa.every((v, i) => v === sb[i]);
}

function top5(logits) {
  return [...logits]
    .map((v, i) => [v, i])
    .sort((x, y) => y[0] - x[0])
    .slice(0, 5)
    .map((p) => p[1]);
}

async function runModel(file, expected, pixels) {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create('/model/' + file, {
    executionProviders: ['webgpu'],
    extra: { session: { disable_cpu_ep_fallback: '1' } },
    ...(verbose ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {}),
  });
  const createMs = performance.now() - t0;
  const feeds = { pixel_values: pixels };
  if (session.inputNames.includes('keep_count_stage1')) {
    COUNTS.forEach((k, p) => {
      feeds[`keep_count_stage${p + 1}`] = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
    });
  }
  const t1 = performance.now();
  const out = await session.run(feeds);
  const runMs = performance.now() - t1;
  const later = [];
  for (let i = 1; i < runs; i++) {
    const t2 = performance.now();
    await session.run(feeds);
    later.push(performance.now() - t2);
  }
  later.sort((a, b) => a - b);
  const run2Ms = later.length ? later[later.length >> 1] : NaN;
  const r = {
    file,
    createMs: Math.round(createMs),
    firstRunMs: Math.round(runMs),
    medianLaterRunMs: Math.round(run2Ms),
    runs,
    inputs: session.inputNames,
    outputs: {},
    failures: [],
  };
  for (const name of session.outputNames) {
    const t = out[name];
    r.outputs[name] = { dims: t.dims, type: t.type, head: [...t.data.slice(0, 6)].map(Number) };
  }
  const ref = expected && (file.startsWith('deit') ? expected.deit : expected.dynamicvit?.['0.7']);
  if (ref) {
    const got = top5(out.logits.data);
    r.top5 = got;
    if (got.join() !== ref.top5.join()) r.failures.push(`top-5 ${got} != expected ${ref.top5}`);
    (ref.kept_positions || []).forEach((exp, p) => {
      const name = `kept_positions_stage${p + 1}`;
      if (!sameSet(out[name].data, exp)) r.failures.push(`${name}: kept set differs from expected.json`);
    });
    r.comparedWithExpected = true;
  }
  await session.release();
  return r;
}

async function main() {
  const cfg = await fetchJson('/config.json');
  verbose = cfg.verbose;
  runs = cfg.runs;
  if (verbose) ort.env.logLevel = 'verbose';
  const adapter = navigator.gpu && (await navigator.gpu.requestAdapter());
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  const info = adapter.info || {};
  const expected = await fetchJson('/model/expected.json');
  const pixels = await inputTensor(expected);
  const results = [];
  for (const file of cfg.files) {
    log('running ' + file);
    results.push(await runModel(file, expected, pixels));
  }
  return {
    ok: results.every((r) => r.failures.length === 0),
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      fallback: info.isFallbackAdapter,
      shaderF16: adapter.features.has('shader-f16'),
    },
    results,
  };
}

main().then(
  (r) => {
    window.__result = r;
  },
  (e) => {
    window.__result = { ok: false, error: String(e && e.message ? e.message : e) };
  },
);
