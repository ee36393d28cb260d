/**
 * Units in scenario files: durations (`500ms`, `10s`, `2m`, `1h`, `1m30s`, or a number of seconds) and rates
 * (`150`, `150rps`, or `2x`, a multiple of the scenario's peak_rps). Parsers return a value or a message, never
 * throw, so the caller can record the message as a problem at the field's path.
 */

/** Parsed is a parsed value, or the reason it could not be parsed. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** DURATION_PATTERN is the regular expression (ECMAScript, anchored) a duration string must match. */
export const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?|(?=\\d)(\\d+(\\.\\d+)?h)?(\\d+(\\.\\d+)?m)?(\\d+(\\.\\d+)?s)?(\\d+(\\.\\d+)?ms)?)\\s*$';

/** RATE_PATTERN is the regular expression (ECMAScript, anchored) a rate string must match. */
export const RATE_PATTERN = '^\\s*(\\d+(\\.\\d+)?|\\.\\d+)\\s*(rps|x)?\\s*$';

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
const UNIT_ORDER = ['h', 'm', 's', 'ms'];
const DURATION_HINT = 'must be a duration like 500ms, 10s, 2m, 1h, 1m30s or a number of seconds';

/** parseDuration reads a duration in seconds; the sign is not checked here (callers say what range they need). */
export function parseDuration(v: unknown): Parsed<number> {
  if (typeof v === 'number') return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, message: `${DURATION_HINT}, got ${v}` };
  if (typeof v !== 'string') return { ok: false, message: `${DURATION_HINT}, got ${JSON.stringify(v)}` };
  const text = v.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return { ok: true, value: Number(text) };
  // Parts must come largest unit first, each unit at most once: `1h30m`, not `30m1h`.
  const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let seconds = 0;
  let lastUnit = -1;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    const unit = m ? UNIT_ORDER.indexOf(m[2]!) : -1;
    if (!m || unit <= lastUnit) return { ok: false, message: `${DURATION_HINT}, got ${JSON.stringify(v)}` };
    seconds += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
    lastUnit = unit;
    at = part.lastIndex;
  }
  if (text === '') return { ok: false, message: `${DURATION_HINT}, got ""` };
  return { ok: true, value: seconds };
}

/** RateValue is a parsed rate: requests/second, and whether it was written as a multiple of peak_rps. */
export interface RateValue {
  rps: number;
  multiple?: number;
}

/** parseRate reads a rate in requests/second; `Nx` needs peakRps (the sign is checked by callers). */
export function parseRate(v: unknown, peakRps: number | undefined): Parsed<RateValue> {
  const hint = 'must be a rate like 150, 150rps or 2x (a multiple of peak_rps)';
  if (typeof v === 'number') return Number.isFinite(v) ? { ok: true, value: { rps: v } } : { ok: false, message: `${hint}, got ${v}` };
  const m = typeof v === 'string' ? new RegExp(RATE_PATTERN).exec(v) : null;
  if (!m) return { ok: false, message: `${hint}, got ${JSON.stringify(v)}` };
  const n = Number(m[1]);
  if (m[3] !== 'x') return { ok: true, value: { rps: n } };
  if (peakRps === undefined) return { ok: false, message: `${JSON.stringify(v)} is a multiple of peak_rps, but peak_rps is not set` };
  return { ok: true, value: { rps: n * peakRps, multiple: n } };
}

/** formatDuration renders seconds compactly: `500ms`, `10s`, `1m30s`, `1h`. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  if (seconds < 1) return `${round(seconds * 1000, 3)}ms`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds - h * 3600) / 60);
  const s = round(seconds - h * 3600 - m * 60, 3);
  const out = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
  return out || '0s';
}

/** formatRps renders a rate with at most three decimals, and as a multiple of peakRps when that is given. */
export function formatRps(rps: number, peakRps?: number): string {
  const base = `${round(rps, 3)} rps`;
  return peakRps ? `${base} (${round(rps / peakRps, 3)}x)` : base;
}

/** round rounds to a number of decimals, dropping trailing zeros. */
export function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}
