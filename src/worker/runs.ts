/**
 * One timed run of DeiT or DynamicViT at batch B, as the page classifies and benchmarks and as the harness
 * measures: feeds built from the card, session.run, every output read back to the CPU (the timing ends there).
 */
import * as ort from 'onnxruntime-web/webgpu';
import { keepCounts } from '../engine/keepCounts.ts';
import type { ModelCard } from '../engine/modelCard.ts';
import type { GpuHandle } from './gpuDevice.ts';
import type { Backend } from './protocol.ts';

/** A run that could not finish because the GPU device went away; the sessions are recreated. */
export class DeviceLostError extends Error {}

/** DynamicViT and its full-DeiT twin on one backend. */
export interface ModelPair {
  backend: Backend;
  dvit: ort.InferenceSession;
  deit: ort.InferenceSession;
  dvitCard: ModelCard;
  deitCard: ModelCard;
  /** the device under the sessions (WebGPU only) and a rejection that fires when it is lost */
  gpu: GpuHandle | null;
  gpuLost: Promise<never> | null;
}

/** The rejection a pair's runs race against (null on wasm). */
export function lostRejection(gpu: GpuHandle | null): Promise<never> | null {
  if (!gpu) return null;
  const p = gpu.lost.then((info): never => {
    throw new DeviceLostError(`the GPU device was lost during the run (${info.reason}${info.message ? `: ${info.message}` : ''})`);
  });
  p.catch(() => undefined); // handled by whichever run races it
  return p;
}

/** Patch tokens kept per stage at keep ratio rho: the card's architecture and src/engine's rule. */
export const countsFor = (card: ModelCard, rho: number): number[] => keepCounts(rho, card.architecture);

/** One image's normalised NCHW tensor repeated `batch` times (the benchmark's batches). */
export function repeatBatch(image: Float32Array, batch: number): Float32Array {
  if (batch === 1) return image;
  const out = new Float32Array(image.length * batch);
  for (let b = 0; b < batch; b++) out.set(image, b * image.length);
  return out;
}

function pixelTensor(card: ModelCard, data: Float32Array): ort.Tensor {
  const s = card.preprocessing.crop_size;
  const plane = 3 * s * s;
  if (data.length % plane !== 0) throw new Error(`input has ${data.length} values, not a multiple of 3x${s}x${s}`);
  return new ort.Tensor('float32', data, [data.length / plane, 3, s, s]);
}

/** Reads an output whether it came back on the CPU or stayed on the GPU. */
async function read(t: ort.Tensor): Promise<ort.Tensor['data']> {
  return t.location === 'cpu' || t.location === 'cpu-pinned' ? t.data : await t.getData(true);
}

/** session.run, failing fast with DeviceLostError if the device goes away (a run on a lost device may never settle). */
function guardedRun(
  m: ModelPair,
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
): Promise<ort.InferenceSession.ReturnType> {
  if (!m.gpuLost) return session.run(feeds);
  if (m.gpu?.lostInfo) return Promise.reject(new DeviceLostError(`the GPU device was lost (${m.gpu.lostInfo.reason})`));
  return Promise.race([session.run(feeds), m.gpuLost]);
}

export interface DeitRun {
  /** session.run + reading every output back */
  ms: number;
  logits: Float32Array;
}

export interface DvitRun extends DeitRun {
  /** kept patch positions per stage, of the first image in the batch */
  kept: number[][];
}

/** `data`: one or more images, [B, 3, s, s] flattened. */
export async function runDeit(m: ModelPair, data: Float32Array, session: ort.InferenceSession = m.deit): Promise<DeitRun> {
  const feeds = { pixel_values: pixelTensor(m.deitCard, data) };
  const t0 = performance.now();
  const out = await guardedRun(m, session, feeds);
  const logits = (await read(out.logits)) as Float32Array;
  return { ms: performance.now() - t0, logits };
}

/**
 * `session` defaults to the pair's DynamicViT; the harness passes graph variants with the same inputs (a graph
 * without some keep_count input simply does not get it).
 */
export async function runDvit(
  m: ModelPair,
  data: Float32Array,
  counts: number[],
  session: ort.InferenceSession = m.dvit,
): Promise<DvitRun> {
  const feeds: Record<string, ort.Tensor> = { pixel_values: pixelTensor(m.dvitCard, data) };
  counts.forEach((k, i) => {
    const name = `keep_count_stage${i + 1}`;
    if (session.inputNames.includes(name)) feeds[name] = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
  });
  const t0 = performance.now();
  const out = await guardedRun(m, session, feeds);
  const logits = (await read(out.logits)) as Float32Array;
  const kept: number[][] = [];
  for (let p = 1; p <= counts.length; p++) {
    const t = out[`kept_positions_stage${p}`];
    if (!t) continue;
    const d = (await read(t)) as ArrayLike<number | bigint>;
    kept.push(Array.from({ length: counts[p - 1] }, (_, i) => Number(d[i])));
  }
  return { ms: performance.now() - t0, logits, kept };
}
