/**
 * The search for the highest rate that meets the latency bound, in the manner of MLPerf's Server scenario: each
 * step offers a Poisson rate for a fixed time and is feasible when the measurement is valid and its p99 and error
 * rate are within the bounds (against an LLM: its error rate and token figures, TTFT, ITL or TPOT p99 and goodput). The search probes from_rps, then bisects [from_rps, to_rps) on a log scale.
 *
 * Subtleness: a step whose measurement is invalid (the load generator fell behind) says nothing about the
 * server, so it is retried once; invalid again, it counts as not feasible (the search stays below it, so the
 * result is a lower bound) and the search is marked inconclusive. Only with `acceptInvalid` (--allow-invalid,
 * for exploring on a machine that cannot measure validly) is such a step judged on its numbers; the search is
 * still marked inconclusive.
 */

import type { TokenFigures } from './llm-sweep.js';

/** ProbeResult is what one step at one rate measured, and whether it met the bounds. */
export interface ProbeResult {
  /** The measurement can be trusted (the generator kept its schedule, nothing lost). */
  valid: boolean;
  /** valid, and p99 and error rate within the bounds. */
  feasible: boolean;
  /** p99 and error rate within the bounds, whether the measurement is valid or not. */
  withinBounds: boolean;
  p50Ms: number | null;
  p99Ms: number | null;
  errorRate: number;
  /** Successful responses per second. */
  throughputRps: number;
  /** LLM targets: the step's token figures (output tokens/s, TTFT, ITL and TPOT p99, goodput). */
  tokens?: TokenFigures;
  /** The bounds the step missed, by their names in files (e.g. `ttft_p99_ms 512 > 200`); empty when within them all. */
  missed?: string[];
  invalidReasons: string[];
  /** Where the step's results.json is, when it wrote one. */
  results?: string;
}

/** Probe runs one step at a rate; `attempt` is 1, or 2 for the retry of an invalid step. */
export type Probe = (rateRps: number, attempt: number) => Promise<ProbeResult>;

/** SearchStep is one probe the search ran. */
export interface SearchStep extends ProbeResult {
  rateRps: number;
  attempt: number;
}

/** SearchRange is where to search and how many bisection steps to take after the first probe. */
export interface SearchRange {
  fromRps: number;
  toRps: number;
  steps: number;
}

/** SearchOutcome is the search's answer. */
export interface SearchOutcome {
  /** The highest rate found feasible; 0 when from_rps was not. */
  rateRps: number;
  /** The step that measured it (its latency and throughput are the combination's figures). */
  best?: SearchStep;
  steps: SearchStep[];
  /** Some rate stayed invalid after its retry: the result is a lower bound. */
  inconclusive: boolean;
  /** Every rate probed was feasible: the capacity lies above the ceiling, unknown. */
  ceilingTooLow: boolean;
  /** The lowest rate above the result measured validly and found not feasible; null when none was. */
  notMetRps: number | null;
  /** One sentence on how the search ended. */
  note: string;
}

/** SearchOptions: an abort signal (stops the search after the step in progress), and whether invalid steps may count. */
export interface SearchOptions {
  signal?: AbortSignal;
  /** Judge steps still invalid after their retry on their p99 and errors (the search is marked inconclusive anyway). */
  acceptInvalid?: boolean;
}

/** searchMaxRate runs the search. */
export async function searchMaxRate(range: SearchRange, probe: Probe, opts: SearchOptions = {}): Promise<SearchOutcome> {
  const { signal } = opts;
  const passes = (s: SearchStep): boolean => s.feasible || (!!opts.acceptInvalid && !s.valid && s.withinBounds);
  const steps: SearchStep[] = [];
  const invalidRates: number[] = [];
  // Rates measured validly and found not feasible: the search assumes a rate above one of them is not feasible
  // either, so an invalid measurement above the lowest of them cannot change the result.
  const validInfeasible: number[] = [];
  const measure = async (rate: number): Promise<SearchStep> => {
    let step: SearchStep = { ...(await probe(rate, 1)), rateRps: rate, attempt: 1 };
    steps.push(step);
    if (!step.valid && !signal?.aborted) {
      step = { ...(await probe(rate, 2)), rateRps: rate, attempt: 2 };
      steps.push(step);
    }
    if (!step.valid) invalidRates.push(rate);
    else if (!step.feasible) validInfeasible.push(rate);
    return step;
  };
  let allFeasible = true;
  const done = (rateRps: number, best: SearchStep | undefined, note: string): SearchOutcome => {
    const cap = Math.min(...validInfeasible);
    const above = validInfeasible.filter((r) => r > rateRps);
    const mattering = invalidRates.filter((r) => r < cap);
    const moot = invalidRates.filter((r) => r >= cap);
    const inconclusive = mattering.length > 0;
    let why = inconclusive ? `; inconclusive: invalid measurement at ${mattering.map(fmt).join(', ')} rps even after a retry` : '';
    if (moot.length) why += `; the invalid measurement at ${moot.map(fmt).join(', ')} rps lies above ${fmt(cap)} rps, validly not feasible, and does not change the result`;
    const ceilingTooLow = best !== undefined && allFeasible && !signal?.aborted;
    return { rateRps, ...(best && { best }), steps, inconclusive, ceilingTooLow, notMetRps: above.length ? Math.min(...above) : null, note: note + why };
  };

  const first = await measure(range.fromRps);
  if (!passes(first)) return done(0, undefined, `not feasible at from_rps ${fmt(range.fromRps)} rps`);
  let lo = range.fromRps;
  let best = first;
  let hi = range.toRps;
  for (let i = 0; i < range.steps && !signal?.aborted; i++) {
    const mid = roundRate(Math.sqrt(lo * hi));
    if (mid <= lo || mid >= hi) break;
    const step = await measure(mid);
    if (passes(step)) [lo, best] = [mid, step];
    else [hi, allFeasible] = [mid, false];
  }
  const note = allFeasible
    ? `feasible at every rate probed, up to ${fmt(lo)} rps: the ceiling ${fmt(range.toRps)} rps is too low, the capacity lies above it`
    : `highest feasible rate ${fmt(lo)} rps; not feasible at ${fmt(hi)} rps`;
  return done(lo, best, signal?.aborted ? `${note} (interrupted)` : note);
}

/** roundRate rounds a candidate rate: whole requests/second from 100 up, tenths below. */
export function roundRate(rps: number): number {
  return rps >= 100 ? Math.round(rps) : Math.round(rps * 10) / 10;
}

function fmt(rps: number): string {
  return String(roundRate(rps));
}
