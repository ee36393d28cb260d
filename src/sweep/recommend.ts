/**
 * The recommendation: which combinations meet the sweep's constraints, the Pareto frontier of throughput at the
 * SLO against p99, and the recommended combination with the reason in one sentence. Pure functions over each
 * combination's figures, so the rule can be tested on made-up numbers.
 *
 * The rule: among combinations with a valid measurement (any, with allowInvalid) that meet every constraint,
 * the best on the basis (throughput at the SLO, cost per 1M inferences, or p99), but only where the measurements
 * can tell it from the others; otherwise the lower p99 beyond the run-to-run noise; otherwise a tie, and no
 * winner (rank.ts). A combination whose capacity lies above every rate tried (ceiling too low) stops a ranking on
 * throughput or cost.
 */
import { decide } from './rank.js';
import type { GenerationFigures, TokenFigures } from './llm-sweep.js';
import type { AccuracyDelta } from './repository-variant.js';
import type { Constraints } from './sweep-spec.js';

/** Figures are what one combination measured, the numbers the table shows and the rule reads. */
export interface Figures {
  /** The highest rate (search) or phase throughput (no search) that met the SLO; 0 when none did. */
  throughputAtSloRps: number;
  /** Latency at that throughput (milliseconds); null when there were no successful responses. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Error rate at that throughput (0..1). */
  errorRate: number;
  /** Resident memory of the server (all its processes), MiB; null when not measured. */
  memoryMib: number | null;
  /** The precision variant's agreement with fp32; null when unknown (or for external targets). */
  accuracy: AccuracyDelta | null;
  /** Whether the measurements behind the figures can be trusted. */
  valid: boolean;
  /**
   * The throughput at the SLO is a lower bound: a rate search could not measure a higher rate validly (the load
   * generator fell behind there), so the combination may sustain more. The figures themselves are valid.
   */
  lowerBound?: boolean;
  /** What the figures were read from: a phase's name, or the search step's rate. */
  source: string;
  /** What the combination costs to run, in the sweep's currency per hour (target or matrix `cost_per_hour`). */
  costPerHour?: number;
  /** costPerHour spread over the throughput at the SLO: the cost of one million inferences; null at 0 rps. */
  costPerMillion?: number | null;
  /** The search passed its top step: capacity lies above what was tried, so the throughput is no ranking figure. */
  ceilingTooLow?: boolean;
  /** The offered rate the figures were measured at (the search step's rate, or the phase's offered rate). */
  rateRps?: number;
  /**
   * The lowest offered rate above rateRps that was measured validly and did not meet the bounds: the capacity
   * lies between rateRps and it. null: no such rate was measured (a lower bound, or the ceiling was too low).
   */
  notMetRps?: number | null;
  /**
   * Run-to-run noise of p99, measured by repeating the deciding run (`repeats:`): (highest − lowest) ÷ lowest
   * over the runs at rateRps. null: not measured.
   */
  p99NoiseShare?: number | null;
  /** How many valid runs at one rate the p99 noise was measured over (the deciding run and its repeats). */
  noiseRuns?: number;
  /** LLM runs: output tokens/s, TTFT p99, TPOT p50 and goodput of the phase the figures come from. */
  tokens?: TokenFigures;
  /** LLM runs: run-to-run noise of output tokens/s over the deciding run and its repeats, like p99NoiseShare; null: not measured. */
  tokensNoiseShare?: number | null;
  /** LLM runs: run-to-run noise of TTFT p99, like p99NoiseShare; it decides between tokens/s that cannot be told apart. */
  ttftNoiseShare?: number | null;
  /** LLM precision variants: greedy generations against fp32's; null when none is recorded. */
  generation?: GenerationFigures | null;
}

/** Candidate is one combination as the rule sees it; figures are null when the combination failed to run. */
export interface Candidate {
  id: string;
  /** The combination's settings for people (describeConfig). */
  label: string;
  figures: Figures | null;
}

/** Verdict is the rule's view of one combination. */
export interface Verdict {
  id: string;
  /** It has figures, and they are valid (or allowInvalid). */
  considered: boolean;
  /** Considered, and every constraint holds. */
  meets: boolean;
  /** The constraints it misses, readable (empty when it meets them all). */
  failures: string[];
  /** On the Pareto frontier of throughput at SLO (higher is better) against p99 (lower is better). */
  pareto: boolean;
}

