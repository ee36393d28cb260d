/**
 * Trace files for replay phases. Two layouts:
 * - one send time per line, either seconds from the trace's start (`0.25`) or ISO 8601 timestamps
 *   (`2024-05-01T12:00:00.250Z`, taken relative to the earliest one). Only the first field of a CSV line counts,
 *   so a log export with more columns works; a first line that is not a time is a header and is skipped;
 * - CSV (`,`, tab or `;`) with a header naming its columns: a time column (`time_s`, `time` or `timestamp`:
 *   seconds or ISO timestamps, as above), and optionally `request_bytes` (the request's size) and `model` or
 *   `route` (where it goes). Other columns are ignored; a cell may be empty (that line then sends the scenario's
 *   request, or its size to its model). `gauntlet characterize` writes `time_s,request_bytes,model`.
 * A route that is a KServe infer path (`/v2/models/NAME[/versions/V]/infer`, `/v1/models/NAME:predict`) names
 * that model; any other route names no model (the line sends the scenario's request). A `model` cell starting
 * with `/` is read as a route. Fields may be quoted (`"a,b"`, `""` for a quote). Blank lines and `#`
 * comments are skipped. Times need not be in order: they are sorted (with their sizes and models).
 * The parse is one pass over the text with a few typed arrays: no object per line.
 */
import { LineCursor } from './line-cursor.js';
import { COUNT_LIMITS, FILE_LIMITS, TEXT_LIMITS, TOTAL_LIMITS } from './limits.js';
import type { Parsed } from './units.js';
import { readTextFile } from './yaml-file.js';

/** TraceModel is a model a trace line names (a route's version, when it has one). */
export interface TraceModel {
  model: string;
  version?: string;
}

/** RawTrace is a parsed trace file: send offsets (seconds, ascending) and, per line, a size and a model when given. */
export interface RawTrace {
  offsetsS: number[];
  /** How the times were written; with timestamps, `originS` is the earliest one (seconds since the epoch). */
  kind: 'seconds' | 'timestamps';
  originS: number;
  /** Per line, request_bytes, or NO_BYTES; absent when the trace has no such column. */
  bytes?: Uint32Array;
  /** Per line, an index into `models`, or NO_MODEL; absent when the trace has no model or route column. */
  modelOf?: Uint8Array;
  models: TraceModel[];
}

/** NO_BYTES marks a line without request_bytes. */
export const NO_BYTES = 0xffffffff;
/** NO_MODEL marks a line without a model. */
export const NO_MODEL = 0xff;
/** MAX_REQUEST_BYTES bounds request_bytes: no request is larger than the tensor data a run may build. */
export const MAX_REQUEST_BYTES = TOTAL_LIMITS.payloadBytes;

