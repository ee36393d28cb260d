/**
 * Measuring one combination against a target that is already up: the scenario's phases as they are, or the rate
 * search (a warm-up, then one-phase Poisson plans at the candidate rates, each its own run and results.json).
 * Memory is sampled after every run and the highest sample kept. An interrupt stops the run in progress (its
 * results are kept), and one before a run's measurement began throws an InterruptedError.
 */
import path from 'node:path';
import { runPlan } from '../run/run.js';
import type { PhasePlan, Plan } from '../scenario/plan.js';
import type { TargetSpec } from '../targets/target-spec.js';
import type { TokenFigures } from './llm-sweep.js';
import { judgeStep, type MeasuredFigures, phaseMeasure } from './figures.js';
import { MAX_RATE_RPS } from '../scenario/limits.js';
import { type ProbeResult, roundRate, searchMaxRate, type SearchOutcome, type SearchStep } from './rate-search.js';
import { stepSlo } from './search-bounds.js';
import type { ResolvedSearch, SearchSpec } from './sweep-spec.js';

/** MeasureContext is what measuring needs besides the target. */
export interface MeasureContext {
  /** The base plan (faults already removed). */
  plan: Plan;
  /** The combination's folder; results.json files go under it. */
  dir: string;
  /** Let the search judge invalid steps on their numbers (--allow-invalid). */
  acceptInvalid?: boolean;
  /** The search with resolved bounds; absent: run the scenario's phases. */
  search?: ResolvedSearch;
  workers?: number;
  signal?: AbortSignal;
  log: (line: string) => void;
  /** Called with each results.json written (relative to nothing: the full path). */
  onResults: (file: string) => void;
  /** Called after each search step with the steps so far, so the caller can save progress. */
  onProgress: (steps: SearchStep[]) => void;
  /** Samples the server's memory (MiB) after a run; null when unknown. */
  sampleMemory: () => Promise<number | null>;
  /** Repeats of the deciding run (search: the best rate; phases: the best phase), for run-to-run noise. */
  repeats?: number;
}

/** Measured is one combination's measurements. */
export interface Measured {
  figures: MeasuredFigures;
  memoryMib: number | null;
  search?: SearchOutcome;
  /** The closed-loop capacity probe that set the search's ceiling (to_rps: auto). */
  probe?: CapacityProbe;
  /** The repeats of the deciding run (repeats:), to measure run-to-run noise. */
  repeats?: RepeatRun[];
}

/** CapacityProbe is what the closed-loop probe measured and the ceiling it gave. */
export interface CapacityProbe {
  concurrency: number;
  durationS: number;
  /** Successful responses per second with `concurrency` requests always in flight. */
  throughputRps: number;
  p50Ms: number | null;
  errorRate: number;
  /** The search's ceiling: PROBE_HEADROOM × throughputRps, at least twice from_rps. */
  ceilingRps: number;
  results: string;
}

/** RepeatRun is one repeat of a combination's deciding run at the same rate. */
export interface RepeatRun {
  rateRps: number;
  valid: boolean;
  /** Valid and within the bounds (the SLO for phase sweeps). */
  met: boolean;
  p50Ms: number | null;
  p99Ms: number | null;
  errorRate: number;
  throughputRps: number;
  /** LLM runs: the repeat's output tokens/s. */
  outputTokensPerS?: number;
  /** LLM runs: the repeat's TTFT p99 (ms). */
  ttftP99Ms?: number;
  results: string;
}

/**
 * PROBE_HEADROOM: the search's ceiling over the probe's closed-loop throughput. A closed loop at saturation
 * sustains at least the open-loop capacity within a latency bound (open-loop arrivals queue up), so 1.5x leaves
 * room for a probe that did not quite saturate; a search that still passes its top step says the ceiling was
 * too low.
 */
export const PROBE_HEADROOM = 1.5;
/** PROBE_MAX_CONCURRENCY bounds the probe's requests in flight (the target's max_in_flight bounds it too). */
export const PROBE_MAX_CONCURRENCY = 64;

