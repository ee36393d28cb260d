/**
 * The main thread's token histograms: per phase and per (second, phase), made by the one HDR factory (hdr.ts),
 * so they merge exactly across workers, shards and runs like the latency ones. Times in µs; token counts as
 * counts; per-request output tokens/s in thousandths (RATE_SCALE).
 */
import { addTokenTotals, emptyTokenTotals, RATE_SCALE, type TokenSnapshot, type TokenTotals } from '../load/token-recorder.js';
import { encodeHistogram, type Histogram, type LatencySummary, newHistogram, recordCount, recordUs, summarize } from './hdr.js';

/** TOKEN_HISTS names the token histograms, in the order the .hlog writes them (tag `<phase>:<name>`). */
export const TOKEN_HISTS = ['ttft', 'itl', 'tpot', 'input', 'output', 'rate'] as const;
/** TokenHistName is one of TOKEN_HISTS. */
export type TokenHistName = (typeof TOKEN_HISTS)[number];

/** TokenHists are a phase's or a second's token histograms and totals. */
export class TokenHists {
  readonly totals: TokenTotals = emptyTokenTotals();
  readonly h: Record<TokenHistName, Histogram> = { ttft: newHistogram(), itl: newHistogram(), tpot: newHistogram(), input: newHistogram(), output: newHistogram(), rate: newHistogram() };

  /** add records a worker cell's token data into every one of `into`. */
  static addInto(s: TokenSnapshot, ...into: TokenHists[]): void {
    for (const t of into) addTokenTotals(t.totals, s);
    for (const v of s.ttft) for (const t of into) recordUs(t.h.ttft, v);
    for (const v of s.tpot) for (const t of into) recordUs(t.h.tpot, v);
    for (const v of s.inputPerRequest) for (const t of into) recordCount(t.h.input, v);
    for (const v of s.outputPerRequest) for (const t of into) recordCount(t.h.output, v);
    for (const v of s.outputRate) for (const t of into) recordCount(t.h.rate, v);
    for (const v of s.gaps) for (const t of into) recordUs(t.h.itl, v);
  }

  /** merge adds another TokenHists (another run, a shard) into this one. */
  merge(o: TokenHists): void {
    addTokenTotals(this.totals, o.totals);
    for (const k of TOKEN_HISTS) this.h[k].add(o.h[k]);
  }
}

/** TokenRowSummary is the per-second token figures (IntervalRow.tokens). */
export interface TokenRowSummary {
  requests: number;
  good: number;
  inputTokens: number;
  outputTokens: number;
  ttftUs: LatencySummary;
  itlUs: LatencySummary;
  tpotUs: LatencySummary;
}

/** rowSummary is a second's token figures. */
export function rowSummary(t: TokenHists): TokenRowSummary {
  const c = t.totals;
  return { requests: c.requests, good: c.good, inputTokens: c.inputTokens, outputTokens: c.outputTokens, ttftUs: summarize(t.h.ttft), itlUs: summarize(t.h.itl), tpotUs: summarize(t.h.tpot) };
}

/** rateSummary reads the per-request output tokens/s histogram back into tokens/s. */
export function rateSummary(h: Histogram): LatencySummary {
  const s = summarize(h);
  const d = (v: number): number => v / RATE_SCALE;
  return { count: s.count, p50: d(s.p50), p90: d(s.p90), p95: d(s.p95), p99: d(s.p99), p999: d(s.p999), max: d(s.max), mean: d(s.mean) };
}

/** encodeTokenHists encodes every token histogram (compressed base64). */
export function encodeTokenHists(t: TokenHists): Record<TokenHistName, string> {
  return { ttft: encodeHistogram(t.h.ttft), itl: encodeHistogram(t.h.itl), tpot: encodeHistogram(t.h.tpot), input: encodeHistogram(t.h.input), output: encodeHistogram(t.h.output), rate: encodeHistogram(t.h.rate) };
}
