/**
 * A fault's effect on an LLM target's token streams (FaultDrill.tokens, docs/drills.md): TTFT p99 per second
 * against its pre-fault baseline (the median of the `before` seconds), the streams cut (STREAM_ABORTED) and the
 * output tokens the window fell short of the pre-fault rate, output tokens/s before, during and after, and when
 * TTFT was back within TTFT_RECOVERY_FACTOR times its baseline. Read from the per-second rows alone.
 */
import type { DrillTokens } from '../results/results-schema.js';
import { recoveryIn, type RecoverySpan } from './drill-recovery.js';
import { maxOf, round3, type Second } from './drill-seconds.js';

/** TTFT_RECOVERY_FACTOR: TTFT has recovered when every window's worst per-second TTFT p99 is within this many times its pre-fault baseline. */
export const TTFT_RECOVERY_FACTOR = 2;

/** DrillSeconds are the seconds a fault's analysis compares: its window's, and those before and after it. */
export interface DrillSeconds {
  all: Map<number, Second>;
  window: Second[];
  before: Second[];
  after: Second[];
  /** The mean per second of a figure over seconds (the run's last second counted for the part that ran). */
  rate: (secs: Second[], v: (s: Second) => number) => number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const ms = (us: number | null): number | null => (us === null ? null : round3(us / 1000));
const ttftOf = (secs: Second[]): number[] => secs.flatMap((s) => (s.ttftP99Us === undefined ? [] : [s.ttftP99Us]));

/**
 * drillTokens is a fault's token figures, or undefined when no second of the run carried token data (not an LLM
 * target). `failedByCode` are the window's failures; `recovery` is where request-level recovery was searched.
 */
export function drillTokens(d: DrillSeconds, failedByCode: Record<string, number>, recovery: RecoverySpan): DrillTokens | undefined {
  if (![...d.all.values()].some((s) => s.outputTokens !== undefined)) return undefined;
  const tokens = (s: Second): number => s.outputTokens ?? 0;
  const rates = { before: d.rate(d.before, tokens), during: d.rate(d.window, tokens), after: d.rate(d.after, tokens) };
  const baseUs = median(ttftOf(d.before));
  const worst = ttftOf(d.window);
  // What the window delivered against what the pre-fault rate would have delivered over the same seconds.
  const each = d.rate(d.window, () => 1);
  const covered = each ? d.window.length / each : 0;
  const delivered = d.window.reduce((n, s) => n + tokens(s), 0);
  const lost = rates.before === null || covered === 0 ? null : Math.max(0, Math.round(rates.before * covered - delivered));
  // TTFT's seconds as recovery reads them: its p99 in place of latency's, with the errors of the second.
  const ttftSeconds = new Map([...d.all].map(([t, s]) => [t, { ...s, p99Us: s.ttftP99Us ?? 0 }]));
  const limitMs = baseUs === null ? undefined : round3((TTFT_RECOVERY_FACTOR * baseUs) / 1000);
  return {
    ttftP99Ms: { before: ms(baseUs), worst: worst.length ? ms(maxOf(worst, 0)) : null, after: ms(median(ttftOf(d.after))) },
    outputTokensPerS: rates,
    streamsCut: failedByCode['STREAM_ABORTED'] ?? 0,
    tokensLost: lost,
    ttftRecovery: recoveryIn(ttftSeconds, { ...recovery, limitMs, figure: 'TTFT p99' }),
  };
}