/** measureCombination runs the scenario (or the search) against the target. */
export async function measureCombination(target: TargetSpec, model: string | undefined, ctx: MeasureContext): Promise<Measured> {
  const base: Plan = { ...ctx.plan, target, request: { ...ctx.plan.request, ...(model !== undefined && { model }) }, faults: [] };
  let memoryMib: number | null = null;
  const run = async (plan: Plan, dir: string): Promise<Awaited<ReturnType<typeof runPlan>>> => {
    const outcome = await runPlan(plan, {
      outDir: dir,
      ...(ctx.workers !== undefined && { workers: ctx.workers }),
      ...(ctx.signal && { signal: ctx.signal }),
      onLine: (l) => /^(warning|interrupted)/.test(l) && ctx.log(`  ${l}`),
    });
    ctx.onResults(path.join(dir, 'results.json'));
    // An interrupted sweep stops at once: no memory sample (a remote target may take seconds to answer).
    if (ctx.signal?.aborted) return outcome;
    const mem = await ctx.sampleMemory();
    if (mem !== null) memoryMib = Math.max(memoryMib ?? 0, mem);
    return outcome;
  };

  if (!ctx.search) {
    const { results } = await run(base, ctx.dir);
    const { figures, bestPhase } = phaseMeasure(results);
    for (const p of results.phases) {
      const checks = results.slo.checks.filter((c) => c.phase === p.name);
      const slo = checks.length === 0 ? '' : checks.every((c) => c.pass) ? ', SLO pass' : ', SLO FAIL';
      const t = p.tokens ? `, ${p.tokens.outputTokensPerS.toFixed(0)} output tokens/s, TTFT p99 ${(p.tokens.ttftUs.p99 / 1000).toFixed(1)} ms, TPOT p50 ${(p.tokens.tpotUs.p50 / 1000).toFixed(2)} ms, goodput ${(p.tokens.goodput.fraction * 100).toFixed(1)} %` : '';
      ctx.log(`  ${p.name}: ${p.throughputRps.toFixed(1)} ok/s, p50 ${(p.latencyUs.p50 / 1000).toFixed(2)} ms, p99 ${(p.latencyUs.p99 / 1000).toFixed(2)} ms, ${(p.errorRate * 100).toFixed(2)} % errors${t}${slo}`);
    }
    if (!figures.valid) ctx.log(`  measurement INVALID: ${results.invalidReasons.join('; ')}`);
    const phase = bestPhase && figures.valid ? base.phases.find((p) => p.name === bestPhase) : undefined;
    // Not valid, or nothing met the SLO: no repeat, so no noise was measured (null, not a record from before repeats).
    if (!phase || figures.rateRps === undefined) return { figures: { ...figures, p99NoiseShare: null, ...(figures.tokens && { tokensNoiseShare: null, ttftNoiseShare: null }), noiseRuns: figures.p99Ms === null ? 0 : 1 }, memoryMib };
    const repeats = await repeatAt(figures.rateRps, ctx.repeats ?? 0, async (k) => {
      const dir = path.join(ctx.dir, 'repeats', `${String(k).padStart(2, '0')}-${phase.name}`);
      const { results: again } = await run({ ...base, name: `${base.name}-${phase.name}`, phases: [{ ...phase, startS: 0 }], durationS: phase.durationS }, dir);
      const p = again.phases[0];
      const valid = again.valid && !again.interrupted;
      const met = valid && again.slo.checks.every((c) => c.phase !== phase.name || c.pass === true);
      const ms = (us: number | undefined): number | null => (p && p.latencyUs.count > 0 && us !== undefined ? us / 1000 : null);
      return { rateRps: figures.rateRps!, valid, met, p50Ms: ms(p?.latencyUs.p50), p99Ms: ms(p?.latencyUs.p99), errorRate: p?.errorRate ?? 1, throughputRps: p?.throughputRps ?? 0, ...(p?.tokens && { outputTokensPerS: p.tokens.outputTokensPerS, ...(p.tokens.ttftUs.count > 0 && { ttftP99Ms: p.tokens.ttftUs.p99 / 1000 }) }), results: path.join(dir, 'results.json') };
    }, ctx);
    Object.assign(figures, noiseFigures({ p99Ms: figures.p99Ms, rateRps: figures.rateRps }, repeats));
    if (figures.tokens) {
      const valid = repeats.filter((r) => r.valid);
      figures.tokensNoiseShare = spread([figures.tokens.outputTokensPerS, ...valid.map((r) => r.outputTokensPerS)]);
      figures.ttftNoiseShare = spread([figures.tokens.ttftP99Ms, ...valid.map((r) => r.ttftP99Ms)]);
    }
    if (repeats.some((r) => r.valid && !r.met)) {
      // The best phase met the SLO once and missed it when repeated: its rate is not confirmed capacity.
      ctx.log(`  → phase ${phase.name} not confirmed: the throughput at the SLO is not known better than below ${figures.rateRps} rps`);
      Object.assign(figures, { throughputAtSloRps: 0, notMetRps: figures.rateRps, ceilingTooLow: false, source: `phase ${phase.name} met the SLO once, not when repeated` });
    }
    return { figures, memoryMib, ...(repeats.length && { repeats }) };
  }

  const search = ctx.search;
  if (search.warmupS > 0) {
    await run(onePhasePlan(base, 'warmup', search.fromRps, search.warmupS, null, 'constant'), path.join(ctx.dir, 'warmup'));
    ctx.log(`  warm-up: ${search.warmupS.toFixed(1)} s at ${search.fromRps} rps`);
  }
  const steps: SearchStep[] = [];
  // The step's own SLO: results.json then checks what the search judges, and goodput uses the scenario's per-request thresholds.
  const slo = stepSlo(search, ctx.plan);
  const probe = async (rate: number, attempt: number): Promise<ProbeResult> => {
    const n = steps.length + 1;
    const dir = path.join(ctx.dir, 'steps', `${String(n).padStart(2, '0')}-${rate}rps${attempt > 1 ? '-retry' : ''}`);
    const { results } = await run(onePhasePlan(base, `rate-${rate}`, rate, search.stepDurationS, slo, 'poisson'), dir);
    const step = { ...judgeStep(results, search), results: path.join(dir, 'results.json') };
    const verdict = step.withinBounds ? 'within the bounds' : 'outside the bounds';
    const missed = step.missed?.length ? ` (${step.missed.join(', ')})` : '';
    const what = !step.valid ? `INVALID, ${verdict} (${step.invalidReasons.map(brief).join('; ')})${attempt === 1 ? ', retrying' : ''}` : step.feasible ? 'feasible' : `not feasible${missed}`;
    ctx.log(`  step ${rate} rps: ${step.throughputRps.toFixed(1)} ok/s, p99 ${step.p99Ms === null ? '-' : step.p99Ms.toFixed(2)} ms, ${(step.errorRate * 100).toFixed(2)} % errors${tokenText(step.tokens)} → ${what}`);
    steps.push({ ...step, rateRps: rate, attempt });
    ctx.onProgress(steps);
    return step;
  };
  let probeRecord: CapacityProbe | undefined;
  let toRps = search.toRps;
  if (toRps === undefined) {
    probeRecord = await probeCapacity(base, search, ctx, run);
    toRps = probeRecord.ceilingRps;
    ctx.log(`  probe: ${probeRecord.throughputRps.toFixed(1)} ok/s with ${probeRecord.concurrency} in flight (p50 ${probeRecord.p50Ms === null ? '-' : probeRecord.p50Ms.toFixed(2)} ms) → search ceiling ${toRps} rps`);
  }
  const outcome = await searchMaxRate({ ...search, toRps }, probe, { ...(ctx.signal && { signal: ctx.signal }), acceptInvalid: !!ctx.acceptInvalid });
  ctx.log(`  search: ${outcome.note}`);
  const repeats = outcome.best && !ctx.signal?.aborted ? await repeatAt(outcome.best.rateRps, ctx.repeats ?? 0, async (k) => {
    const rate = outcome.best!.rateRps;
    const dir = path.join(ctx.dir, 'repeats', `${String(k).padStart(2, '0')}-${rate}rps`);
    const { results } = await run(onePhasePlan(base, `rate-${rate}`, rate, search.stepDurationS, slo, 'poisson'), dir);
    const j = judgeStep(results, search);
    const t = j.tokens;
    return { rateRps: rate, valid: j.valid, met: j.feasible, p50Ms: j.p50Ms, p99Ms: j.p99Ms, errorRate: j.errorRate, throughputRps: j.throughputRps, ...(t && { outputTokensPerS: t.outputTokensPerS, ...(t.ttftP99Ms !== null && { ttftP99Ms: t.ttftP99Ms }) }), results: path.join(dir, 'results.json') };
  }, ctx) : [];
  const noise = outcome.best ? { ...noiseFigures(outcome.best, repeats), ...(outcome.best.tokens && tokenNoise(outcome.best.tokens, repeats.filter((r) => r.valid && r.rateRps === outcome.best!.rateRps))) } : undefined;
  const unconfirmed = demoteUnconfirmed(outcome, repeats, ctx.log);
  if (unconfirmed !== undefined && outcome.best && !ctx.signal?.aborted && search.steps > 0) {
    await researchBelow(outcome, unconfirmed, (range) => searchMaxRate(range, probe, { ...(ctx.signal && { signal: ctx.signal }), acceptInvalid: !!ctx.acceptInvalid }), ctx.log);
  }
  const best = outcome.best;
  // Nothing passed: show the last attempt at from_rps (the retry, when there was one).
  const shown = best ?? [...outcome.steps].reverse().find((s) => s.rateRps === search.fromRps);
  const figures: MeasuredFigures = {
    // LLM targets: the token figures at the rate found (its output tokens/s ranks combinations with the same rate).
    ...(shown?.tokens && { tokens: shown.tokens }),
    throughputAtSloRps: outcome.rateRps,
    p50Ms: shown?.p50Ms ?? null,
    p99Ms: shown?.p99Ms ?? null,
    errorRate: shown?.errorRate ?? 0,
    // The highest feasible step is a valid measurement even when a higher rate could not be measured validly:
    // its throughput is then a valid lower bound of the throughput at the SLO.
    valid: best ? best.valid : !outcome.inconclusive && (shown?.valid ?? false),
    ...(outcome.inconclusive && best?.valid ? { lowerBound: true } : {}),
    source: best ? `search step at ${best.rateRps} rps` : `search (not feasible at ${search.fromRps} rps)`,
    ...(best && { rateRps: best.rateRps, notMetRps: outcome.notMetRps }),
    ...(noise ?? { p99NoiseShare: null, noiseRuns: shown?.p99Ms == null ? 0 : 1 }),
    ...(outcome.ceilingTooLow && { ceilingTooLow: true }),
  };
  return { figures, memoryMib, search: outcome, ...(probeRecord && { probe: probeRecord }), ...(repeats.length && { repeats }) };
}

