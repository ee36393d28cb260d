/**
 * The token side of a load worker's (second, phase) cell: what successful LLM responses (Outcome.tokens) said,
 * reduced as each outcome arrives. Per request it keeps one value per figure (TTFT, TPOT, token counts, output
 * tokens/s), as the latency cell does. Goodput is judged here, per request, against the phase's per-request
 * thresholds (ttft_ms, itl_ms, tpot_ms, e2e_ms), because nothing per request leaves the worker.
 *
 * Subtleness ahead: inter-token gaps are NOT recorded into a histogram here. Recording costs about 0.3 µs a value,
 * and at 100 responses of 500 tokens a second that is 15 ms a second of the sending thread (its punctuality is what
 * the run's validity is judged on); appending to a flat list costs next to nothing. The list lives only until the
 * worker's next flush (every 250 ms, load-worker.ts), and the main thread records each gap straight into the
 * phase's and the second's ITL histograms (token-aggregate.ts): memory is bounded by one flush of gaps, never by the
 * run's length, and nothing per token is kept after that.
 *
 * Definitions (docs/results.md "Token metrics"): TTFT = first token − intended send time (coordinated omission
 * counted, like latency); ITL = every gap between content chunks; TPOT = (last − first token) ÷ (output tokens − 1),
 * for two or more output tokens; output tokens/s of a request = output tokens ÷ (completion − intended send time).
 */
import { addByKey } from '../util/add-counts.js';
import type { SloSpec } from '../scenario/plan.js';
import type { Outcome } from '../targets/client.js';

/** RATE_SCALE: per-request output tokens/s are recorded in thousandths (the histograms hold integers). */
export const RATE_SCALE = 1000;

/** GoodputCriteria are the per-request thresholds of a phase (ms); a request is good when it meets every one set. */
export interface GoodputCriteria {
  ttftMs?: number;
  /** Against the request's largest gap. */
  itlMs?: number;
  tpotMs?: number;
  e2eMs?: number;
}

/** goodputCriteria picks a phase's per-request thresholds out of its SLO (none set: every successful request is good). */
export function goodputCriteria(slo: SloSpec | null | undefined): GoodputCriteria {
  const out: GoodputCriteria = {};
  if (slo?.ttftMs !== undefined) out.ttftMs = slo.ttftMs;
  if (slo?.itlMs !== undefined) out.itlMs = slo.itlMs;
  if (slo?.tpotMs !== undefined) out.tpotMs = slo.tpotMs;
  if (slo?.e2eMs !== undefined) out.e2eMs = slo.e2eMs;
  return out;
}

/** TokenTotals are the counts a token cell, phase or run adds up. */
export interface TokenTotals {
  /** Successful responses that carried token timing. */
  requests: number;
  /** Those that met every per-request threshold. */
  good: number;
  inputTokens: number;
  outputTokens: number;
  /** Requests by counting method (TokenTiming.countedBy: `usage` or a tokenizer's name). */
  countedBy: Record<string, number>;
  /** Requests whose server sent its own usage (recorded beside the count, whichever method counted). */
  serverUsage: number;
  /** Requests by finish_reason (`stop`, `length`, …; `none` when the stream sent none). */
  finishReasons: Record<string, number>;
}

/** TokenSnapshot is a cell's token data on its way to the main thread (values in µs; counts; rates in thousandths). */
export interface TokenSnapshot extends TokenTotals {
  ttft: Float64Array;
  tpot: Float64Array;
  inputPerRequest: Float64Array;
  outputPerRequest: Float64Array;
  outputRate: Float64Array;
  /** Every inter-token gap of the cell's responses since the last flush (µs), for the main thread's ITL histograms. */
  gaps: Float64Array;
}

/** TokenCell accumulates one (second, phase) cell's token data in a worker. */
export class TokenCell {
  readonly totals: TokenTotals = emptyTokenTotals();
  private readonly ttft: number[] = [];
  private readonly tpot: number[] = [];
  private readonly input: number[] = [];
  private readonly output: number[] = [];
  private readonly rate: number[] = [];
  private readonly gaps: number[] = [];

