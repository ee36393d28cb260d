/**
 * The live view of a run for progress displays, built once a second from the aggregate's finished rows: the
 * current phase so far (its rates over the seconds of it that have finished, its p50 and p99 over every reply so
 * far) and the last finished second. It reads the aggregate only; displays only listen (src/cli/progress.ts).
 */
import { summarize } from '../metrics/hdr.js';
import { addCounts, errorCount, type Counts, type RunAggregate } from '../metrics/run-aggregate.js';
import type { Plan } from '../scenario/plan.js';

/** Figures are rates and latencies over some span of a run. */
export interface Figures {
  offeredRps: number;
  sentRps: number;
  okRps: number;
  /** Failed requests (DROPPED included) in the span. */
  errors: number;
  /** errors ÷ (sent + dropped) in the span. */
  errorShare: number;
  p50Us: number;
  p99Us: number;
  /** LLM targets: TTFT p99 (µs) and output tokens per second over the span; absent without token data. */
  ttftP99Us?: number;
  outputTokensPerS?: number;
}

/** SecondStatus is the live view of the newest finished second, for progress displays. */
export interface SecondStatus {
  /** Seconds of the run finished, and the run's planned length. */
  elapsedS: number;
  totalS: number;
  /** The phase that sent most in the newest second. */
  phase: string;
  /** How much of that phase has finished, and its planned length. */
  phaseElapsedS: number;
  phaseDurationS: number;
  /** The phase so far: rates per second of phaseElapsedS; p50 and p99 over every reply of the phase so far. */
  phaseSoFar: Figures;
  /** The newest finished second alone (every phase in it). */
  lastSecond: Figures;
}

/** SecondStatusBuilder turns the aggregate's rows into statuses; it reads each row once, so a long run costs the same per second. */
export class SecondStatusBuilder {
  private read = 0;
  private readonly counts: Counts[];
  /** Output tokens of each phase's finished seconds. */
  private readonly outputTokens: number[];

  constructor(
    private readonly plan: Plan,
    private readonly agg: RunAggregate,
  ) {
    this.counts = plan.phases.map(() => ({ scheduled: 0, sent: 0, dropped: 0, late: 0, ok: 0, errors: {} }));
    this.outputTokens = plan.phases.map(() => 0);
  }

  /** next is the status of the newest finished second (undefined before the first). */
  next(): SecondStatus | undefined {
    const rows = this.agg.rows;
    for (; this.read < rows.length; this.read++) {
      const row = rows[this.read]!;
      addCounts(this.counts[row.phase]!, row);
      if (row.tokens) this.outputTokens[row.phase]! += row.tokens.outputTokens;
    }
    const newest = rows[rows.length - 1];
    if (!newest) return undefined;
    const last: Counts = { scheduled: 0, sent: 0, dropped: 0, late: 0, ok: 0, errors: {} };
    let main = newest;
    let lastTokens: number | undefined;
    for (let i = rows.length - 1; i >= 0 && rows[i]!.second === newest.second; i--) {
      addCounts(last, rows[i]!);
      if (rows[i]!.tokens) lastTokens = (lastTokens ?? 0) + rows[i]!.tokens!.outputTokens;
      if (Math.max(rows[i]!.scheduled, rows[i]!.sent) > Math.max(main.scheduled, main.sent)) main = rows[i]!;
    }
    const p = this.plan.phases[main.phase]!;
    const phaseElapsedS = Math.min(p.durationS, Math.max(0, newest.second + 1 - p.startS));
    const hist = summarize(this.agg.phaseHists[main.phase]!.latency);
    const closed = p.load.kind === 'closed';
    const phaseSoFar = figures(this.counts[main.phase]!, phaseElapsedS, hist.p50, hist.p99, closed);
    const lastSecond = figures(last, 1, main.latencyUs.p50, main.latencyUs.p99, closed);
    const tokens = this.agg.phaseTokens[main.phase];
    if (tokens) {
      phaseSoFar.ttftP99Us = summarize(tokens.h.ttft).p99;
      phaseSoFar.outputTokensPerS = phaseElapsedS > 0 ? this.outputTokens[main.phase]! / phaseElapsedS : 0;
    }
    if (main.tokens) lastSecond.ttftP99Us = main.tokens.ttftUs.p99;
    if (lastTokens !== undefined) lastSecond.outputTokensPerS = lastTokens;
    return { elapsedS: newest.second + 1, totalS: this.plan.durationS, phase: p.name, phaseElapsedS, phaseDurationS: p.durationS, phaseSoFar, lastSecond };
  }
}

/** figures are the counts per second of `seconds`; a closed-loop phase offers what it sent. */
function figures(c: Counts, seconds: number, p50Us: number, p99Us: number, closed: boolean): Figures {
  const per = (n: number): number => (seconds > 0 ? n / seconds : 0);
  const errors = errorCount(c);
  const attempted = c.sent + c.dropped;
  return { offeredRps: per(closed ? c.sent : c.scheduled), sentRps: per(c.sent), okRps: per(c.ok), errors, errorShare: attempted > 0 ? errors / attempted : 0, p50Us, p99Us };
}