type RunFn = (plan: Plan, dir: string) => ReturnType<typeof runPlan>;

/** probeCapacity runs the closed-loop burst whose throughput sets the search's ceiling. */
async function probeCapacity(base: Plan, search: SearchSpec, ctx: MeasureContext, run: RunFn): Promise<CapacityProbe> {
  const concurrency = Math.max(1, Math.min(PROBE_MAX_CONCURRENCY, base.target.maxInFlight));
  const phase: PhasePlan = { name: 'probe', startS: 0, durationS: search.probeS, load: { kind: 'closed', concurrency }, slo: null };
  const dir = path.join(ctx.dir, 'probe');
  const { results } = await run({ ...base, name: `${base.name}-probe`, phases: [phase], durationS: search.probeS, slo: {} }, dir);
  const p = results.phases[0];
  const throughputRps = p?.throughputRps ?? 0;
  return {
    concurrency,
    durationS: search.probeS,
    throughputRps,
    p50Ms: p && p.latencyUs.count > 0 ? p.latencyUs.p50 / 1000 : null,
    errorRate: p?.errorRate ?? 1,
    ceilingRps: roundRate(Math.min(MAX_RATE_RPS, Math.max(2 * search.fromRps, PROBE_HEADROOM * throughputRps))),
    results: path.join(dir, 'results.json'),
  };
}

