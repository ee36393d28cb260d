/**
 * Reading a combination's figures from results files. Without a search, the throughput at the SLO is the highest
 * throughput (successful responses per second) of a phase that is checked against the SLO and passed every
 * check; its latency and error rate go with it. With a search, each step is judged against the search's bounds.
 */
import { peakOpenRps } from '../load/load-pool.js';
import type { PhaseResult, ResultsFile } from '../results/results-schema.js';
import type { Plan } from '../scenario/plan.js';
import type { ProbeResult } from './rate-search.js';
import type { Figures } from './recommend.js';
import type { StepBounds } from './sweep-spec.js';
import { tokenFigures } from './llm-sweep.js';

/** MeasuredFigures are the figures a run gives (memory and accuracy come from elsewhere). */
export type MeasuredFigures = Omit<Figures, 'memoryMib' | 'accuracy'>;

/**
 * phaseFigures reads the figures of a run of the scenario's own phases, and names the phase they come from. The
 * capacity lies between that phase's offered rate and the lowest higher offered rate of a checked phase that
 * missed the SLO; when no higher phase missed it, the scenario's rates stopped below capacity (ceilingTooLow).
 */
export function phaseMeasure(r: ResultsFile): { figures: MeasuredFigures; bestPhase?: string } {
  const checked = r.phases.filter((p) => r.plan.phases.find((pp) => pp.name === p.name)?.slo !== null);
  const met = (p: PhaseResult): boolean => r.slo.checks.every((c) => c.phase !== p.name || c.pass === true);
  const passed = checked.filter(met);
  const best = passed.reduce<PhaseResult | undefined>((a, p) => (a === undefined || p.throughputRps > a.throughputRps ? p : a), undefined);
  // Nothing met the SLO: show the last checked phase's latency, with a throughput at the SLO of 0.
  const shown = best ?? checked[checked.length - 1] ?? r.phases[r.phases.length - 1];
  const valid = r.valid && !r.interrupted;
  // A phase's rate is the one planned (its peak), not the Poisson count it happened to send.
  const rateOf = (p: PhaseResult): number => {
    const planned = r.plan.phases.find((pp) => pp.name === p.name);
    return planned && planned.load.kind === 'open' ? peakOpenRps({ phases: [planned] } as Plan) : p.offeredRps;
  };
  const bestRate = best ? rateOf(best) : 0;
  const missedAbove = best ? checked.filter((p) => rateOf(p) > bestRate && !met(p) && p.state !== 'not-run' && p.state !== 'partial').map(rateOf) : [];
  const higher = best ? checked.some((p) => rateOf(p) > bestRate) : false;
  const tokens = tokenFigures(shown);
  const figures: MeasuredFigures = {
    ...(tokens && { tokens }),
    throughputAtSloRps: best?.throughputRps ?? 0,
    p50Ms: shown && shown.latencyUs.count > 0 ? shown.latencyUs.p50 / 1000 : null,
    p99Ms: shown && shown.latencyUs.count > 0 ? shown.latencyUs.p99 / 1000 : null,
    errorRate: shown?.errorRate ?? 0,
    valid,
    source: shown ? `phase ${shown.name}${best ? '' : ' (no phase met the SLO)'}` : 'no phases',
    ...(best && { rateRps: bestRate, notMetRps: missedAbove.length ? Math.min(...missedAbove) : null }),
    // Met the SLO in the highest-rate checked phase (or in every higher one): the capacity is above the scenario's rates.
    ...(best && missedAbove.length === 0 && (!higher || passed.length === checked.length) && { ceilingTooLow: true }),
  };
  return best ? { figures, bestPhase: best.name } : { figures };
}

/** phaseFigures is phaseMeasure's figures alone. */
export function phaseFigures(r: ResultsFile): MeasuredFigures {
  return phaseMeasure(r).figures;
}

/**
 * judgeStep reads one search step's run: feasible when valid and within every bound: the error rate, the request
 * p99 where bounded, and against an LLM the token bounds (a bounded figure that was not measured misses).
 */
export function judgeStep(r: ResultsFile, bounds: StepBounds): ProbeResult {
  const p = r.phases[0];
  const p99Ms = p && p.latencyUs.count > 0 ? p.latencyUs.p99 / 1000 : null;
  const valid = r.valid && !r.interrupted;
  const errorRate = p?.errorRate ?? 1;
  const tokens = tokenFigures(p);
  const missed: string[] = [];
  const over = (name: string, v: number | null | undefined, bound: number | undefined): void => {
    if (bound !== undefined && (v == null || v > bound)) missed.push(`${name} ${v == null ? 'not measured' : round(v)} > ${bound}`);
  };
  over('p99_ms', p99Ms, bounds.p99Ms);
  if (errorRate > bounds.errorRate) missed.push(`error_rate ${round(errorRate)} > ${bounds.errorRate}`);
  over('ttft_p99_ms', tokens?.ttftP99Ms, bounds.ttftP99Ms);
  over('itl_p99_ms', tokens?.itlP99Ms, bounds.itlP99Ms);
  over('tpot_p99_ms', tokens?.tpotP99Ms, bounds.tpotP99Ms);
  if (bounds.minGoodput !== undefined && !((tokens?.goodput ?? -1) >= bounds.minGoodput)) missed.push(`goodput ${tokens ? round(tokens.goodput) : 'not measured'} < min_goodput ${bounds.minGoodput}`);
  const withinBounds = missed.length === 0 && (p?.latencyUs.count ?? 0) > 0;
  return {
    valid,
    feasible: valid && withinBounds,
    withinBounds,
    p50Ms: p && p.latencyUs.count > 0 ? p.latencyUs.p50 / 1000 : null,
    p99Ms,
    errorRate,
    throughputRps: p?.throughputRps ?? 0,
    ...(tokens && { tokens }),
    missed,
    invalidReasons: r.interrupted ? ['interrupted', ...r.invalidReasons] : r.invalidReasons,
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
