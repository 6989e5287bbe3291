/**
 * One classification as the page asks for it (and as the benchmark's pipeline measures it): the latest image
 * (decoded and preprocessed only when new, once per distinct preprocessing of the loaded cards), DeiT once per
 * image, DynamicViT and the baselines at the requested keep ratio, top-5 and kept positions, with where the
 * time went.
 */
import { ImageInputError } from '../engine/imageDecode.ts';
import { predictions } from '../engine/postprocess.ts';
import { prepareForCards, tensorFor, type CardInputs } from './cardInputs.ts';
import type { LatestInput } from './latestInput.ts';
import { runBaseline, type Baseline } from './methods.ts';
import type { MethodOutput, ModelOutput, ResultMessage } from './protocol.ts';
import { countsFor, runDeit, runDvit, type ModelPair } from './runs.ts';

export interface CurrentImage extends CardInputs {
  /** DeiT's answer does not depend on the keep ratio: computed once per image */
  deit?: ModelOutput;
}

/** Every card whose session this image feeds: DynamicViT first (its crop is shown), the twin, the baselines. */
export const pairCards = (m: ModelPair & { baselines?: Baseline[] }) => [m.dvitCard, m.deitCard, ...(m.baselines ?? []).map((b) => b.card)];

export async function classifyLatest(
  m: ModelPair & { baselines?: Baseline[] },
  inputs: LatestInput<CurrentImage>,
  rho: number,
  id: number,
): Promise<{ msg: ResultMessage; transfer: Transferable[] }> {
  const t0 = performance.now();
  const hadInput = inputs.hasValue;
  const { value: img, fresh } = await inputs.current((blob, name) =>
    prepareForCards(blob, name, pairCards(m)).catch((e: unknown) => {
      throw hadInput && e instanceof ImageInputError
        ? new ImageInputError(`${e.message}\nThe previous image and its result are still shown.`)
        : e;
    }),
  );
  const counts = countsFor(m.dvitCard, rho);
  let deitMs = 0;
  let postMs = 0;
  if (!img.deit) {
    const d = await runDeit(m, tensorFor(img, m.deitCard));
    deitMs = d.ms;
    const p0 = performance.now();
    img.deit = { top5: predictions(d.logits, m.deitCard.labels), logits: Array.from(d.logits), latencyMs: d.ms };
    postMs += performance.now() - p0;
  }
  const r = await runDvit(m, tensorFor(img, m.dvitCard), counts);
  const p0 = performance.now();
  const top5 = predictions(r.logits, m.dvitCard.labels);
  postMs += performance.now() - p0;
  const baselines: MethodOutput[] = [];
  let baselinesMs = 0;
  for (const b of m.baselines ?? []) {
    const o = await runBaseline(m, b, tensorFor(img, b.card), counts);
    baselinesMs += o.ms;
    const p1 = performance.now();
    baselines.push({ key: b.key, top5: predictions(o.logits, b.card.labels), logits: Array.from(o.logits), latencyMs: o.ms, kept: o.kept });
    postMs += performance.now() - p1;
  }
  const t = fresh ? img.input.timings : { sniffMs: 0, decodeMs: 0, pixelsMs: 0, preprocessMs: 0 };
  // the crop goes once per image, transferred (not copied): the worker never needs it again
  const crop = fresh ? img.input.crop : undefined;
  const msg: ResultMessage = {
    status: 'result',
    id,
    rho,
    keepCounts: counts,
    backend: m.backend,
    dynamicvit: { top5, logits: Array.from(r.logits), latencyMs: r.ms, kept: r.kept },
    deit: img.deit,
    baselines,
    pipeline: { newImage: fresh, ...t, deitMs, dvitMs: r.ms, baselinesMs, postprocessMs: postMs, totalMs: performance.now() - t0 },
    crop,
  };
  return { msg, transfer: crop ? [crop.data.buffer] : [] };
}