/** repeatAt runs the deciding run `n` more times at its rate (stopping early on an interrupt) and logs each. */
async function repeatAt(rate: number, n: number, once: (k: number) => Promise<RepeatRun>, ctx: MeasureContext): Promise<RepeatRun[]> {
  const out: RepeatRun[] = [];
  for (let k = 1; k <= n && !ctx.signal?.aborted; k++) {
    const r = await once(k);
    out.push(r);
    ctx.log(`  repeat ${k} at ${rate} rps: p99 ${r.p99Ms === null ? '-' : r.p99Ms.toFixed(2)} ms, ${(r.errorRate * 100).toFixed(2)} % errors → ${!r.valid ? 'INVALID (not counted)' : r.met ? 'met again' : 'NOT met: the rate is not confirmed'}`);
  }
  return out;
}

/**
 * demoteUnconfirmed: a valid repeat that missed the bounds means the best rate was luck, not capacity. The
 * result falls back to the highest other rate that met the bounds below it, and the missed rate becomes the
 * lowest rate known not met.
 */
export function demoteUnconfirmed(outcome: SearchOutcome, repeats: RepeatRun[], log: (l: string) => void): number | undefined {
  const best = outcome.best;
  if (!best || !repeats.some((r) => r.valid && !r.met)) return undefined;
  const below = outcome.steps.filter((s) => s.feasible && s.rateRps < best.rateRps).sort((a, b) => b.rateRps - a.rateRps)[0];
  outcome.notMetRps = best.rateRps;
  outcome.ceilingTooLow = false;
  if (below) {
    outcome.best = below;
    outcome.rateRps = below.rateRps;
  } else {
    delete outcome.best;
    outcome.rateRps = 0;
  }
  outcome.note += `; ${best.rateRps} rps was not met again when repeated, so the result is ${outcome.rateRps} rps`;
  log(`  → ${best.rateRps} rps not confirmed; throughput at the SLO ${outcome.rateRps} rps`);
  return best.rateRps;
}