  /** add records one successful outcome with tokens, intended at intendedUs, and judges its goodput. */
  add(intendedUs: number, o: Outcome & { tokens: NonNullable<Outcome['tokens']> }, criteria: GoodputCriteria): void {
    const t = o.tokens;
    const c = this.totals;
    c.requests++;
    const out = Math.max(0, t.outputTokens);
    c.outputTokens += out;
    this.output.push(out);
    if (t.inputTokens !== undefined) {
      c.inputTokens += Math.max(0, t.inputTokens);
      this.input.push(Math.max(0, t.inputTokens));
    }
    c.countedBy[t.countedBy] = (c.countedBy[t.countedBy] ?? 0) + 1;
    if (t.usage) c.serverUsage++;
    const reason = t.finishReason ?? 'none';
    c.finishReasons[reason] = (c.finishReasons[reason] ?? 0) + 1;
    const ttft = t.firstTokenUs !== undefined ? Math.round(t.firstTokenUs - intendedUs) : undefined;
    if (ttft !== undefined) this.ttft.push(ttft);
    const tpot = t.firstTokenUs !== undefined && t.lastTokenUs !== undefined && out >= 2 ? Math.round((t.lastTokenUs - t.firstTokenUs) / (out - 1)) : undefined;
    if (tpot !== undefined) this.tpot.push(tpot);
    const e2e = o.doneUs - intendedUs;
    if (e2e > 0) this.rate.push(Math.round((out / (e2e / 1e6)) * RATE_SCALE));
    let maxGap = 0;
    for (const g of t.gapsUs) {
      this.gaps.push(g);
      if (g > maxGap) maxGap = g;
    }
    if (isGood(criteria, ttft, maxGap, tpot, e2e)) c.good++;
  }

  /** snapshot hands the cell's data over (the cell is not used after). */
  snapshot(): TokenSnapshot {
    return {
      ...this.totals,
      ttft: Float64Array.from(this.ttft),
      tpot: Float64Array.from(this.tpot),
      inputPerRequest: Float64Array.from(this.input),
      outputPerRequest: Float64Array.from(this.output),
      outputRate: Float64Array.from(this.rate),
      gaps: Float64Array.from(this.gaps),
    };
  }
}

/**
 * isGood judges one request against the criteria (µs values; ms thresholds). A request without a first token
 * fails a TTFT threshold; one with fewer than two output tokens has no TPOT, and no TPOT threshold to fail.
 */
export function isGood(c: GoodputCriteria, ttftUs: number | undefined, maxGapUs: number, tpotUs: number | undefined, e2eUs: number): boolean {
  if (c.ttftMs !== undefined && (ttftUs === undefined || ttftUs > c.ttftMs * 1000)) return false;
  if (c.itlMs !== undefined && maxGapUs > c.itlMs * 1000) return false;
  if (c.tpotMs !== undefined && tpotUs !== undefined && tpotUs > c.tpotMs * 1000) return false;
  return !(c.e2eMs !== undefined && e2eUs > c.e2eMs * 1000);
}

/** emptyTokenTotals is a zero TokenTotals. */
export function emptyTokenTotals(): TokenTotals {
  return { requests: 0, good: 0, inputTokens: 0, outputTokens: 0, countedBy: {}, serverUsage: 0, finishReasons: {} };
}

/** addTokenTotals adds b into a. */
export function addTokenTotals(a: TokenTotals, b: TokenTotals): void {
  a.requests += b.requests;
  a.good += b.good;
  a.inputTokens += b.inputTokens;
  a.outputTokens += b.outputTokens;
  a.serverUsage += b.serverUsage;
  addByKey(a.countedBy, b.countedBy);
  addByKey(a.finishReasons, b.finishReasons);
}
