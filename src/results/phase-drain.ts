/**
 * How a phase's output tokens split between its window and the drain after it. Tokens go to the second their
 * response completed in (the per-second rows), so at a rate the target cannot keep up with, the backlog of
 * streams still open at the phase's end completes in the seconds after it: counting those in the phase's
 * tokens/s would credit the phase with work done after it ended. Shared by the writer (src/run/evaluate.ts,
 * token-figures.ts) and the reader that upgrades version 2 files (read-results.ts).
 */

/** TokenSecond is one second's output tokens of one phase (IntervalTokens.outputTokens), on the run's clock. */
export interface TokenSecond {
  t: number;
  outputTokens: number;
}

/** PhaseDrain is the part of a phase's output tokens that arrived after its window, and how long that took. */
export interface PhaseDrain {
  /** Output tokens of the phase's responses completed after the phase's end. */
  outputTokensAfterPhase: number;
  /** From the phase's end to the end of the last second with output tokens of it (0: nothing drained). */
  drainS: number;
}

/**
 * phaseDrain splits a phase's per-second output tokens at `endS` (its start plus the time it ran): a second that
 * straddles the end counts for the phase in proportion to the part of it before the end.
 */
export function phaseDrain(seconds: Iterable<TokenSecond>, endS: number): PhaseDrain {
  let after = 0;
  let last = -Infinity;
  for (const s of seconds) {
    if (s.outputTokens <= 0) continue;
    const outside = Math.min(1, Math.max(0, s.t + 1 - endS));
    after += s.outputTokens * outside;
    if (outside > 0 && s.t + 1 > last) last = s.t + 1;
  }
  return { outputTokensAfterPhase: Math.round(after), drainS: last > endS ? Math.round((last - endS) * 1000) / 1000 : 0 };
}
