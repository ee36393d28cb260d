/**
 * The gate: a candidate (one or more results.json of the same scenario) against a baseline, per phase and
 * metric (throughput, p50, p95, p99, error rate), plus the candidate's own SLO checks. It fails on a REGRESSED
 * metric or a failed SLO check, and on UNKNOWN when asked to; it cannot judge (exit 3) a candidate invalid as a
 * whole, or what the generator's own lag could explain (docs/gates.md, "Validity at the gate").
 */
import { GauntletError } from '../errors.js';
import { readResults } from '../results/read-results.js';
import type { ResultsFile, SloCheck } from '../results/results-schema.js';
import { AT_LEAST_METRICS } from '../run/token-figures.js';
import { type Baseline, type BaselinePhase, type MetricSamples, ranPhase, samplesFor, samplesOf, stoppedEarly, TOKEN_SAMPLE_KEYS } from './baseline.js';
import { LagView, sloDoubt } from './gate-lag.js';
import { invalidReasonsBy, runLabel, type ValidityRule } from './run-validity.js';
import { median } from './stats.js';
import { DEFAULT_ALPHA, judge, type MetricRule, type MetricVerdict } from './verdict.js';

/**
 * GATED_METRICS are the metrics a gate compares, in report order. The token metrics (TTFT p99, ITL p99, output
 * tokens/s, goodput) are compared only where the baseline or the candidate has them (LLM targets).
 */
export const GATED_METRICS = ['throughput', 'p50', 'p95', 'p99', 'error_rate', ...TOKEN_SAMPLE_KEYS] as const;
/** GatedMetric is one of GATED_METRICS. */
export type GatedMetric = (typeof GATED_METRICS)[number];

/**
 * DEFAULT_MIN_EFFECT is the smallest change that counts: relative for throughput, latency and output tokens/s,
 * absolute for error rate and goodput (shares).
 */
export const DEFAULT_MIN_EFFECT: Readonly<Record<GatedMetric, number>> = { throughput: 0.05, p50: 0.05, p95: 0.1, p99: 0.1, error_rate: 0.005, ttft_p99: 0.1, itl_p99: 0.1, output_tokens_per_s: 0.05, goodput: 0.02 };

/** GateOptions tune a gate. */
export interface GateOptions {
  minEffect?: Partial<Record<GatedMetric, number>>;
  alpha?: number;
  /** What UNKNOWN means for the gate (default pass). */
  unknown?: 'fail' | 'pass';
  /** Which samples to compare: per-repetition values, per-second values, or auto (see chooseSource). */
  samples?: 'auto' | 'repetitions' | 'intervals';
  /**
   * Judge candidates instead of exiting 3: a measurement invalid as a whole is listed as a warning, and what the
   * generator's lag leaves undecided is UNKNOWN. A run that was interrupted, or whose writer died, is never
   * judged: it does not cover its plan.
   */
  allowInvalid?: boolean;
  /** The strict rule: a candidate with over 1 % of sends more than 1 ms late is invalid as a whole (exit 3). */
  strictValidity?: boolean;
}

/** GateCheck is one line of a gate: a metric verdict or an SLO check of the candidate. */
export type GateCheck =
  | ({ kind: 'verdict'; phase: string; pass: boolean; source: 'repetitions' | 'intervals'; notes?: string[]; undecided?: boolean } & MetricVerdict)
  | {
      kind: 'slo';
      phase: string;
      metric: string;
      threshold: number;
      actual: number | null;
      pass: boolean;
      unit: string;
      notRun?: boolean;
      partial?: boolean;
      /** A failed check the generator's lag could explain: not counted as failed, but undecided. */
      inDoubt?: string;
      /** The baseline's median fails the same threshold (gated metrics only): the threshold, not the change, fails. */
      baselineFails?: boolean;
    };