const SECONDS = /^\d+(\.\d+)?([eE][-+]?\d+)?$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;
const TIME_COLUMNS = ['time_s', 'time', 'timestamp'];
const KSERVE_V2 = /^\/v2\/models\/([^/?#]+)(?:\/versions\/([^/?#]+))?\/infer\/?$/;
const KSERVE_V1 = /^\/v1\/models\/([^/:?#]+)(?:\/versions\/([^/:?#]+))?:predict$/;

/** Columns are where a header put the fields of a line (-1: absent). */
interface Columns {
  sep: string;
  time: number;
  bytes: number;
  model: number;
  route: number;
}

/** parseTraceText reads trace text into send offsets (seconds, ascending; at most maxSends) with their sizes and models. */
export function parseTraceText(text: string, maxSends: number = FILE_LIMITS.traceSends): Parsed<RawTrace> {
  const times: number[] = [];
  let bytes: Uint32Array | undefined;
  let modelOf: Uint8Array | undefined;
  const models: TraceModel[] = [];
  const modelIndex = new Map<string, number>();
  let kind: 'seconds' | 'timestamps' | undefined;
  let columns: Columns | undefined;
  let seenLine = false;
  const fields: string[] = [];
  const bad = (line: number, message: string): Parsed<RawTrace> => ({ ok: false, message: `line ${line}: ${message}` });
  const lines = new LineCursor(text);
  for (let body = lines.next(); body !== undefined; body = lines.next()) {
    const i = lines.line - 1;
    const firstLine = !seenLine;
    seenLine = true;
    if (firstLine && (columns = headerColumns(body)) !== undefined) {
      if (columns.bytes >= 0) bytes = new Uint32Array(1024);
      if (columns.model >= 0 || columns.route >= 0) modelOf = new Uint8Array(1024);
      continue;
    }
    let field: string;
    if (columns) {
      splitInto(body, columns.sep, fields);
      field = fields[columns.time] ?? '';
    } else {
      const cut = body.search(/[,\t;]/);
      field = unquote((cut < 0 ? body : body.slice(0, cut)).trim());
    }
    const seconds = SECONDS.test(field) ? Number(field) : undefined;
    const stamp = seconds === undefined ? timestampSeconds(field) : undefined;
    if (seconds === undefined && stamp === undefined) {
      if (firstLine) continue; // a header of unknown columns: the first field is the time
      return bad(i + 1, `${JSON.stringify(cut40(field))} is neither seconds nor an ISO timestamp`);
    }
    const lineKind = seconds !== undefined ? 'seconds' : 'timestamps';
    if (kind !== undefined && kind !== lineKind) return bad(i + 1, 'mixes seconds and timestamps');
    if (seconds !== undefined && !Number.isFinite(seconds)) return bad(i + 1, `${JSON.stringify(cut40(field))} is too large a number of seconds`);
    if (times.length >= maxSends) return { ok: false, message: `has more than ${maxSends} send times; at most ${maxSends} (see "Limits" in docs/scenarios.md)` };
    kind = lineKind;
    const n = times.length;
    times.push((seconds ?? stamp)!);
    if (bytes) {
      const cell = fields[columns!.bytes] ?? '';
      let b = NO_BYTES;
      if (cell !== '') {
        b = /^\d{1,10}$/.test(cell) ? Number(cell) : NaN;
        if (!(b <= MAX_REQUEST_BYTES)) return bad(i + 1, `request_bytes ${JSON.stringify(cut40(cell))} must be an integer from 0 to ${MAX_REQUEST_BYTES}, or empty`);
      }
      if (n >= bytes.length) bytes = grow(bytes);
      bytes[n] = b;
    }
    if (modelOf) {
      const named = columns!.model >= 0 ? (fields[columns!.model] ?? '') : '';
      // A model cell that is a path is a route (characterize writes the log's route or model name there).
      const target = named !== '' && named[0] !== '/' ? { model: named } : routeModel(named !== '' ? named : columns!.route >= 0 ? (fields[columns!.route] ?? '') : '');
      let m = NO_MODEL;
      if (target !== undefined) {
        if (target.model.length > TEXT_LIMITS.name) return bad(i + 1, `model ${JSON.stringify(cut40(target.model))} is longer than ${TEXT_LIMITS.name} characters`);
        const key = target.version === undefined ? target.model : `${target.model}\u0000${target.version}`;
        let k = modelIndex.get(key);
        if (k === undefined) {
          if (models.length >= COUNT_LIMITS.models) return bad(i + 1, `names more than ${COUNT_LIMITS.models} models; at most ${COUNT_LIMITS.models} (see "Limits" in docs/scenarios.md)`);
          k = models.length;
          modelIndex.set(key, k);
          models.push(target);
        }
        m = k;
      }
      if (n >= modelOf.length) modelOf = grow(modelOf);
      modelOf[n] = m;
    }
  }
  if (times.length === 0) return { ok: false, message: 'has no send times' };
  const trace: RawTrace = { offsetsS: times, kind: kind!, originS: 0, models };
  if (bytes) trace.bytes = bytes.subarray(0, times.length);
  if (modelOf) trace.modelOf = modelOf.subarray(0, times.length);
  sortByTime(trace);
  if (kind === 'timestamps') {
    const first = times[0]!;
    trace.originS = first;
    for (let i = 0; i < times.length; i++) times[i] = times[i]! - first;
  }
  return { ok: true, value: trace };
}

/** headerColumns reads a header line that names a time column; undefined when the line is not one. */
function headerColumns(line: string): Columns | undefined {
  const sep = [',', '\t', ';'].find((s) => line.includes(s)) ?? ',';
  const names: string[] = [];
  splitInto(line, sep, names);
  const lower = names.map((n) => n.toLowerCase());
  const time = lower.findIndex((n) => TIME_COLUMNS.includes(n));
  if (time < 0) return undefined;
  return { sep, time, bytes: lower.indexOf('request_bytes'), model: lower.indexOf('model'), route: lower.indexOf('route') };
}

/**
 * splitInto splits a line at `sep` into `out` (reused: no array per line), trimming each field. A field in double
 * quotes may hold the separator, with `""` for a quote (CSV as RFC 4180 writes it, within one line).
 */
function splitInto(line: string, sep: string, out: string[]): void {
  out.length = 0;
  if (!line.includes('"')) {
    for (let from = 0; ; ) {
      const at = line.indexOf(sep, from);
      out.push(line.slice(from, at < 0 ? line.length : at).trim());
      if (at < 0) return;
      from = at + 1;
    }
  }
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (line[i + 1] === '"') (field += '"'), i++;
      else quoted = false;
    } else if (c === '"' && field.trim() === '') (field = ''), (quoted = true);
    else if (c === sep) out.push(field.trim()), (field = '');
    else field += c;
  }
  out.push(quoted ? field : field.trim());
}

function unquote(s: string): string {
  return s.length >= 2 && s.charCodeAt(0) === 34 && s.charCodeAt(s.length - 1) === 34 ? s.slice(1, -1) : s;
}

/** routeModel is the model a route names: a KServe v2 or v1 infer path's; undefined for any other route. */
export function routeModel(route: string): TraceModel | undefined {
  if (route === '') return undefined;
  const path = route.replace(/\?.*$/, '');
  const m = KSERVE_V2.exec(path) ?? KSERVE_V1.exec(path);
  if (!m) return undefined;
  const model = safeDecode(m[1]!);
  return m[2] !== undefined ? { model, version: safeDecode(m[2]) } : { model };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function grow<T extends Uint32Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

function cut40(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** sortByTime sorts the lines by time, keeping each line's size and model with it (a no-op when already in order). */
function sortByTime(t: RawTrace): void {
  const times = t.offsetsS;
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) if (times[i]! < times[i - 1]!) sorted = false;
  if (sorted) return;
  if (!t.bytes && !t.modelOf) {
    const f = Float64Array.from(times).sort();
    for (let i = 0; i < f.length; i++) times[i] = f[i]!;
    return;
  }
  const order = new Uint32Array(times.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => times[a]! - times[b]! || a - b);
  const oldTimes = times.slice();
  for (let i = 0; i < order.length; i++) times[i] = oldTimes[order[i]!]!;
  if (t.bytes) t.bytes = permute(t.bytes, order);
  if (t.modelOf) t.modelOf = permute(t.modelOf, order);
}

function permute<T extends Uint32Array | Uint8Array>(a: T, order: Uint32Array): T {
  const b = new (a.constructor as new (n: number) => T)(a.length);
  for (let i = 0; i < order.length; i++) b[i] = a[order[i]!]!;
  return b;
}

/** timestampSeconds converts an ISO timestamp to seconds since the epoch, keeping sub-millisecond digits. */
export function timestampSeconds(field: string): number | undefined {
  const m = TIMESTAMP.exec(field);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4] ?? ''}`);
  if (!Number.isFinite(ms)) return undefined;
  return ms / 1000 + (m[3] ? Number(`0${m[3]}`) : 0);
}

/** readTraceFile reads a trace file (at most FILE_LIMITS.traceBytes); a file that cannot be used is reported like a malformed one. */
export function readTraceFile(file: string): Parsed<RawTrace> {
  const read = readTextFile(file, FILE_LIMITS.traceBytes);
  const parsed = read.ok ? parseTraceText(read.text) : read;
  return parsed.ok ? parsed : { ok: false, message: `${file}: ${parsed.message}` };
}
