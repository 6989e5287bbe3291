import { describe, expect, it } from 'vitest';
import { checkpointSource, LoadCancelledError } from '../checkpointSource.ts';
import type { FromWorker } from '../protocol.ts';

/** The cancel points come before any parsing, so the bytes need not be a checkpoint. */
const BYTES = new Uint8Array(4096);

function source(cancelAfterMessages: number) {
  const posted: FromWorker[] = [];
  const file = new File([BYTES], 'model.pth');
  const src = checkpointSource([file, file], 0.7, 'http://templates.invalid/', {
    id: 1,
    post: (m) => posted.push(m),
    cancelled: () => posted.length >= cancelAfterMessages,
  });
  return { src, posted };
}

describe('checkpointSource cancel', () => {
  it('stops while reading at the first cancel point, before anything is parsed', async () => {
    const { src, posted } = source(2); // the 'reading' phase and the first progress message
    await expect(src.dvitCard()).rejects.toBeInstanceOf(LoadCancelledError);
    expect(posted.map((m) => m.status)).toEqual(['phase', 'progress']);
  });
  it('refuses a cancelled load once its sessions exist (load.ts then releases them)', async () => {
    const { src } = source(Infinity);
    expect(() => src.sessionsCreated?.()).not.toThrow();
    const cancelled = checkpointSource([], 0.7, 'http://templates.invalid/', { id: 2, post: () => undefined, cancelled: () => true });
    expect(() => cancelled.sessionsCreated?.()).toThrow(LoadCancelledError);
  });
});
