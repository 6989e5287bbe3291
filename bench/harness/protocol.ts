/** Messages between the harness page and its benchmark worker. */
export type Backend = 'webgpu' | 'wasm';
export type OutputLocation = 'cpu' | 'gpu-buffer';
export type Variant = 'deit' | 'dynamicvit' | 'nopred' | 'static_k' | 'deit_capture' | 'static_k_capture';

export interface LoadReq {
  type: 'load';
  id: number;
  baseUrl: string;
  backend: Backend;
  /** WebGPU: 'gpu-buffer' keeps outputs on the GPU; the timing still ends after reading them back */
  outputLocation: OutputLocation;
  /** also load dynamicvit-nopred.onnx (predictor-share measurement) */
  nopred: boolean;
  warmupRho: number;
}

export interface CellReq {
  type: 'cell';
  id: number;
  rho: number;
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

/** WebGPU only: DeiT and the static-k DynamicViT graph with graph capture (static shapes, GPU-resident I/O) */
export interface CaptureCellReq {
  type: 'captureCell';
  id: number;
  rho: number;
  runs: number;
  maxMs: number;
}

export interface ReleaseReq {
  type: 'release';
  id: number;
}

export type HarnessRequest = LoadReq | CellReq | OverheadReq | CaptureCellReq | ReleaseReq;

export type HarnessReply =
  | { kind: 'log'; text: string }
  | { kind: 'ok'; id: number; result: unknown }
  | { kind: 'error'; id: number; message: string };
