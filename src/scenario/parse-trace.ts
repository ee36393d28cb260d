/**
 * Trace files for replay phases: one send time per line, either seconds from the trace's start (`0.25`) or ISO
 * 8601 timestamps (`2024-05-01T12:00:00.250Z`, taken relative to the earliest one). Only the first field of a CSV
 * line counts, so a log export with more columns works; a first line that is not a time is a header; blank lines
 * and `#` comments are skipped. Times need not be in order: they are sorted.
 */
import { readFileSync } from 'node:fs';
import type { Parsed } from './units.js';

const SECONDS = /^\d+(\.\d+)?([eE][-+]?\d+)?$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** parseTraceText reads trace text into send offsets in seconds, ascending. */
export function parseTraceText(text: string): Parsed<number[]> {
  const times: number[] = [];
  let kind: 'seconds' | 'timestamps' | undefined;
  let seenLine = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const field = (lines[i]!.split('#')[0] ?? '').split(/[,\t;]/)[0]!.trim().replace(/^"(.*)"$/, '$1');
    if (field === '') continue;
    const firstLine = !seenLine;
    seenLine = true;
    const seconds = SECONDS.test(field) ? Number(field) : undefined;
    const stamp = seconds === undefined ? timestampSeconds(field) : undefined;
    if (seconds === undefined && stamp === undefined) {
      if (firstLine) continue; // a header
      return { ok: false, message: `line ${i + 1}: ${JSON.stringify(field)} is neither seconds nor an ISO timestamp` };
    }
    const lineKind = seconds !== undefined ? 'seconds' : 'timestamps';
    if (kind !== undefined && kind !== lineKind) return { ok: false, message: `line ${i + 1}: mixes seconds and timestamps` };
    kind = lineKind;
    times.push((seconds ?? stamp)!);
  }
  if (times.length === 0) return { ok: false, message: 'has no send times' };
  times.sort((a, b) => a - b);
  if (kind === 'timestamps') {
    const first = times[0]!;
    for (let i = 0; i < times.length; i++) times[i] = times[i]! - first;
  }
  return { ok: true, value: times };
}

/** timestampSeconds converts an ISO timestamp to seconds since the epoch, keeping sub-millisecond digits. */
function timestampSeconds(field: string): number | undefined {
  const m = TIMESTAMP.exec(field);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4] ?? ''}`);
  if (!Number.isFinite(ms)) return undefined;
  return ms / 1000 + (m[3] ? Number(`0${m[3]}`) : 0);
}

/** readTraceFile reads a trace file; an unreadable file is reported like a malformed one. */
export function readTraceFile(file: string): Parsed<number[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  const parsed = parseTraceText(text);
  return parsed.ok ? parsed : { ok: false, message: `${file}: ${parsed.message}` };
}
