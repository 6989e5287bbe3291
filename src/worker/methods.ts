/**
 * The training-free baselines a DynamicViT card lists under "baselines" (attentive top-k, random keep): graphs
 * of the same IO contract on the DeiT twin, loaded beside the pair on the same backend and device with the same
 * session options (sessions.ts), and run at the same keep counts. A baseline that cannot be loaded is left out
 * with the reason; the pair works without it.
 */
import type * as ort from 'onnxruntime-web/webgpu';
import { checkCardAgainstSession, parseCard, type ModelCard } from '../engine/modelCard.ts';
import type { GpuHandle } from './gpuDevice.ts';
import type { DownloadProgress, ModelSource } from './modelSources.ts';
import type { Backend } from './protocol.ts';
import { countsFor, DeviceLostError, runDvit, type DvitRun, type ModelPair } from './runs.ts';
import { createSessions, errText } from './sessions.ts';

export interface Baseline {
  /** the card's file stem ("attentive", "random"): the method's name in curve.json */
  key: string;
  card: ModelCard;
  session: ort.InferenceSession;
}

/** A pair with its baselines (none when the card lists none). */
export interface MethodPair extends ModelPair {
  baselines: Baseline[];
}

/** Method key of a card file named under "baselines": its stem, as models/evaluate_curve.py names it. */
export const baselineKey = (file: string): string => file.replace(/\.json$/i, '');

/** File names the DynamicViT card lists under "baselines" (an extra field of the card; [] when absent). */
export function listedBaselines(dvitCard: ModelCard): string[] {
  const list = (dvitCard as ModelCard & { baselines?: unknown }).baselines;
  return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
}

/** Why a baseline card cannot stand beside this DynamicViT (same patches, stages, input and labels), or null. */
function mismatch(card: ModelCard, dvit: ModelCard): string | null {
  const a = card.architecture,
    d = dvit.architecture;
  if (a.num_patches !== d.num_patches || a.pruning_locations.join() !== d.pruning_locations.join()) {
    return `its pruning (${a.num_patches} patches, locations [${a.pruning_locations.join(', ')}]) differs from the DynamicViT's (${d.num_patches}, [${d.pruning_locations.join(', ')}])`;
  }
  if (card.preprocessing.crop_size !== dvit.preprocessing.crop_size)
    return `its input is ${card.preprocessing.crop_size}² pixels, the DynamicViT's ${dvit.preprocessing.crop_size}²`;
  if (card.labels.length !== dvit.labels.length) return `it has ${card.labels.length} classes, the DynamicViT ${dvit.labels.length}`;
  return null;
}

export interface BaselineLoad {
  dvitCard: ModelCard;
  src: ModelSource;
  backend: Backend;
  /** create with disable_cpu_ep_fallback (as the pair was) */
  strict: boolean;
  gpu: GpuHandle | null;
  onProgress: (file: string, p: DownloadProgress) => void;
}

/** Cards, bytes and sessions of the listed baselines, one by one; each failure becomes a line of `note`. */
export async function loadBaselines(o: BaselineLoad): Promise<{ baselines: Baseline[]; problems: string[] }> {
  const baselines: Baseline[] = [];
  const problems: string[] = [];
  for (const file of listedBaselines(o.dvitCard)) {
    let session: ort.InferenceSession | null = null;
    try {
      const card = parseCard(await o.src.twinCard(file, 'baseline'), 'pruned', `baseline (${file})`);
      if (card.family === 'dynamicvit') throw new Error('its family is "dynamicvit", not a baseline');
      const why = mismatch(card, o.dvitCard);
      if (why) throw new Error(why);
      const bytes = await o.src.bytes(card, o.onProgress);
      [session] = await createSessions([{ file: card.onnx.file, bytes }], o.backend, o.strict, o.gpu);
      const diff = checkCardAgainstSession(card, session);
      if (diff.length) throw new Error(`card and ONNX graph disagree: ${diff.join('; ')}`);
      baselines.push({ key: baselineKey(file), card, session });
    } catch (e) {
      await session?.release().catch(() => undefined);
      problems.push(`${file}: ${errText(e)}`);
    }
  }
  return { baselines, problems };
}

/** One run of a baseline: the DynamicViT's feeds and outputs (runs.ts), on the baseline's session. */
export const runBaseline = (m: ModelPair, b: Baseline, data: Float32Array, counts: number[]): Promise<DvitRun> =>
  runDvit(m, data, counts, b.session);

/**
 * One warm-up run each (shader compilation is not part of any reported latency). A baseline whose first run
 * fails is released and left out, with the reason.
 */
export async function warmBaselines(
  m: ModelPair,
  baselines: Baseline[],
  dummy: Float32Array,
): Promise<{ baselines: Baseline[]; problems: string[] }> {
  const ok: Baseline[] = [];
  const problems: string[] = [];
  for (const b of baselines) {
    try {
      await runBaseline(m, b, dummy, countsFor(b.card, b.card.pruning!.trained_keep_ratio));
      ok.push(b);
    } catch (e) {
      if (e instanceof DeviceLostError) throw e;
      await b.session.release().catch(() => undefined);
      problems.push(`${b.card.onnx.file} failed its first run (does the graph match its card?): ${errText(e)}`);
    }
  }
  return { baselines: ok, problems };
}

/** The page's line for baselines left out, or undefined. */
export const baselineNote = (problems: string[]): string | undefined =>
  problems.length ? `Baselines not loaded (the pair works without them): ${problems.join(' | ')}` : undefined;

export const releaseBaselines = (bs: readonly Baseline[]): Promise<unknown> =>
  Promise.all(bs.map((b) => b.session.release())).catch(() => undefined);
