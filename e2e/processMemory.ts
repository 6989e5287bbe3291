import { readdirSync, readFileSync } from 'node:fs';

/**
 * Resident memory of the Chromium that this test process launched (Linux /proc): its renderer processes
 * (page + worker: JS heaps, ArrayBuffers, the wasm heap) and its GPU process (on SwiftShader the GPU
 * buffers live there, in CPU memory). Used for the long-session memory bound, where performance.memory
 * cannot see a worker or typed-array backing stores.
 */
interface Proc {
  pid: number;
  ppid: number;
  cmd: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      out.push({ pid: Number(d), ppid, cmd });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
const rssBytes = (pid: number): number => statusBytes(pid, 'VmRSS');

/** rendererPeakBytes: the renderers' peak resident size so far (VmHWM) */
export interface ChromiumMemory {
  rendererBytes: number;
  rendererPeakBytes: number;
  gpuProcessBytes: number;
  renderers: number;
}

export function chromiumMemory(): ChromiumMemory {
  const procs = processes();
  const children = new Map<number, Proc[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const mine: Proc[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      mine.push(c);
      walk(c.pid);
    }
  };
  walk(process.pid);
  const renderers = mine.filter((p) => p.cmd.includes('--type=renderer') && !p.cmd.includes('--extension-process'));
  const gpu = mine.filter((p) => p.cmd.includes('--type=gpu-process'));
  if (!renderers.length) throw new Error(`no Chromium renderer process under this test process (pid ${process.pid})`);
  return {
    rendererBytes: renderers.reduce((s, p) => s + rssBytes(p.pid), 0),
    rendererPeakBytes: renderers.reduce((s, p) => s + statusBytes(p.pid, 'VmHWM'), 0),
    gpuProcessBytes: gpu.reduce((s, p) => s + rssBytes(p.pid), 0),
    renderers: renderers.length,
  };
}
