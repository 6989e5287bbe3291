import { describe, expect, it } from 'vitest';
import { savedResult } from '../savedResult.ts';

describe('savedResult', () => {
  it('writes the issue 11 layout with every logit and the kept positions per stage', () => {
    const top = (i: number) => ({ index: i, label: `class ${i}`, prob: 0.5, logit: 2 });
    const json = savedResult(
      'cat.jpg',
      {
        rho: 0.7,
        backend: 'wasm',
        keepCounts: [2, 1],
        dynamicvit: { top5: [top(1)], logits: new Float32Array([0.25, 2]), latencyMs: 12, kept: [[3, 0], [3]] },
        deit: { top5: [top(0)], logits: [1.5, -1], latencyMs: 20 },
      },
      { dynamicvit: 'DynamicViT-DeiT-S', deit: 'DeiT-S' },
    );
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      image: 'cat.jpg',
      rho: 0.7,
      backend: 'wasm',
      keep_counts: [2, 1],
      dynamicvit: {
        model: 'DynamicViT-DeiT-S',
        logits: [0.25, 2],
        top5: [{ index: 1, label: 'class 1', probability: 0.5 }],
        ms: 12,
        kept_positions: [[3, 0], [3]],
      },
      deit: { model: 'DeiT-S', logits: [1.5, -1], top5: [{ index: 0, label: 'class 0', probability: 0.5 }], ms: 20 },
    });
  });
});
