/** Messages between the harness page and its benchmark worker. */
export type Backend = 'webgpu' | 'wasm';
/** graphs timed side by side: the pair, and the no-predictor variant of bench/variants.py */
export type Variant = 'deit' | 'dynamicvit' | 'nopred';

export interface LoadReq {
  type: 'load';
  id: number;
  baseUrl: string;
  backend: Backend;
  /** also load dynamicvit-nopred.onnx (predictor-share measurement) */
  nopred: boolean;
  /** wasm: warm-up runs of both models for this long (ms) before any cell, while V8 tiers the wasm up */
  tierUpMs: number;
  /** keep ratios whose keep counts and FLOP ratios the result lists (src/engine rules, from the card) */
  rhos: number[];
}

export interface CellReq {
  type: 'cell';
  id: number;
  rho: number;
  batch: number;
  runs: number;
  maxMs: number;
  /** rounds done before the time bound may end the cell */
  minRuns: number;
  /** variants timed in the interleave, in addition to deit and dynamicvit */
  extra: Variant[];
}

export interface OverheadReq {
  type: 'overhead';
  id: number;
  rho: number;
  runs: number;
  maxMs: number;
  imageWidth: number;
  imageHeight: number;
}

export interface ReleaseReq {
  type: 'release';
  id: number;
}

export type HarnessRequest = LoadReq | CellReq | OverheadReq | ReleaseReq;

export type HarnessReply =
  { kind: 'log'; text: string } | { kind: 'ok'; id: number; result: unknown } | { kind: 'error'; id: number; message: string };