/** GateReport is a gate's outcome. */
export interface GateReport {
  baseline: string;
  scenario: string;
  candidates: string[];
  pass: boolean;
  /** The validity rule it judged by. */
  rule: ValidityRule;
  /** Why the candidate cannot be judged (invalid measurement, interrupted or unfinished run); the gate then exits 3. */
  invalid: string[];
  /** What the generator's lag left undecided (a change it could explain, a failed check it could explain): exit 3 unless allowInvalid. */
  undecided: string[];
  /** Invalid measurements judged anyway (allowInvalid), phases not compared, repetitions dropped from a metric. */
  warnings: string[];
  counts: { regressed: number; improved: number; same: number; unknown: number; sloFailed: number; undecided: number };
  checks: GateCheck[];
}

const RULES = (minEffect: Record<GatedMetric, number>): Record<GatedMetric, MetricRule> => ({
  throughput: { metric: 'throughput', higherIsWorse: false, minEffect: minEffect.throughput },
  p50: { metric: 'p50', higherIsWorse: true, minEffect: minEffect.p50 },
  p95: { metric: 'p95', higherIsWorse: true, minEffect: minEffect.p95 },
  p99: { metric: 'p99', higherIsWorse: true, minEffect: minEffect.p99 },
  error_rate: { metric: 'error_rate', higherIsWorse: true, minEffect: minEffect.error_rate, absolute: true },
  ttft_p99: { metric: 'ttft_p99', higherIsWorse: true, minEffect: minEffect.ttft_p99 },
  itl_p99: { metric: 'itl_p99', higherIsWorse: true, minEffect: minEffect.itl_p99 },
  output_tokens_per_s: { metric: 'output_tokens_per_s', higherIsWorse: false, minEffect: minEffect.output_tokens_per_s },
  goodput: { metric: 'goodput', higherIsWorse: false, minEffect: minEffect.goodput, absolute: true },
});

/** gateFiles reads the candidate results files and gates them against the baseline. */
export function gateFiles(baseline: Baseline, baselineName: string, files: string[], opts: GateOptions = {}): GateReport {
  if (files.length === 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'name at least one results.json to gate');
  return gate(baseline, baselineName, files.map((f) => readResults(f)), files, opts);
}

/**
 * gate compares candidate runs with the baseline. By the effect rule (the default) a run is invalid as a whole
 * only for what concerns the whole measurement; the generator's lag is judged per metric: runs whose figure it
 * made invalid leave that metric's samples, a regression no larger than the lag could add is undecided, and a
 * failed SLO check it could explain is undecided too. By the strict rule, a late run is invalid as a whole.
 */
