/**
 * Timestamps and durations as access logs write them, parsed into microseconds without regular expressions on the
 * hot path. Each timestamp parser caches the last text it saw: neighbouring lines share their second.
 */

/** MIN_EPOCH_US is the earliest usable timestamp (1990); an earlier one makes the line malformed. */
export const MIN_EPOCH_US = Date.UTC(1990, 0, 1) * 1000;
/** MAX_EPOCH_US is the latest usable timestamp (2200). */
export const MAX_EPOCH_US = Date.UTC(2200, 0, 1) * 1000;
/** MAX_LATENCY_US bounds a usable latency (one day); a longer one makes the line malformed. */
export const MAX_LATENCY_US = 86_400 * 1e6;
/** MAX_BYTES bounds a usable size (1 TiB). */
export const MAX_BYTES = 2 ** 40;

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** digits reads `n` decimal digits of `s` from `at`, or NaN where one is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/** utc is Date.UTC for a calendar time whose fields are each in range (month 1-12, second up to a leap 60), else NaN: Date.UTC would roll 31 Feb into March. */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (!(month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 60)) return NaN;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate() ? ms : NaN;
}

let lastLocal = '';
let lastLocalUs = NaN;
/** parseTimeLocal reads nginx's $time_local (`05/Dec/2026:20:01:02 +0100`) as µs since the epoch, or NaN. */
export function parseTimeLocal(s: string): number {
  if (s === lastLocal) return lastLocalUs;
  let us = NaN;
  const month = MONTHS[s.slice(3, 6)];
  if (s.length === 26 && month !== undefined && s[2] === '/' && s[6] === '/' && s[11] === ':' && s[20] === ' ') {
    const ms = utc(digits(s, 7, 4), month + 1, digits(s, 0, 2), digits(s, 12, 2), digits(s, 15, 2), digits(s, 18, 2));
    const sign = s[21] === '-' ? -1 : s[21] === '+' ? 1 : NaN;
    const offsetMin = sign * (digits(s, 22, 2) * 60 + digits(s, 24, 2));
    us = (ms - offsetMin * 60_000) * 1000;
  }
  lastLocal = s;
  lastLocalUs = us;
  return us;
}

/** IsoTime is an ISO 8601 timestamp read: µs since the epoch and the resolution its fraction gives. */
export interface IsoTime {
  us: number;
  resolutionUs: number;
}

let lastIsoHead = '';
let lastIsoHeadMs = NaN;
/**
 * parseIso reads `2026-12-05T20:01:02[.fraction][Z|±HH:MM|±HHMM]` (a space for the T is accepted) with µs kept from
 * the fraction, or undefined. A timestamp without a zone is taken as UTC.
 */
export function parseIso(s: string): IsoTime | undefined {
  if (s.length < 19 || s[4] !== '-' || s[7] !== '-' || (s[10] !== 'T' && s[10] !== ' ') || s[13] !== ':' || s[16] !== ':') return undefined;
  const head = s.slice(0, 19);
  let ms: number;
  if (head === lastIsoHead) ms = lastIsoHeadMs;
  else {
    ms = utc(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2), digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2));
    lastIsoHead = head;
    lastIsoHeadMs = ms;
  }
  if (Number.isNaN(ms)) return undefined;
  let i = 19;
  let fracUs = 0;
  let resolutionUs = 1e6;
  if (s[i] === '.' || s[i] === ',') {
    i++;
    let n = 0;
    let v = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (n < 6) v = v * 10 + c;
      n++;
      i++;
    }
    if (n === 0) return undefined;
    const kept = Math.min(n, 6);
    fracUs = v * 10 ** (6 - kept);
    resolutionUs = 10 ** (6 - kept);
  }
  let offsetMin = 0;
  const z = s[i];
  if (z === 'Z' || z === 'z') i++;
  else if (z === '+' || z === '-') {
    const hh = digits(s, i + 1, 2);
    const mm = s[i + 3] === ':' ? digits(s, i + 4, 2) : digits(s, i + 3, 2);
    offsetMin = (z === '-' ? -1 : 1) * (hh * 60 + mm);
    i += s[i + 3] === ':' ? 6 : 5;
    if (Number.isNaN(offsetMin)) return undefined;
  }
  if (i !== s.length) return undefined;
  return { us: (ms - offsetMin * 60_000) * 1000 + fracUs, resolutionUs };
}

/** TimeUnit is the unit of an epoch number or a duration. */
export type TimeUnit = 's' | 'ms' | 'us' | 'ns';
/** UNIT_US is how many µs one of each unit is. */
export const UNIT_US: Record<TimeUnit, number> = { s: 1e6, ms: 1000, us: 1, ns: 0.001 };

/** epochUnitOf guesses an epoch number's unit by magnitude: seconds below 1e11, ms below 1e14, µs below 1e17, else ns. */
export function epochUnitOf(v: number): TimeUnit {
  const a = Math.abs(v);
  return a < 1e11 ? 's' : a < 1e14 ? 'ms' : a < 1e17 ? 'us' : 'ns';
}

/** decimalsOf counts the decimals a number is written with (`1.250` written as text keeps its 3; a number loses trailing zeros). */
export function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  if (dot === -1) return 0;
  let end = text.length;
  while (end > dot + 1) {
    const c = text.charCodeAt(end - 1);
    if (c >= 48 && c <= 57) break;
    end--;
  }
  return end - dot - 1;
}

/** epochToTime turns an epoch number (text, to keep its decimals) in `unit` into µs and its resolution. */
export function epochToTime(text: string, unit: TimeUnit): IsoTime | undefined {
  const v = Number(text);
  if (text === '' || !Number.isFinite(v)) return undefined;
  const scale = UNIT_US[unit];
  const resolutionUs = Math.max(1, scale / 10 ** decimalsOf(text));
  return { us: Math.round(v * scale), resolutionUs };
}

/** DURATION_SUFFIXES maps the unit words a duration string may end with to its unit. */
const DURATION_SUFFIXES: [string, TimeUnit][] = [['ns', 'ns'], ['us', 'us'], ['µs', 'us'], ['μs', 'us'], ['ms', 'ms'], ['s', 's']];

/** parseDurationText reads a duration as text (`12.5ms`, `1.2s`, `800µs`), or a bare number in `defaultUnit`; undefined when it is neither. */
export function parseDurationText(text: string, defaultUnit: TimeUnit | undefined): number | undefined {
  const t = text.trim();
  for (const [suffix, unit] of DURATION_SUFFIXES) {
    if (t.endsWith(suffix)) {
      const v = Number(t.slice(0, -suffix.length));
      return t.length > suffix.length && Number.isFinite(v) ? Math.round(v * UNIT_US[unit]) : undefined;
    }
  }
  if (defaultUnit === undefined || t === '') return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? Math.round(v * UNIT_US[defaultUnit]) : undefined;
}
