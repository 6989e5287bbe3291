import { useState } from 'react';
import { niceTicks, type Curve } from '../../src/engine/curve.ts';
import { formatMs } from '../format.ts';

export const METHOD_COLOURS: Record<string, string> = { deit: '#e5e7eb', dynamicvit: '#38bdf8', attentive: '#f59e0b', random: '#a78bfa' };
const EXTRA = ['#34d399', '#f87171', '#fb7185', '#facc15'];

export type CurveAxis = 'gflops' | 'ms';

interface Pt {
  method: string;
  rho: string;
  x: number;
  y: number;
  tip: string;
}

/**
 * Top-1 (%) against GFLOPs or measured latency: one line per method, the full model as one square. Every point
 * is focusable (Tab) and names its values in <title> and in the tooltip shown on hover or focus.
 */
export function CurveChart({ curve, axis, name }: { curve: Curve; axis: CurveAxis; name: (key: string) => string }) {
  const [hot, setHot] = useState<Pt | null>(null);
  const W = 640,
    H = 360,
    left = 56,
    right = 150,
    top = 16,
    bottom = 46;
  const extra = [...EXTRA];
  const colour = Object.fromEntries(Object.keys(curve).map((m) => [m, METHOD_COLOURS[m] ?? extra.shift() ?? '#ffffff']));
  const lines = Object.entries(curve).map(([method, byRho]) => ({
    method,
    pts: Object.entries(byRho)
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([rho, v]): Pt => ({
        method,
        rho,
        x: axis === 'gflops' ? v.gflops : v.ms,
        y: 100 * v.top1,
        tip: `${name(method)}${method === 'deit' ? '' : ` ρ ${rho}`}: top-1 ${(100 * v.top1).toFixed(2)}%, ${v.gflops.toFixed(4)} GFLOPs, ${formatMs(v.ms)} median`,
      })),
  }));
  const all = lines.flatMap((l) => l.pts);
  if (!all.length) return null;
  let x0 = Math.min(...all.map((p) => p.x)),
    x1 = Math.max(...all.map((p) => p.x));
  const pad = 0.05 * (x1 - x0 || x1 || 1);
  x0 = Math.max(0, x0 - pad);
  x1 += pad;
  const y0 = Math.max(0, Math.floor(Math.min(...all.map((p) => p.y)) / 10) * 10);
  const y1 = Math.min(100, Math.ceil(Math.max(...all.map((p) => p.y)) / 10) * 10) + 2;
  const sx = (v: number) => left + ((v - x0) / (x1 - x0)) * (W - left - right);
  const sy = (v: number) => H - bottom - ((v - y0) / (y1 - y0)) * (H - top - bottom);
  const xLabel = axis === 'gflops' ? 'GFLOPs (multiply-accumulates × 1e-9)' : 'median latency per image (ms, this page, this backend)';
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart curve-chart"
      role="group"
      aria-label={`Top-1 against ${axis === 'gflops' ? 'GFLOPs' : 'latency'}`}
      data-testid={`curve-chart-${axis}`}
    >
      {niceTicks(x0, x1).map((t) => (
        <g key={`x${t}`}>
          <line x1={sx(t)} x2={sx(t)} y1={top} y2={H - bottom} className="grid" />
          <text x={sx(t)} y={H - bottom + 16} textAnchor="middle" className="axis">
            {axis === 'ms' ? formatMs(t) : t}
          </text>
        </g>
      ))}
      {niceTicks(y0, y1 - 2).map((t) => (
        <g key={`y${t}`}>
          <line x1={left} x2={W - right} y1={sy(t)} y2={sy(t)} className="grid" />
          <text x={left - 6} y={sy(t) + 4} textAnchor="end" className="axis">
            {t}
          </text>
        </g>
      ))}
      <text x={(left + W - right) / 2} y={H - 10} textAnchor="middle" className="axis">
        {xLabel}
      </text>
      <text transform={`translate(14 ${(top + H - bottom) / 2}) rotate(-90)`} textAnchor="middle" className="axis">
        top-1 (%)
      </text>
      {lines.map(({ method, pts }, li) => (
        <g key={method} data-method={method}>
          {pts.length > 1 && (
            <polyline
              points={pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}
              fill="none"
              stroke={colour[method]}
              strokeWidth={2}
            />
          )}
          {pts.map((p) => {
            const common = {
              tabIndex: 0,
              'aria-label': p.tip,
              fill: colour[method],
              'data-testid': 'curve-point',
              'data-method': method,
              'data-rho': p.rho,
              onMouseEnter: () => setHot(p),
              onMouseLeave: () => setHot(null),
              onFocus: () => setHot(p),
              onBlur: () => setHot(null),
            };
            return pts.length === 1 ? (
              <rect key={p.rho} x={sx(p.x) - 5} y={sy(p.y) - 5} width={10} height={10} {...common}>
                <title>{p.tip}</title>
              </rect>
            ) : (
              <circle key={p.rho} cx={sx(p.x)} cy={sy(p.y)} r={4} {...common}>
                <title>{p.tip}</title>
              </circle>
            );
          })}
          <line
            x1={W - right + 14}
            x2={W - right + 34}
            y1={top + 10 + 20 * li}
            y2={top + 10 + 20 * li}
            stroke={colour[method]}
            strokeWidth={3}
          />
          <text x={W - right + 40} y={top + 14 + 20 * li} className="axis">
            {name(method)}
          </text>
        </g>
      ))}
      {hot && (
        <g pointerEvents="none" data-testid="curve-tooltip">
          <rect
            x={Math.min(sx(hot.x) + 8, W - 330)}
            y={Math.max(top, sy(hot.y) - 30)}
            width={322}
            height={22}
            rx={4}
            className="tooltip-bg"
          />
          <text x={Math.min(sx(hot.x) + 14, W - 324)} y={Math.max(top, sy(hot.y) - 30) + 15} className="tooltip-text">
            {hot.tip}
          </text>
        </g>
      )}
    </svg>
  );
}
