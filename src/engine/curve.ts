/**
 * The accuracy-speed curve of a pair and its baselines, as models/evaluate_curve.py computes it, from per-image
 * predictions and run times: top-1 = share of evaluated images whose highest logit (lowest index on a tie) is
 * the label; gflops = the card's formula (src/engine/flops.ts) rounded to 4 decimals as models/flops.py
 * reports it; ms = median of the per-image run times. The full twin sits at key "1.0" under "deit".
 */
import { vitFlops } from './flops.ts';
import { keepCounts } from './keepCounts.ts';
import type { ModelCard } from './modelCard.ts';
import { quantile } from './stats.ts';

export type CurvePoint = { top1: number; gflops: number; ms: number };
export type Curve = Record<string, Record<string, CurvePoint>>;

export const FULL_KEY = '1.0';
export const DEIT_KEY = 'deit';

/** 0.3, 0.4, ..., 1.0 (decimal literals, as the page's slider and Python's round(x, 1) give them). */
export const EVAL_RATIOS: readonly number[] = Array.from({ length: 8 }, (_, i) => Math.round((0.3 + 0.1 * i) * 10) / 10);

export const rhoKey = (rho: number): string => rho.toFixed(1);

/** The evaluation's keep ratios that lie within a card's keep_ratio_range. */
export function ratiosInRange(range: readonly [number, number]): number[] {
  return EVAL_RATIOS.filter((r) => r >= range[0] - 1e-12 && r <= range[1] + 1e-12);
}

/** GFLOPs of a card at a keep ratio (the full twin: all tokens), rounded to 4 decimals like models/flops.py. */
export function curveGflops(card: Pick<ModelCard, 'architecture' | 'family' | 'labels'>, rho: number | null): number {
  const counts = rho === null || card.architecture.pruning_locations.length === 0 ? [] : keepCounts(rho, card.architecture);
  return Math.round(vitFlops(card, counts).total * 1e4) / 1e4;
}

/** Every run of an evaluation, kept per (method, rho key) in image order; aggregated into a Curve. */
export class CurveTally {
  private readonly preds = new Map<string, Map<string, number[]>>();
  private readonly times = new Map<string, Map<string, number[]>>();
  private readonly labels: number[] = [];
  readonly names: string[] = [];

  /** One image's runs: `runs` maps method -> rho key -> {pred, ms}. An image is added whole or not at all. */
  addImage(name: string, label: number, runs: { method: string; rho: string; pred: number; ms: number }[]): void {
    this.names.push(name);
    this.labels.push(label);
    for (const r of runs) {
      push(this.preds, r.method, r.rho, r.pred);
      push(this.times, r.method, r.rho, r.ms);
    }
  }

  get images(): number {
    return this.labels.length;
  }

  /** {method: {rho: [predicted index per image]}} */
  predictions(): Record<string, Record<string, number[]>> {
    const out: Record<string, Record<string, number[]>> = {};
    for (const [m, byRho] of this.preds) out[m] = Object.fromEntries(byRho);
    return out;
  }

  /** The curve; `gflops(method, rhoKey)` gives each point's cost. Methods and ratios in the order first seen. */
  curve(gflops: (method: string, rho: string) => number): Curve {
    const out: Curve = {};
    for (const [m, byRho] of this.preds) {
      out[m] = {};
      for (const [r, preds] of byRho) {
        if (preds.length !== this.labels.length)
          throw new Error(`${m} at rho ${r} has ${preds.length} predictions for ${this.labels.length} images`);
        out[m][r] = { top1: top1(preds, this.labels), gflops: gflops(m, r), ms: round3(quantile(this.times.get(m)!.get(r)!, 0.5)) };
      }
    }
    return out;
  }
}

function push(map: Map<string, Map<string, number[]>>, method: string, rho: string, v: number): void {
  let byRho = map.get(method);
  if (!byRho) map.set(method, (byRho = new Map()));
  const list = byRho.get(rho);
  if (list) list.push(v);
  else byRho.set(rho, [v]);
}

/** Share of predictions equal to the labels (0 for no images). */
export function top1(preds: readonly number[], labels: readonly number[]): number {
  if (preds.length !== labels.length) throw new Error(`${preds.length} predictions for ${labels.length} labels`);
  if (!labels.length) return 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (preds[i] === labels[i]) n++;
  return n / labels.length;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** CSV with one row per point: method,rho,top1,gflops,ms (RFC 4180 quoting for method names). */
export function curveToCsv(curve: Curve): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = ['method,rho,top1,gflops,ms'];
  for (const [m, byRho] of Object.entries(curve)) {
    for (const [r, p] of Object.entries(byRho)) rows.push([q(m), r, p.top1, p.gflops, p.ms].join(','));
  }
  return `${rows.join('\n')}\n`;
}

/** Indices 0, every, 2*every, ... below n: the deterministic subset `?evalEvery=N` evaluates. */
export function everyNth(n: number, every: number): number[] {
  if (!Number.isInteger(every) || every < 1) throw new Error(`evaluate every N-th image: N must be a positive integer (got ${every})`);
  return Array.from({ length: Math.ceil(n / every) }, (_, i) => i * every);
}

/** Round-numbered axis ticks (steps of 1, 2, 2.5 or 5 x 10^n) inside [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}
