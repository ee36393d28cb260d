/**
 * Trace files for replay phases: one send time per line, either seconds from the trace's start (`0.25`) or ISO
 * 8601 timestamps (`2024-05-01T12:00:00.250Z`, taken relative to the earliest one). Only the first field of a CSV
 * line counts, so a log export with more columns works; a first line that is not a time is a header; blank lines
 * and `#` comments are skipped. Times need not be in order: they are sorted.
 */
import { FILE_LIMITS } from './limits.js';
import type { Parsed } from './units.js';
import { readTextFile } from './yaml-file.js';

const SECONDS = /^\d+(\.\d+)?([eE][-+]?\d+)?$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** parseTraceText reads trace text into send offsets in seconds, ascending (at most maxSends of them). */
export function parseTraceText(text: string, maxSends: number = FILE_LIMITS.traceSends): Parsed<number[]> {
  const times: number[] = [];
  let kind: 'seconds' | 'timestamps' | undefined;
  let seenLine = false;
  // Line by line without splitting the whole text: a trace may have millions of lines.
  for (let i = 0, start = 0; start <= text.length; i++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(start, end);
    start = end + 1;
    const cut = line.search(/[#,\t;]/);
    const field = (cut < 0 ? line : line.slice(0, cut)).trim().replace(/^"(.*)"$/, '$1');
    if (field === '') continue;
    const firstLine = !seenLine;
    seenLine = true;
    const seconds = SECONDS.test(field) ? Number(field) : undefined;
    const stamp = seconds === undefined ? timestampSeconds(field) : undefined;
    if (seconds === undefined && stamp === undefined) {
      if (firstLine) continue; // a header
      return { ok: false, message: `line ${i + 1}: ${JSON.stringify(field.length > 40 ? `${field.slice(0, 40)}…` : field)} is neither seconds nor an ISO timestamp` };
    }
    const lineKind = seconds !== undefined ? 'seconds' : 'timestamps';
    if (kind !== undefined && kind !== lineKind) return { ok: false, message: `line ${i + 1}: mixes seconds and timestamps` };
    if (seconds !== undefined && !Number.isFinite(seconds)) return { ok: false, message: `line ${i + 1}: ${JSON.stringify(field.slice(0, 40))} is too large a number of seconds` };
    if (times.length >= maxSends) return { ok: false, message: `has more than ${maxSends} send times; at most ${maxSends} (see "Limits" in docs/scenarios.md)` };
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

/** readTraceFile reads a trace file (at most FILE_LIMITS.traceBytes); a file that cannot be used is reported like a malformed one. */
export function readTraceFile(file: string): Parsed<number[]> {
  const read = readTextFile(file, FILE_LIMITS.traceBytes);
  const parsed = read.ok ? parseTraceText(read.text) : read;
  return parsed.ok ? parsed : { ok: false, message: `${file}: ${parsed.message}` };
}