export function gate(baseline: Baseline, baselineName: string, runs: ResultsFile[], names: string[], opts: GateOptions = {}): GateReport {
  const minEffect = { ...DEFAULT_MIN_EFFECT, ...opts.minEffect };
  const rules = RULES(minEffect);
  const rule: ValidityRule = opts.strictValidity ? 'strict' : 'effect';
  const first = runs[0]!;
  const report: GateReport = {
    baseline: baselineName,
    scenario: first.scenario.name,
    candidates: names,
    pass: true,
    rule,
    invalid: [],
    undecided: [],
    warnings: [],
    counts: { regressed: 0, improved: 0, same: 0, unknown: 0, sloFailed: 0, undecided: 0 },
    checks: [],
  };
  runs.forEach((r, i) => {
    if (r.scenario.name !== baseline.scenario) report.invalid.push(`${names[i]}: scenario '${r.scenario.name}', but the baseline is of '${baseline.scenario}'`);
    const early = stoppedEarly(r);
    const reasons = early ? [] : invalidReasonsBy(r, rule);
    if (early) report.invalid.push(`cannot judge: run ${i + 1} (${names[i]}) ${early}`);
    else if (reasons.length) (opts.allowInvalid ? report.warnings : report.invalid).push(`${names[i]}: the measurement is invalid (${reasons.join('; ')})`);
  });
  const undecided = (what: string): void => {
    report.counts.undecided++;
    report.undecided.push(what);
  };
  for (const bp of baseline.phases) {
    const planned = first.plan.phases.find((p) => p.name === bp.name);
    // Phases that are not checked (warm-up: slo off) are not gated either.
    if (!planned || planned.slo === null) continue;
    // Nor are phases no candidate ran (an interrupted run): there is nothing to compare.
    if (!runs.some((r) => ranPhase(r, bp.name))) {
      report.warnings.push(`phase ${bp.name} did not run in ${runs.length > 1 ? 'any candidate' : 'the candidate'}: not compared`);
      continue;
    }
    const lag = new LagView(runs, names, bp.name);
    const cand = samplesOf(runs, bp.name, rule === 'effect' ? lag.keep : undefined);
    // One source per phase (a metric's dropped repetitions shorten that metric alone, see chooseSource).
    const source = chooseSource(opts.samples ?? 'auto', bp, cand);
    for (const metric of GATED_METRICS) {
      // A token metric is compared where either side has it; one side alone is a warning (an old baseline, a new target).
      const token = (TOKEN_SAMPLE_KEYS as readonly string[]).includes(metric);
      if (token) {
        const [inBase, inCand] = [samplesFor(bp.repetitions, metric).length > 0, samplesFor(cand.repetitions, metric).length > 0 || lag.dropped(metric).length > 0];
        if (!inBase && !inCand) continue;
        if (!inBase || !inCand) {
          report.warnings.push(`phase ${bp.name}: ${metric} is only in the ${inBase ? 'baseline' : 'candidate'} (token data from an LLM target): not compared`);
          continue;
        }
      }
      const serial = source === 'intervals' ? { baselineRuns: bp.intervalRuns?.[metric], candidateRuns: cand.intervalRuns[metric] } : undefined;
      let v = inRuns(judge(samplesFor(bp[source], metric), samplesFor(cand[source], metric), rules[metric], opts.alpha ?? DEFAULT_ALPHA, serial), source, samplesFor(cand.repetitions, metric).length, samplesFor(cand.intervals, metric).length);
      const notes = rule === 'effect' ? lag.dropped(metric) : [];
      const baseDropped = bp.dropped?.[metric]?.length ?? 0;
      if (baseDropped > 0) notes.push(`the baseline left ${baseDropped} repetition(s) out of ${metric} (the generator's lag made the figure invalid): ${samplesFor(bp.repetitions, metric).length} kept`);
      let isUndecided = false;
      const emptied = rule === 'effect' ? lag.emptied(metric, samplesFor(cand.repetitions, metric).length) : undefined;
      if (emptied) {
        v = { ...v, verdict: 'UNKNOWN', reason: emptied };
        isUndecided = true;
      } else if (rule === 'effect') {
        const held = lag.check(v, metric);
        v = held.verdict;
        isUndecided = held.undecided;
        notes.push(...held.notes);
      }
      if (isUndecided && !opts.allowInvalid) undecided(`${bp.name} ${metric}: ${v.reason}`);
      const pass = v.verdict !== 'REGRESSED' && !(v.verdict === 'UNKNOWN' && opts.unknown === 'fail' && !(isUndecided && !opts.allowInvalid));
      report.checks.push({ kind: 'verdict', phase: bp.name, pass, source, ...v, ...(notes.length > 0 && { notes }), ...(isUndecided && { undecided: true }) });
      report.counts[v.verdict === 'REGRESSED' ? 'regressed' : v.verdict === 'IMPROVED' ? 'improved' : v.verdict === 'SAME' ? 'same' : 'unknown']++;
    }
  }
  // The candidate's absolute thresholds count too: every repetition must meet them.
  runs.forEach((r, i) => {
    for (const c of r.slo.checks) {
      // A check of a phase that did not run neither passes nor fails; it is shown as not run.
      const notRun = c.pass === null;
      const doubt = rule === 'effect' && c.pass === false ? sloDoubt(r, c) : undefined;
      const phase = runs.length > 1 ? `${c.phase} (${runLabel(names[i], i)})` : c.phase;
      const failed = c.pass === false && (!doubt || (opts.allowInvalid === true && opts.unknown === 'fail'));
      const baselineFails = c.pass === false ? baselineFailsToo(baseline, c) : undefined;
      report.checks.push({
        kind: 'slo', phase, metric: c.metric, threshold: c.threshold, actual: c.actual, pass: !failed, unit: c.unit,
        ...(notRun && { notRun }), ...(c.partial && { partial: true }), ...(doubt && { inDoubt: doubt }), ...(baselineFails !== undefined && { baselineFails }),
      });
      if (failed) report.counts.sloFailed++;
      else if (doubt && !opts.allowInvalid) undecided(`${phase} SLO ${c.metric} failed, but ${doubt}`);
    }
  });
  report.pass = report.invalid.length === 0 && report.undecided.length === 0 && report.checks.every((c) => c.pass);
  return report;
}

