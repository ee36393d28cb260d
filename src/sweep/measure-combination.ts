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
import { judgeStep, type MeasuredFigures, phaseFigures } from './figures.js';
import { type ProbeResult, searchMaxRate, type SearchOutcome, type SearchStep } from './rate-search.js';
import type { SearchSpec } from './sweep-spec.js';

/** MeasureContext is what measuring needs besides the target. */
export interface MeasureContext {
  /** The base plan (faults already removed). */
  plan: Plan;
  /** The combination's folder; results.json files go under it. */
  dir: string;
  /** Let the search judge invalid steps on their numbers (--allow-invalid). */
  acceptInvalid?: boolean;
  /** The search with resolved bounds; absent: run the scenario's phases. */
  search?: SearchSpec & { p99Ms: number; errorRate: number };
  workers?: number;
  signal?: AbortSignal;
  log: (line: string) => void;
  /** Called with each results.json written (relative to nothing: the full path). */
  onResults: (file: string) => void;
  /** Called after each search step with the steps so far, so the caller can save progress. */
  onProgress: (steps: SearchStep[]) => void;
  /** Samples the server's memory (MiB) after a run; null when unknown. */
  sampleMemory: () => Promise<number | null>;
}

/** Measured is one combination's measurements. */
export interface Measured {
  figures: MeasuredFigures;
  memoryMib: number | null;
  search?: SearchOutcome;
}

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
    const figures = phaseFigures(results);
    for (const p of results.phases) {
      const checks = results.slo.checks.filter((c) => c.phase === p.name);
      const slo = checks.length === 0 ? '' : checks.every((c) => c.pass) ? ', SLO pass' : ', SLO FAIL';
      ctx.log(`  ${p.name}: ${p.throughputRps.toFixed(1)} ok/s, p50 ${(p.latencyUs.p50 / 1000).toFixed(2)} ms, p99 ${(p.latencyUs.p99 / 1000).toFixed(2)} ms, ${(p.errorRate * 100).toFixed(2)} % errors${slo}`);
    }
    if (!figures.valid) ctx.log(`  measurement INVALID: ${results.invalidReasons.join('; ')}`);
    return { figures, memoryMib };
  }

  const search = ctx.search;
  if (search.warmupS > 0) {
    await run(onePhasePlan(base, 'warmup', search.fromRps, search.warmupS, null, 'constant'), path.join(ctx.dir, 'warmup'));
    ctx.log(`  warm-up: ${search.warmupS.toFixed(1)} s at ${search.fromRps} rps`);
  }
  const steps: SearchStep[] = [];
  const probe = async (rate: number, attempt: number): Promise<ProbeResult> => {
    const n = steps.length + 1;
    const slo = { p99Ms: search.p99Ms, errorRate: search.errorRate };
    const dir = path.join(ctx.dir, 'steps', `${String(n).padStart(2, '0')}-${rate}rps${attempt > 1 ? '-retry' : ''}`);
    const { results } = await run(onePhasePlan(base, `rate-${rate}`, rate, search.stepDurationS, slo, 'poisson'), dir);
    const step = { ...judgeStep(results, slo), results: path.join(dir, 'results.json') };
    const verdict = step.withinBounds ? 'within the bounds' : 'outside the bounds';
    const what = !step.valid ? `INVALID, ${verdict} (${step.invalidReasons.map(brief).join('; ')})${attempt === 1 ? ', retrying' : ''}` : step.feasible ? 'feasible' : 'not feasible';
    ctx.log(`  step ${rate} rps: ${step.throughputRps.toFixed(1)} ok/s, p99 ${step.p99Ms === null ? '-' : step.p99Ms.toFixed(2)} ms, ${(step.errorRate * 100).toFixed(2)} % errors → ${what}`);
    steps.push({ ...step, rateRps: rate, attempt });
    ctx.onProgress(steps);
    return step;
  };
  const outcome = await searchMaxRate(search, probe, { ...(ctx.signal && { signal: ctx.signal }), acceptInvalid: !!ctx.acceptInvalid });
  ctx.log(`  search: ${outcome.note}`);
  const best = outcome.best;
  // Nothing passed: show the last attempt at from_rps (the retry, when there was one).
  const shown = best ?? [...outcome.steps].reverse().find((s) => s.rateRps === search.fromRps);
  const figures: MeasuredFigures = {
    throughputAtSloRps: outcome.rateRps,
    p50Ms: shown?.p50Ms ?? null,
    p99Ms: shown?.p99Ms ?? null,
    errorRate: shown?.errorRate ?? 0,
    // The highest feasible step is a valid measurement even when a higher rate could not be measured validly:
    // its throughput is then a valid lower bound of the throughput at the SLO.
    valid: best ? best.valid : !outcome.inconclusive && (shown?.valid ?? false),
    ...(outcome.inconclusive && best?.valid ? { lowerBound: true } : {}),
    source: best ? `search step at ${best.rateRps} rps` : `search (not feasible at ${search.fromRps} rps)`,
  };
  return { figures, memoryMib, search: outcome };
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
