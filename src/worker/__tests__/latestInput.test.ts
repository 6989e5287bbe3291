import { describe, expect, it } from 'vitest';
import { LatestInput } from '../latestInput.ts';

const blob = (s: string) => new Blob([s], { type: 'image/png' });

describe('LatestInput: a keep-ratio change never decodes or preprocesses again', () => {
  it('prepares each new image once; re-classifications reuse it', async () => {
    const prepared: string[] = [];
    const prepare = async (b: Blob, name: string) => {
      prepared.push(name);
      return `tensor of ${await b.text()}`;
    };
    const inputs = new LatestInput<string>();
    await expect(inputs.current(prepare)).rejects.toThrow('no image yet');
    inputs.offer(1, blob('a'), 'a.png');
    expect(await inputs.current(prepare)).toEqual({ value: 'tensor of a', fresh: true });
    // the slider moves three times: same tensor, no preparation
    for (let i = 0; i < 3; i++) expect(await inputs.current(prepare)).toEqual({ value: 'tensor of a', fresh: false });
    expect(prepared).toEqual(['a.png']);
    inputs.offer(2, blob('b'), 'b.png');
    expect((await inputs.current(prepare)).fresh).toBe(true);
    expect((await inputs.current(prepare)).fresh).toBe(false);
    expect(prepared).toEqual(['a.png', 'b.png']);
  });

  it('keeps the previous input when a new image fails, and does not retry the failed one', async () => {
    const inputs = new LatestInput<string>();
    let calls = 0;
    inputs.offer(1, blob('a'), 'a.png');
    await inputs.current(async () => (calls++, 'A'));
    inputs.offer(2, blob('bad'), 'bad.png');
    await expect(
      inputs.current(async () => {
        calls++;
        throw new Error('not an image');
      }),
    ).rejects.toThrow('not an image');
    expect(await inputs.current(async () => (calls++, 'X'))).toEqual({ value: 'A', fresh: false });
    expect(calls).toBe(2);
  });

  it('prepares the same image again for a new model', async () => {
    const inputs = new LatestInput<string>();
    let calls = 0;
    inputs.offer(5, blob('a'), 'a.png');
    await inputs.current(async () => `v${++calls}`);
    inputs.invalidate();
    expect(inputs.hasValue).toBe(false);
    expect(await inputs.current(async () => `v${++calls}`)).toEqual({ value: 'v2', fresh: true });
  });
});
