/**
 * shardAggregate rebuilds, from shard files, the RunAggregate a single process sending all of their load would
 * have held, so that the run's own evaluation (src/run/evaluate.ts) computes the merged figures. Exact: per-phase
 * counts and histograms (latency, service time, time to first byte, send lag, tokens: HDR `add`), and per second
 * the counts and the latency and token histograms (from each shard's .hlog). Per second, service time and send
 * lag have no histograms in the files: their percentiles are the largest of the shards' (an upper bound on the
 * union's), their count the sum, their mean weighted, their max exact.
 */
import { addEncoded, encodeHistogram, type Histogram, type LatencySummary, newHistogram, summarize } from '../metrics/hdr.js';
import { addCounts, type Counts, type IntervalRow, RunAggregate } from '../metrics/run-aggregate.js';
import { rowSummary, TOKEN_HISTS, type TokenHistName, TokenHists } from '../metrics/token-aggregate.js';
import { phaseOfLine } from '../results/hlog-read.js';
import type { IntervalResult, PhaseResult, PhaseTokens } from '../results/results-schema.js';
import type { Plan } from '../scenario/plan.js';
import { addTokenTotals, RATE_SCALE } from '../load/token-recorder.js';
import type { ShardInput } from './read-shards.js';

/** MergedSecond is one merged (second, phase) row's histograms, kept to write the merged .hlog. */
export interface MergedSecond {
  second: number;
  phase: number;
  latency: Histogram;
  tokens?: TokenHists;
}

interface Cell {
  counts: Counts;
  latency: Histogram;
  service: LatencySummary[];
  lag: LatencySummary[];
  tokens?: TokenHists;
}

/**
 * shardAggregate merges the shards into one aggregate over `plan`'s phases, the rows' histograms for the .hlog, and
 * a reason per shard with histograms that could not be decoded (the merged run is then invalid).
 */