/** baselineFailsToo says whether the baseline's median (of its repetitions) fails an SLO threshold of a gated metric. */
function baselineFailsToo(baseline: Baseline, c: SloCheck): boolean | undefined {
  if (!(GATED_METRICS as readonly string[]).includes(c.metric)) return undefined;
  const bp = baseline.phases.find((p) => p.name === c.phase);
  const values = bp?.repetitions[c.metric as GatedMetric];
  if (!values || values.length === 0) return undefined;
  const m = median(values);
  return AT_LEAST_METRICS.includes(c.metric) ? m < c.threshold : m > c.threshold;
}

/**
 * inRuns states how much more evidence an UNKNOWN verdict needs in runs: with per-second samples the verdict
 * counts seconds, and a CI job adds runs of the same length (`--repeat`).
 */
export function inRuns(v: MetricVerdict, source: 'repetitions' | 'intervals', runs: number, seconds: number): MetricVerdict {
  if (source !== 'intervals' || v.verdict !== 'UNKNOWN' || v.needed === undefined || runs === 0 || seconds === 0) return v;
  const more = Math.max(1, Math.ceil(v.needed / (seconds / runs)));
  return { ...v, needed: more, reason: `${v.reason} (seconds per side; about ${more} more run${more === 1 ? '' : 's'} of this length)` };
}

/**
 * MIN_REPETITIONS is the fewest repetitions per side a rank test on one value per repetition can decide with:
 * below 6 it cannot reach p < 0.005 whatever the data (with 5 and 5 the smallest two-sided p is 2/252).
 */
export const MIN_REPETITIONS = 6;

/**
 * chooseSource picks the samples of the auto mode: per-second values whenever the baseline knows which run each
 * second came from (the design effect then accounts for runs and neighbouring seconds; measured in docs/gates.md,
 * this detects p99 regressions far more often than one value per repetition at the same false-positive rate). A
 * baseline saved before run structure was kept is compared by repetitions when both sides have 6 or more, as the
 * whole-series correction alone let run-to-run shifts pass for evidence. The runs and seconds are counted on
 * throughput, the phase's structure: a repetition the generator's lag made invalid for p99 leaves p99's sample,
 * and must not switch every metric of the phase to another kind of sample.
 */
export function chooseSource(mode: 'auto' | 'repetitions' | 'intervals', base: BaselinePhase, cand: { repetitions: MetricSamples; intervals: MetricSamples }): 'repetitions' | 'intervals' {
  if (mode !== 'auto') return mode;
  const reps = Math.min(base.repetitions.throughput.length, cand.repetitions.throughput.length);
  // Phases shorter than a second have no per-second values to speak of.
  const seconds = Math.min(base.intervals.throughput.length, cand.intervals.throughput.length);
  if (base.intervalRuns !== undefined && seconds > reps) return 'intervals';
  return reps >= MIN_REPETITIONS ? 'repetitions' : 'intervals';
}