/** Recommendation is the rule's answer. */
export interface Recommendation {
  /** The recommended combination; null when none qualifies. */
  id: string | null;
  /** One sentence with the numbers. */
  reason: string;
  verdicts: Verdict[];
  /** Ids on the Pareto frontier, by throughput, highest first. */
  frontier: string[];
  /** What the ranking was on (`recommend:` in the sweep file; throughput when absent). */
  basis?: RecommendBasis;
  /**
   * How the rule ended: a winner; a tie (the best candidates differ by less than the run-to-run noise, `tie`
   * names them); the search ceiling was too low for some candidate; or nothing qualified.
   */
  outcome?: 'recommended' | 'tie' | 'ceiling-too-low' | 'none';
  /** With outcome tie: the tied ids (best first), their margin and the noise it is inside, both as shares. */
  tie?: { ids: string[]; marginShare: number; noiseShare: number | null };
}

/** RECOMMEND_BASES are what a sweep may rank on: throughput at the SLO, cost per 1M inferences, p99, or an LLM's output tokens/s. */
export const RECOMMEND_BASES = ['throughput', 'cost', 'p99', 'tokens_per_s'] as const;
/** RecommendBasis is one ranking basis. */
export type RecommendBasis = (typeof RECOMMEND_BASES)[number];

/** recommend applies the rule to every candidate. */
export function recommend(candidates: Candidate[], constraints: Constraints, opts: { allowInvalid?: boolean; basis?: RecommendBasis } = {}): Recommendation {
  const basis = opts.basis ?? 'throughput';
  const considered = (c: Candidate): c is Candidate & { figures: Figures } => c.figures !== null && (c.figures.valid || !!opts.allowInvalid);
  const verdicts = candidates.map((c): Verdict => {
    const failures = c.figures ? constraintFailures(c.figures, constraints) : ['did not run'];
    if (c.figures && basis === 'cost' && c.figures.costPerHour === undefined) failures.push('no cost_per_hour, needed by recommend: cost');
    const ok = considered(c);
    return { id: c.id, considered: ok, meets: ok && failures.length === 0, failures, pareto: false };
  });
  const pool = candidates.filter(considered);
  const frontier = paretoFrontier(pool.map((c) => ({ id: c.id, throughput: c.figures.throughputAtSloRps, p99: c.figures.p99Ms })));
  for (const v of verdicts) v.pareto = frontier.includes(v.id);
  const eligible = pool.filter((c) => verdicts.find((v) => v.id === c.id)!.meets);
  if (basis === 'tokens_per_s') for (const c of eligible) if (!c.figures.tokens) verdicts.find((v) => v.id === c.id)!.failures.push('no token figures (not an LLM run), needed by recommend: tokens_per_s');
  const ranked = eligible.filter((c) => verdicts.find((v) => v.id === c.id)!.failures.length === 0);
  for (const v of verdicts) v.meets = v.considered && v.failures.length === 0;
  if (ranked.length === 0) return { id: null, reason: noneReason(candidates, pool.length, verdicts, !!opts.allowInvalid) + refusals(pool, verdicts, null), verdicts, frontier, basis, outcome: 'none' };
  const decision = decide(ranked, basis, candidates.length);
  const winner = decision.id === null ? null : (ranked.find((c) => c.id === decision.id) ?? null);
  return { ...decision, reason: decision.reason + refusals(pool, verdicts, winner), verdicts, frontier, basis };
}

/**
 * refusals names the variants a generation-agreement constraint refused although they ran (with their tokens/s,
 * where a faster one was refused): quantization that buys speed by changing the generated text is said out loud.
 */
function refusals(pool: (Candidate & { figures: Figures })[], verdicts: Verdict[], winner: (Candidate & { figures: Figures }) | null): string {
  const refused = pool.filter((c) => verdicts.find((v) => v.id === c.id)!.failures.some((f) => f.includes('min_agreement')));
  if (refused.length === 0) return '';
  const parts = refused.map((c) => {
    const g = c.figures.generation;
    const tps = c.figures.tokens?.outputTokensPerS;
    const faster = winner?.figures.tokens && tps !== undefined && tps > winner.figures.tokens.outputTokensPerS ? `, more output tokens/s than ${winner.id} (${tps.toFixed(0)} against ${winner.figures.tokens.outputTokensPerS.toFixed(0)})` : '';
    return `${c.id} (${g ? `token agreement ${g.tokenAgreement.toFixed(3)} with fp32, first divergence at token ${g.meanFirstDivergence.toFixed(1)} of ${g.tokensPerPrompt} on average` : 'no agreement recorded'}${faster})`;
  });
  return ` Refused for generation agreement below min_agreement: ${parts.join('; ')}.`;
}