export function shardAggregate(plan: Plan, shards: readonly ShardInput[]): { agg: RunAggregate; seconds: MergedSecond[]; damaged: string[] } {
  const agg = new RunAggregate(plan.phases);
  const index = new Map(plan.phases.map((p, i) => [p.name, i]));
  const cells = new Map<string, Cell & { second: number; phase: number }>();
  const maxima = new Map<Histogram, number>();
  const cell = (second: number, phase: number): Cell => {
    const key = `${second}|${phase}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { second, phase, counts: { scheduled: 0, sent: 0, dropped: 0, late: 0, ok: 0, errors: {} }, latency: newHistogram(), service: [], lag: [] }));
    return c;
  };
  const damaged: string[] = [];
  for (const { results, lines } of shards) {
    let bad = 0;
    const decode: Decode = (into, encoded) => {
      try {
        addEncoded(into, encoded);
        return true;
      } catch {
        bad++;
        return false;
      }
    };
    results.phases.forEach((p) => {
      const i = index.get(p.name);
      if (i !== undefined) addPhase(agg, i, p, maxima, decode);
    });
    // Per second, the .hlog's lines; a second it lacks (a file written without one) takes the row's own histogram.
    const logged = new Set<string>();
    for (const line of lines) {
      const colon = line.tag.indexOf(':');
      const i = phaseOfLine(plan.phases, colon < 0 ? line : { tag: line.tag.slice(0, colon), second: line.second });
      if (i < 0) continue;
      const c = cell(line.second, i);
      if (colon < 0) {
        if (decode(c.latency, line.encoded)) logged.add(`${line.second}|${i}`);
      } else {
        const name = line.tag.slice(colon + 1) as TokenHistName;
        if (TOKEN_HISTS.includes(name)) decode((c.tokens ??= new TokenHists()).h[name], line.encoded);
      }
    }
    for (const row of results.intervals) {
      const i = index.get(row.phase);
      if (i === undefined) continue;
      const c = cell(row.t, i);
      addCounts(c.counts, intervalCounts(row));
      if (!logged.has(`${row.t}|${i}`) && row.histogram) decode(c.latency, row.histogram);
      if (row.latencyUs.count > 0) keepMax(maxima, c.latency, row.latencyUs.max);
      c.service.push(row.serviceTimeUs);
      c.lag.push({ count: row.sentRps, p50: 0, p90: 0, p95: 0, p99: row.sendLagP99Us, p999: 0, max: 0, mean: 0 });
      if (row.tokens) {
        const t = (c.tokens ??= new TokenHists());
        t.totals.requests += row.tokens.requests;
        t.totals.good += row.tokens.good;
        t.totals.inputTokens += row.tokens.inputTokens;
        t.totals.outputTokens += row.tokens.outputTokens;
      }
    }
    if (bad) damaged.push(`shard ${results.shard.index}: ${bad} histogram(s) in its results.json or latency.hlog could not be decoded; its figures are incomplete`);
  }
  // The encoded form rounds a histogram's max up to its bucket's top; the files' summaries hold the exact max.
  for (const [h, max] of maxima) if (h.totalCount > 0) (h as unknown as { maxValue: number }).maxValue = max;
  const seconds: MergedSecond[] = [];
  for (const c of [...cells.values()].sort((a, b) => a.second - b.second || a.phase - b.phase)) {
    const row: IntervalRow = {
      second: c.second,
      phase: c.phase,
      ...c.counts,
      latencyUs: summarize(c.latency),
      serviceTimeUs: upperBound(c.service),
      sendLagUs: upperBound(c.lag),
      histogram: encodeHistogram(c.latency),
      ...(c.tokens && { tokens: rowSummary(c.tokens) }),
    };
    agg.rows.push(row);
    seconds.push({ second: c.second, phase: c.phase, latency: c.latency, ...(c.tokens && { tokens: c.tokens }) });
  }
  return { agg, seconds, damaged };
}

/** addPhase adds one shard's phase into the aggregate: counts, and every histogram the file holds. */
function addPhase(agg: RunAggregate, i: number, p: PhaseResult, maxima: Map<Histogram, number>, decode: Decode): void {
  addCounts(agg.phaseCounts[i]!, { scheduled: p.scheduled, sent: p.sent, dropped: p.dropped, late: p.lateSends, ok: p.ok, errors: p.errors });
  const h = agg.phaseHists[i]!;
  const add = (into: Histogram, encoded: string | undefined, s: LatencySummary): void => {
    if (encoded && decode(into, encoded) && s.count > 0) keepMax(maxima, into, s.max);
  };
  add(h.latency, p.histogram, p.latencyUs);
  add(h.service, p.serviceHistogram, p.serviceTimeUs);
  add(h.ttfb, p.ttfbHistogram, p.ttfbUs);
  add(h.lag, p.sendLagHistogram, p.sendLagUs);
  if (p.tokens) addTokens((agg.phaseTokens[i] ??= new TokenHists()), p.tokens, decode, maxima);
}

function addTokens(into: TokenHists, t: PhaseTokens, decode: Decode, maxima: Map<Histogram, number>): void {
  addTokenTotals(into.totals, {
    requests: t.requests,
    good: t.goodput.good,
    inputTokens: t.inputTokensTotal,
    outputTokens: t.outputTokensTotal,
    countedBy: t.counting.byMethod,
    serverUsage: t.counting.serverUsage,
    finishReasons: t.finishReasons,
  });
  const exact: Record<TokenHistName, LatencySummary> = { ttft: t.ttftUs, itl: t.itlUs, tpot: t.tpotUs, input: t.inputTokens, output: t.outputTokens, rate: t.outputTokensPerSPerRequest };
  for (const name of TOKEN_HISTS) {
    const encoded = t.histograms?.[name];
    if (!encoded || !decode(into.h[name], encoded) || exact[name].count === 0) continue;
    // The rate histogram holds thousandths of tokens/s (RATE_SCALE), its summary tokens/s.
    keepMax(maxima, into.h[name], name === 'rate' ? Math.round(exact.rate.max * RATE_SCALE) : exact[name].max);
  }
}

function keepMax(maxima: Map<Histogram, number>, h: Histogram, max: number): void {
  maxima.set(h, Math.max(maxima.get(h) ?? 0, max));
}

/** Decode adds an encoded histogram into another; false (counted) when it cannot be decoded. */
type Decode = (into: Histogram, encoded: string) => boolean;

/** intervalCounts reads a second's counts back from its row (DROPPED is among its errors). */
function intervalCounts(r: IntervalResult): Counts {
  return { scheduled: r.offeredRps, sent: r.sentRps, ok: r.okRps, late: r.lateSends, dropped: r.errors['DROPPED'] ?? 0, errors: r.errors };
}

/**
 * summaryFallback is, for each phase whose `figure` some shard holds only as a summary (files written before its
 * histogram was stored), the upper-bound merge of the shards' summaries; undefined where every shard has the histogram.
 */
export function summaryFallback(plan: Plan, shards: readonly ShardInput[], figure: 'ttfb' | 'sendLag'): (LatencySummary | undefined)[] {
  return plan.phases.map((p) => {
    const parts = shards.map((s) => s.results.phases.find((x) => x.name === p.name)).filter((x): x is PhaseResult => x !== undefined);
    const summary = (x: PhaseResult): LatencySummary => (figure === 'ttfb' ? x.ttfbUs : x.sendLagUs);
    const stored = (x: PhaseResult): string | undefined => (figure === 'ttfb' ? x.ttfbHistogram : x.sendLagHistogram);
    return parts.some((x) => summary(x).count > 0 && !stored(x)) ? upperBound(parts.map(summary)) : undefined;
  });
}

/**
 * upperBound merges summaries without their histograms: counts add, max is the largest, the mean is weighted,
 * and each percentile is the largest of the shards' (the union's percentile can be no higher).
 */
export function upperBound(parts: readonly LatencySummary[]): LatencySummary {
  const out: LatencySummary = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  let sum = 0;
  for (const s of parts) {
    out.count += s.count;
    sum += s.mean * s.count;
    for (const k of ['p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const) out[k] = Math.max(out[k], s[k]);
  }
  out.mean = out.count > 0 ? Math.round(sum / out.count) : 0;
  return out;
}
