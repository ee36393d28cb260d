/**
 * A phase's output tokens/s over its own window, and the backlog that drained after it. Tokens go to the second
 * their response completed in (the per-second rows), so at a rate the target cannot keep up with, the streams
 * still open at the phase's end complete in the seconds after it: dividing all the phase's tokens by its span
 * would credit it with work done after it ended. The phase's rate counts instead the tokens of every response
 * that completed within its window, whichever phase sent it (what the target delivered while the phase ran: a
 * warm-up's tail counts for the phase it completed in, as the phase's own backlog counts for the next), and the
 * phase's own tokens completed after its end are reported apart. Each token is then counted in exactly one window
 * or in the last phase's drain. Shared by the writer (src/run/evaluate.ts) and the reader that upgrades older
 * files (read-results.ts).
 */

/** TokenSecond is one second's output tokens of one phase's responses (IntervalTokens.outputTokens). */
export interface TokenSecond {
  t: number;
  outputTokens: number;
}

/** TokenWindow is how a phase's output tokens split at its window (PhaseTokens' fields of the same names). */
export interface TokenWindow {
  /** Output tokens of every response completed within the phase's window, whichever phase sent it. */
  outputTokensInWindow: number;
  /** Output tokens of the phase's own responses completed after its end: the backlog drained. */
  outputTokensAfterPhase: number;
  /** From the phase's end to the end of the last second with its output tokens (0: nothing drained). */
  drainS: number;
}

/** overlap is the part of the second [t, t+1) within [startS, endS). */
function overlap(t: number, startS: number, endS: number): number {
  return Math.max(0, Math.min(t + 1, endS) - Math.max(t, startS));
}

/**
 * tokenWindow splits output tokens at a phase's window [startS, endS): `all` are every phase's seconds, `own`
 * the phase's. A second that straddles an edge counts in proportion to the part of it inside.
 */
export function tokenWindow(all: Iterable<TokenSecond>, own: Iterable<TokenSecond>, startS: number, endS: number): TokenWindow {
  let inWindow = 0;
  for (const s of all) inWindow += s.outputTokens * overlap(s.t, startS, endS);
  let after = 0;
  let last = endS;
  for (const s of own) {
    if (s.outputTokens <= 0) continue;
    const outside = overlap(s.t, endS, Infinity);
    after += s.outputTokens * outside;
    if (outside > 0) last = Math.max(last, s.t + 1);
  }
  return { outputTokensInWindow: Math.round(inWindow), outputTokensAfterPhase: Math.round(after), drainS: Math.round((last - endS) * 1000) / 1000 };
}