/** constraintFailures lists the constraints some figures miss (a throughput at the SLO of 0 always misses). */
export function constraintFailures(f: Figures, c: Constraints): string[] {
  const out: string[] = [];
  if (!(f.throughputAtSloRps > 0)) out.push('met the SLO at no rate measured');
  if (c.minThroughputRps !== undefined && f.throughputAtSloRps < c.minThroughputRps) out.push(`throughput ${rps(f.throughputAtSloRps)} rps < min_throughput_rps ${c.minThroughputRps}`);
  if (c.maxP99Ms !== undefined && (f.p99Ms === null || f.p99Ms > c.maxP99Ms)) out.push(`p99 ${ms(f.p99Ms)} ms > max_p99_ms ${c.maxP99Ms}`);
  if (c.maxErrorRate !== undefined && f.errorRate > c.maxErrorRate) out.push(`error rate ${pct(f.errorRate)} > max_error_rate ${pct(c.maxErrorRate)}`);
  if (c.minCosine !== undefined) {
    if (!f.accuracy) out.push('no accuracy recorded for min_cosine');
    else if (f.accuracy.cosine < c.minCosine) out.push(`cosine ${f.accuracy.cosine} < min_cosine ${c.minCosine}`);
  }
  if (c.minTop1 !== undefined) {
    // The fp32 reference agrees with itself.
    const top1 = f.accuracy?.top1 ?? (f.accuracy?.maxAbsError === 0 ? 1 : undefined);
    if (top1 === undefined) out.push('no top-1 agreement recorded for min_top1');
    else if (top1 < c.minTop1) out.push(`top-1 agreement ${top1} < min_top1 ${c.minTop1}`);
  }
  if (c.minAgreement !== undefined) {
    if (!f.generation) out.push('no generation agreement recorded for min_agreement');
    else if (f.generation.tokenAgreement < c.minAgreement) out.push(`token agreement ${f.generation.tokenAgreement} < min_agreement ${c.minAgreement}`);
  }
  if (c.maxMemoryMib !== undefined) {
    if (f.memoryMib === null) out.push('memory not measured for max_memory_mib');
    else if (f.memoryMib > c.maxMemoryMib) out.push(`memory ${f.memoryMib.toFixed(0)} MiB > max_memory_mib ${c.maxMemoryMib}`);
  }
  return out;
}

/**
 * paretoFrontier returns the ids no other point dominates (at least as much throughput and at most as much
 * p99, better in one), highest throughput first. Points without throughput or p99 are never on it.
 */
export function paretoFrontier(points: { id: string; throughput: number; p99: number | null }[]): string[] {
  const usable = points.filter((p): p is { id: string; throughput: number; p99: number } => p.throughput > 0 && p.p99 !== null);
  const dominated = (p: (typeof usable)[number]): boolean =>
    usable.some((q) => q !== p && q.throughput >= p.throughput && q.p99 <= p.p99 && (q.throughput > p.throughput || q.p99 < p.p99));
  return usable
    .filter((p) => !dominated(p))
    .sort((a, b) => b.throughput - a.throughput || a.p99 - b.p99)
    .map((p) => p.id);
}

function noneReason(candidates: Candidate[], consideredCount: number, verdicts: Verdict[], allowInvalid: boolean): string {
  if (consideredCount === 0) {
    const ran = candidates.filter((c) => c.figures !== null).length;
    if (ran === 0) return 'No recommendation: no combination ran.';
    return `No recommendation: none of the ${candidates.length} combinations has a valid measurement${allowInvalid ? '' : ' (--allow-invalid recommends from invalid ones, at your own risk)'}.`;
  }
  const misses = verdicts.filter((v) => v.considered).map((v) => `${v.id}: ${v.failures.join(', ')}`);
  return `No recommendation: none of the ${consideredCount} combinations${allowInvalid ? '' : ' with a valid measurement'} meets the constraints (${misses.join('; ')}).`;
}

/** rps formats a rate: whole from 100 up, tenths below. */
export function rps(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** ms formats milliseconds (two decimals below 10, one above; '-' for none). */
export function ms(v: number | null): string {
  return v === null ? '-' : v.toFixed(v < 10 ? 2 : 1);
}

/** money formats a price: whole from 100 up, cents from 1, three significant digits below. */
export function money(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/** pct formats a share as a percentage with two decimals. */
export function pct(v: number): string {
  return `${(v * 100).toFixed(2)} %`;
}
