/**
 * How much memory a server uses: the resident set of its whole process tree from /proc (the reference server
 * with its replicas and GPU instance processes), or, for servers gauntlet did not start, the
 * `process_resident_memory_bytes` its Prometheus endpoint exports (summed over every line).
 */
import type tls from 'node:tls';
import { fetchMetrics } from '../metrics/fetch-metrics.js';
import { readdirSync, readFileSync } from 'node:fs';
import { parentPid } from '../util/proc-stat.js';

const MIB = 1024 * 1024;

/** processTreeRssMib sums VmRSS over a process and its descendants; null where /proc cannot be read. */
export function processTreeRssMib(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  const children = new Map<number, number[]>();
  for (const e of entries) {
    const ppid = parentPid(Number(e));
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(e));
    children.set(ppid, list);
  }
  let bytes = 0;
  let found = false;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    const rss = rssBytes(p);
    if (rss !== undefined) [bytes, found] = [bytes + rss, true];
    for (const c of children.get(p) ?? []) stack.push(c);
  }
  return found ? bytes / MIB : null;
}

/** MAX_METRICS_BYTES bounds a metrics page read for memory (a Prometheus page of a big server is a few MB). */
const MAX_METRICS_BYTES = 64 * 1024 * 1024;

/** metricsRssMib reads process_resident_memory_bytes from a Prometheus endpoint; null when absent or unreachable. */
export async function metricsRssMib(url: string, opts: { timeoutMs?: number; tls?: tls.ConnectionOptions } = {}): Promise<number | null> {
  try {
    const text = await fetchMetrics(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 3000), maxBytes: MAX_METRICS_BYTES, ...(opts.tls && { tls: opts.tls }) });
    let bytes = 0;
    let found = false;
    for (const line of text.split('\n')) {
      const m = /^process_resident_memory_bytes(\{[^}]*\})?\s+([0-9.eE+]+)/.exec(line);
      if (m) [bytes, found] = [bytes + Number(m[2]), true];
    }
    return found ? bytes / MIB : null;
  } catch {
    return null;
  }
}

function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
