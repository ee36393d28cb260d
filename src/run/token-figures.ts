/**
 * A phase's and a second's token figures for results.json (PhaseTokens, IntervalTokens), and the phase-level
 * token SLO checks (ttft_p99_ms, itl_p99_ms, tpot_p99_ms, min_output_tokens_per_s, min_goodput).
 */
import { goodputCriteria } from '../load/token-recorder.js';
import { summarize } from '../metrics/hdr.js';
import { encodeTokenHists, rateSummary, type TokenHists, type TokenRowSummary } from '../metrics/token-aggregate.js';
import type { IntervalTokens, PhaseResult, PhaseTokens, SloCheck } from '../results/results-schema.js';
import type { SloSpec } from '../scenario/plan.js';
import type { TokenWindow } from '../results/phase-drain.js';
import { perSecond } from '../results/phase-span.js';

/** USAGE_METHOD is TokenTiming.countedBy when the server's usage gave the counts. */
export const USAGE_METHOD = 'usage';

/**
 * phaseTokens builds a phase's token block; `attempted` is sent + dropped (goodput's denominator), `window` how
 * its output tokens split at its window (phase-drain.ts; default: all within it): its output tokens/s counts the
 * tokens that arrived within the window, not the backlog drained after it.
 */
export function phaseTokens(t: TokenHists, slo: SloSpec | null, elapsedS: number, attempted: number, withHistograms: boolean, window?: TokenWindow): PhaseTokens {
  const c = t.totals;
  const w = window ?? { outputTokensInWindow: c.outputTokens, outputTokensAfterPhase: 0, drainS: 0 };
  const methods = Object.keys(c.countedBy);
  const usage = c.countedBy[USAGE_METHOD] ?? 0;
  const empty = { ttft: '', itl: '', tpot: '', input: '', output: '', rate: '' };
  return {
    requests: c.requests,
    ttftUs: summarize(t.h.ttft),
    itlUs: summarize(t.h.itl),
    tpotUs: summarize(t.h.tpot),
    inputTokens: summarize(t.h.input),
    outputTokens: summarize(t.h.output),
    outputTokensPerSPerRequest: rateSummary(t.h.rate),
    inputTokensTotal: c.inputTokens,
    outputTokensTotal: c.outputTokens,
    outputTokensPerS: perSecond(w.outputTokensInWindow, elapsedS),
    ...w,
    requestsPerS: perSecond(c.requests, elapsedS),
    goodput: { good: c.good, fraction: attempted > 0 ? c.good / attempted : 0, rps: perSecond(c.good, elapsedS), criteria: goodputCriteria(slo) },
    countedBy: methods.length === 1 ? methods[0]! : methods.length === 0 ? 'none' : 'mixed',
    counting: { byMethod: { ...c.countedBy }, usage, tokenizer: c.requests - usage, serverUsage: c.serverUsage },
    finishReasons: { ...c.finishReasons },
    histograms: withHistograms ? encodeTokenHists(t) : empty,
  };
}

/** intervalTokens is a second's token block. */
export function intervalTokens(r: TokenRowSummary): IntervalTokens {
  return {
    requests: r.requests,
    good: r.good,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    ttftUs: { p50: r.ttftUs.p50, p99: r.ttftUs.p99, max: r.ttftUs.max },
    itlUs: { p50: r.itlUs.p50, p99: r.itlUs.p99, max: r.itlUs.max },
    tpotUs: { p50: r.tpotUs.p50, p99: r.tpotUs.p99 },
  };
}

/**
 * tokenSloChecks lists a phase's token checks through `push` (evaluate.ts checkSlos). A phase without token data
 * fails each one set (actual null: nothing to meet it with), as a latency threshold fails with no success.
 */
export function tokenSloChecks(slo: SloSpec, r: PhaseResult, push: (metric: string, threshold: number, unit: SloCheck['unit'], actual: number, pass: boolean) => void): void {
  const t = r.tokens;
  const ms = (threshold: number | undefined, metric: string, s: { count: number; p99: number } | undefined): void => {
    if (threshold === undefined) return;
    const actual = !s || s.count === 0 ? Infinity : s.p99 / 1000;
    push(metric, threshold, 'ms', actual, actual <= threshold);
  };
  ms(slo.ttftP99Ms, 'ttft_p99', t?.ttftUs);
  ms(slo.itlP99Ms, 'itl_p99', t?.itlUs);
  ms(slo.tpotP99Ms, 'tpot_p99', t?.tpotUs);
  if (slo.minOutputTokensPerS !== undefined) {
    const actual = t?.outputTokensPerS ?? 0;
    push('output_tokens_per_s', slo.minOutputTokensPerS, 'tokens/s', actual, t !== undefined && actual >= slo.minOutputTokensPerS);
  }
  if (slo.minGoodput !== undefined) {
    const actual = t?.goodput.fraction ?? 0;
    push('goodput', slo.minGoodput, 'ratio', actual, t !== undefined && actual >= slo.minGoodput);
  }
}

/** AT_LEAST_METRICS are the SLO check metrics whose threshold is a minimum (the rest are maximums). */
export const AT_LEAST_METRICS: readonly string[] = ['throughput', 'output_tokens_per_s', 'goodput'];