/** RESEARCH_STEPS: bisection steps of the one search between a demoted result and the rate that was not confirmed. */
export const RESEARCH_STEPS = 2;

/**
 * researchBelow narrows the range a demotion left wide (a search that jumped from 50 to 718 rps and could not
 * confirm 718 would otherwise say "50 to 718"): one more search from the demoted rate (measured again first) up to
 * the unconfirmed one, RESEARCH_STEPS bisections. Its highest feasible rate, if any, becomes the result; if the
 * demoted rate is not met again either, the result stays at it, with the lowest rate not met lowered.
 */
export async function researchBelow(outcome: SearchOutcome, unconfirmedRps: number, search: (range: { fromRps: number; toRps: number; steps: number }) => Promise<SearchOutcome>, log: (l: string) => void): Promise<void> {
  const from = outcome.best!.rateRps;
  log(`  re-searching between ${from} and ${unconfirmedRps} rps`);
  const again = await search({ fromRps: from, toRps: unconfirmedRps, steps: RESEARCH_STEPS });
  outcome.steps.push(...again.steps);
  if (again.inconclusive) outcome.inconclusive = true;
  const missed = [unconfirmedRps, ...again.steps.filter((s) => s.valid && !s.feasible).map((s) => s.rateRps)];
  if (again.best) {
    outcome.best = again.best;
    outcome.rateRps = again.rateRps;
  }
  const above = missed.filter((r) => r > outcome.rateRps);
  outcome.notMetRps = above.length ? Math.min(...above) : unconfirmedRps;
  outcome.note += `; searched again between ${from} and ${unconfirmedRps} rps: ${outcome.rateRps} rps met, ${outcome.notMetRps} rps not`;
  log(`  → throughput at the SLO ${outcome.rateRps} rps (not met at ${outcome.notMetRps} rps)`);
}

/** spread is (highest − lowest) ÷ lowest over the positive values given; null with fewer than two. */
export function spread(values: (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && x > 0);
  return v.length >= 2 ? (Math.max(...v) - Math.min(...v)) / Math.min(...v) : null;
}

/** noiseFigures: the p99 spread over the deciding run and its valid repeats at the same rate. */
function noiseFigures(best: { p99Ms: number | null; rateRps: number }, repeats: RepeatRun[]): { p99NoiseShare: number | null; noiseRuns: number } {
  const p99s = [best.p99Ms, ...repeats.filter((r) => r.valid && r.rateRps === best.rateRps).map((r) => r.p99Ms)].filter((v): v is number => v !== null && v > 0);
  return { p99NoiseShare: p99s.length >= 2 ? (Math.max(...p99s) - Math.min(...p99s)) / Math.min(...p99s) : null, noiseRuns: p99s.length };
}

/** tokenNoise: the run-to-run noise of tokens/s and TTFT p99 over a deciding run's token figures and its valid repeats. */
function tokenNoise(t: TokenFigures, repeats: RepeatRun[]): { tokensNoiseShare: number | null; ttftNoiseShare: number | null } {
  return { tokensNoiseShare: spread([t.outputTokensPerS, ...repeats.map((r) => r.outputTokensPerS)]), ttftNoiseShare: spread([t.ttftP99Ms, ...repeats.map((r) => r.ttftP99Ms)]) };
}

/** tokenText is a step's token figures for its progress line ('' without them). */
function tokenText(t: TokenFigures | undefined): string {
  const f = (v: number | null | undefined): string => (v == null ? '-' : v.toFixed(1));
  return t ? `, ${t.outputTokensPerS.toFixed(0)} output tokens/s, TTFT p99 ${f(t.ttftP99Ms)} ms, ITL p99 ${f(t.itlP99Ms)} ms, goodput ${(t.goodput * 100).toFixed(1)} %` : '';
}

/** brief shortens an invalid reason for a progress line (results.json keeps it whole). */
function brief(reason: string): string {
  return reason.replace(/\s*\([^)]*\)/g, '').replace(/; try .*$/, '');
}

/** onePhasePlan is the base plan reduced to one open-loop phase at a constant mean rate. */
function onePhasePlan(base: Plan, name: string, rps: number, durationS: number, slo: PhasePlan['slo'], arrival: 'constant' | 'poisson'): Plan {
  const phase: PhasePlan = { name, startS: 0, durationS, load: { kind: 'open', shape: { type: 'constant', rps }, arrival: { type: arrival } }, slo };
  return { ...base, name: `${base.name}-${name}`, phases: [phase], durationS, slo: slo ?? {} };
}
