/**
 * The Characterizer's options, their defaults and their ranges; every problem is listed at once.
 */
import { GauntletError } from '../errors.js';
import type { LogRecord } from './log-record.js';

/** CharacterizeOptions tune the analysis; every field has a default (ANALYZE_DEFAULTS). */
export interface CharacterizeOptions {
  /** --window: the peak window in whole seconds; its peak is rates.peakRps (default 1, 1–3600). */
  windowS?: number;
  /** Burst threshold k: a second above k × the rolling median (default 2, 1.1–100). */
  burstK?: number;
  /** The trailing median's window in seconds (default 300, 10–86400). */
  burstMedianWindowS?: number;
  /** Runs shorter than this are not bursts (default 2 s, 1–3600). */
  burstMinDurationS?: number;
  /** SLO headroom: suggested thresholds are the observed × this (default 1.2, 1–10). */
  sloHeadroom?: number;
  /** Seed for spreading 1 s timestamps within their second (default 1). */
  seed?: number;
  /** Reorder slack: a second is final once a request this many seconds later was seen (default 10, 1–600). */
  slackS?: number;
  /** onOrdered gets every record once, in ascending arrival order (a late one out of order), with its arrival time in µs (spread when its stamp had 1 s resolution). */
  onOrdered?: (startUs: number, r: LogRecord) => void;
}

/** ANALYZE_DEFAULTS are the defaults of CharacterizeOptions. */
export const ANALYZE_DEFAULTS = { windowS: 1, burstK: 2, burstMedianWindowS: 300, burstMinDurationS: 2, sloHeadroom: 1.2, seed: 1, slackS: 10 } as const;

/** ResolvedOptions are CharacterizeOptions with their defaults filled in. */
export type ResolvedOptions = { -readonly [K in keyof typeof ANALYZE_DEFAULTS]: number } & Pick<CharacterizeOptions, 'onOrdered'>;

const RANGES: Record<keyof typeof ANALYZE_DEFAULTS, [number, number, boolean]> = {
  windowS: [1, 3600, true],
  burstK: [1.1, 100, false],
  burstMedianWindowS: [10, 86_400, true],
  burstMinDurationS: [1, 3600, true],
  sloHeadroom: [1, 10, false],
  seed: [0, Number.MAX_SAFE_INTEGER, true],
  slackS: [1, 600, true],
};

/** resolveOptions fills in the defaults and checks every range, throwing GAUNTLET_ERR_INVALID_ARGUMENT with all problems. */
export function resolveOptions(options: CharacterizeOptions): ResolvedOptions {
  const out = { ...ANALYZE_DEFAULTS } as ResolvedOptions;
  const problems: string[] = [];
  for (const key of Object.keys(RANGES) as (keyof typeof ANALYZE_DEFAULTS)[]) {
    const v = options[key];
    if (v === undefined) continue;
    const [lo, hi, integer] = RANGES[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) problems.push(`${key}: must be ${integer ? 'a whole number' : 'a number'} from ${lo} to ${hi}, got ${String(v)}`);
    else out[key] = v;
  }
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `invalid characterize options: ${problems.join('; ')}`, problems);
  if (options.onOrdered) out.onOrdered = options.onOrdered;
  return out;
}
