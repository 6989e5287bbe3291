/**
 * The page's accuracy-speed curve: each labelled image decoded and preprocessed exactly as a dropped image is
 * (cardInputs.ts -> decode.ts), then DeiT once and every pruning method (DynamicViT and the baselines) at each
 * keep ratio, on the loaded sessions. One image is one job on the worker's queue, so classifications the user
 * asks for meanwhile run between images. Aggregation is src/engine/curve.ts (the rule of
 * models/evaluate_curve.py).
 */
import { curveGflops, CurveTally, DEIT_KEY, FULL_KEY, rhoKey } from '../engine/curve.ts';
import type { ModelCard } from '../engine/modelCard.ts';
import { topK } from '../engine/postprocess.ts';
import { pairCards } from './classify.ts';
import { prepareForCards, tensorFor } from './cardInputs.ts';
import { runBaseline, type MethodPair } from './methods.ts';
import type { EvalProgressMessage, EvalResultMessage, EvaluateRequest } from './protocol.ts';
import { countsFor, DeviceLostError, runDeit, runDvit, type DvitRun } from './runs.ts';
import { errText } from './sessions.ts';

export interface EvalHooks {
  /** runs a job on the worker's one session queue */
  enqueue: <T>(job: () => Promise<T>) => Promise<T>;
  cancelled: () => boolean;
  /** the pair loaded now (the evaluation stops if it is no longer `m`) */
  current: () => MethodPair | null;
  progress: (p: Omit<EvalProgressMessage, 'status' | 'id'>) => void;
}

interface PruningMethod {
  key: string;
  card: ModelCard;
  run: (data: Float32Array, counts: number[]) => Promise<DvitRun>;
}

export function pruningMethods(m: MethodPair): PruningMethod[] {
  return [
    { key: 'dynamicvit', card: m.dvitCard, run: (d, c) => runDvit(m, d, c) },
    ...m.baselines.map((b) => ({ key: b.key, card: b.card, run: (d: Float32Array, c: number[]) => runBaseline(m, b, d, c) })),
  ];
}

const argmax = (logits: Float32Array): number => topK(logits, 1)[0];

export async function evaluateSet(
  m: MethodPair,
  req: EvaluateRequest,
  hooks: EvalHooks,
): Promise<Omit<EvalResultMessage, 'status' | 'id'>> {
  const t0 = performance.now();
  const methods = pruningMethods(m);
  const rhos = req.rhos.map((r) => ({ rho: r, key: rhoKey(r) }));
  const perImage = 1 + methods.length * rhos.length;
  const total = req.items.length * perImage;
  const classes = m.dvitCard.labels.length;
  const tally = new CurveTally();
  const failed: EvalResultMessage['failed'] = [];
  let done = 0;
  let cancelled = false;
  hooks.progress({ done, total, imagesDone: 0, failed: 0 });

  for (const [i, item] of req.items.entries()) {
    if (hooks.cancelled()) {
      cancelled = true;
      break;
    }
    await hooks
      .enqueue(async () => {
        if (hooks.current() !== m) throw new Error('the model was changed during the evaluation: run it again on the new model');
        if (!Number.isInteger(item.label) || item.label < 0 || item.label >= classes) {
          failed.push({ name: item.name, reason: `label ${item.label} is not a class index of this model (0..${classes - 1})` });
          return;
        }
        let img;
        try {
          img = await prepareForCards(item.image, item.name, pairCards(m));
        } catch (e) {
          failed.push({ name: item.name, reason: errText(e) });
          return;
        }
        const runs: { method: string; rho: string; pred: number; ms: number }[] = [];
        const d = await runDeit(m, tensorFor(img, m.deitCard));
        runs.push({ method: DEIT_KEY, rho: FULL_KEY, pred: argmax(d.logits), ms: d.ms });
        for (const meth of methods) {
          const data = tensorFor(img, meth.card);
          for (const r of rhos) {
            const o = await meth.run(data, countsFor(meth.card, r.rho));
            runs.push({ method: meth.key, rho: r.key, pred: argmax(o.logits), ms: o.ms });
          }
        }
        tally.addImage(item.name, item.label, runs);
      })
      .catch((e: unknown) => {
        throw e instanceof DeviceLostError
          ? e
          : new Error(`evaluation stopped at image ${i + 1} of ${req.items.length} ("${item.name}"): ${errText(e)}`);
      });
    done += perImage;
    hooks.progress({ done, total, imagesDone: i + 1, failed: failed.length });
  }

  const cards = new Map<string, ModelCard>([[DEIT_KEY, m.deitCard], ...methods.map((x): [string, ModelCard] => [x.key, x.card])]);
  const curve = tally.images ? tally.curve((method, rho) => curveGflops(cards.get(method)!, method === DEIT_KEY ? null : Number(rho))) : {};
  return {
    backend: m.backend,
    cancelled,
    images: tally.images,
    failed,
    curve,
    predictions: tally.predictions(),
    names: tally.names,
    seconds: (performance.now() - t0) / 1000,
  };
}
