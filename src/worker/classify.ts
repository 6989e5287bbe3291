/**
 * One classification as the page asks for it (and as the benchmark's pipeline measures it): the latest image
 * (decoded and preprocessed only when new), DeiT once per image, DynamicViT at the requested keep ratio, top-5
 * and kept positions, with where the time went.
 */
import { ImageInputError } from '../engine/imageDecode.ts';
import { predictions } from '../engine/postprocess.ts';
import { prepareInput, type ModelInput } from './decode.ts';
import type { LatestInput } from './latestInput.ts';
import type { ModelOutput, ResultMessage } from './protocol.ts';
import { countsFor, runDeit, runDvit, type ModelPair } from './runs.ts';

export interface CurrentImage {
  input: ModelInput;
  /** DeiT's answer does not depend on the keep ratio: computed once per image */
  deit?: ModelOutput;
}

export async function classifyLatest(m: ModelPair, inputs: LatestInput<CurrentImage>, rho: number, id: number): Promise<{ msg: ResultMessage; transfer: Transferable[] }> {
  const t0 = performance.now();
  const hadInput = inputs.hasValue;
  const { value: img, fresh } = await inputs.current(async (blob, name) => ({
    input: await prepareInput(blob, name, m.dvitCard.preprocessing).catch((e: unknown) => {
      throw hadInput && e instanceof ImageInputError ? new ImageInputError(`${e.message}\nThe previous image and its result are still shown.`) : e;
    }),
  }));
  const counts = countsFor(m.dvitCard, rho);
  let deitMs = 0;
  let postMs = 0;
  if (!img.deit) {
    const d = await runDeit(m, img.input.tensor);
    deitMs = d.ms;
    const p0 = performance.now();
    img.deit = { top5: predictions(d.logits, m.deitCard.labels), latencyMs: d.ms };
    postMs += performance.now() - p0;
  }
  const r = await runDvit(m, img.input.tensor, counts);
  const p0 = performance.now();
  const top5 = predictions(r.logits, m.dvitCard.labels);
  postMs += performance.now() - p0;
  const t = fresh ? img.input.timings : { sniffMs: 0, decodeMs: 0, pixelsMs: 0, preprocessMs: 0 };
  // the crop goes once per image, transferred (not copied): the worker never needs it again
  const crop = fresh ? img.input.crop : undefined;
  const msg: ResultMessage = {
    status: 'result', id, rho, keepCounts: counts, backend: m.backend,
    dynamicvit: { top5, latencyMs: r.ms, kept: r.kept },
    deit: img.deit,
    pipeline: { newImage: fresh, ...t, deitMs, dvitMs: r.ms, postprocessMs: postMs, totalMs: performance.now() - t0 },
    crop,
  };
  return { msg, transfer: crop ? [crop.data.buffer] : [] };
}
