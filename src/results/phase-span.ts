/**
 * How much of a phase ran, and its rates over that time. A phase runs from its planned start to its planned end
 * or to the run's stop, whichever comes first; the stop is the moment the run was told to stop (SIGINT, SIGTERM),
 * not the last reply, so replies that arrive during the grace period count for the time the requests were sent
 * in. Shared by the writer (src/run/evaluate.ts) and the reader that upgrades version 1 files.
 */
import type { PhaseState } from './results-schema.js';

/** PhaseSpan is how long a phase ran and how much of it. */
export interface PhaseSpan {
  state: PhaseState;
  elapsedS: number;
}

/**
 * phaseSpan: `measuredS` is the run's stop (undefined: the run went to its end); `attempted` counts the phase's
 * requests scheduled, sent or dropped. A phase cut short before any request was due has not run.
 */
export function phaseSpan(phase: { startS: number; durationS: number }, measuredS: number | undefined, attempted: number): PhaseSpan {
  if (measuredS === undefined || measuredS >= phase.startS + phase.durationS) return { state: 'complete', elapsedS: phase.durationS };
  const elapsedS = Math.max(0, measuredS - phase.startS);
  if (elapsedS === 0 || attempted === 0) return { state: 'not-run', elapsedS };
  return { state: 'partial', elapsedS };
}

/** perSecond divides a count by the seconds a phase ran (0 when it did not run). */
export function perSecond(count: number, elapsedS: number): number {
  return elapsedS > 0 ? count / elapsedS : 0;
}
