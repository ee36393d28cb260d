/**
 * Baselines: what a later run is compared with. A baseline keeps, per phase, the summary of each repetition
 * (one results.json each) and the per-second samples, plus the merged latency histogram. It is a versioned JSON
 * file meant to be committed (reports/baselines/), so a CI gate compares with a known-good measurement.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GauntletError } from '../errors.js';
import { decodeHistogram, encodeHistogram, newHistogram } from '../metrics/hdr.js';
import { readResults } from '../results/read-results.js';
import type { ResultsFile } from '../results/results-schema.js';
import { packageVersion } from '../util/package-version.js';
import { invalidReasonsBy, metricValidity, runLabel, type ValidityRule } from './run-validity.js';

/** BASELINE_SCHEMA_VERSION is bumped on any incompatible change to the baseline format. */
export const BASELINE_SCHEMA_VERSION = 1;

/**
 * MetricSamples are one phase's samples of every gated metric. The token metrics (LLM targets: TTFT p99 and ITL
 * p99 in ms, output tokens/s, goodput as a share) are there only when the runs had token data; baselines saved
 * before them, or of other targets, have none.
 */
export interface MetricSamples {
  throughput: number[];
  p50: number[];
  p95: number[];
  p99: number[];
  error_rate: number[];
  ttft_p99?: number[];
  itl_p99?: number[];
  output_tokens_per_s?: number[];
  goodput?: number[];
}

/** TOKEN_SAMPLE_KEYS are MetricSamples' token metrics, in report order. */
export const TOKEN_SAMPLE_KEYS = ['ttft_p99', 'itl_p99', 'output_tokens_per_s', 'goodput'] as const;
/** TokenSampleKey is one of TOKEN_SAMPLE_KEYS. */
export type TokenSampleKey = (typeof TOKEN_SAMPLE_KEYS)[number];

/** samplesFor is a metric's samples, empty when the phase has none of it (a token metric of another target). */
export function samplesFor(s: MetricSamples | undefined, metric: keyof MetricSamples): number[] {
  return s?.[metric] ?? [];
}

/** pushSample appends a value to a metric's samples, making the list of a token metric on first use. */
function pushSample(s: MetricSamples, metric: keyof MetricSamples, v: number): void {
  (s[metric] ??= []).push(v);
}

/** BaselinePhase is one phase of a baseline. */
export interface BaselinePhase {
  name: string;
  /** One value per repetition (per results file). */
  repetitions: MetricSamples;
  /** One value per full second of the phase, all repetitions together (throughput per second, latencies in ms). */
  intervals: MetricSamples;
  /**
   * How many of `intervals` each repetition contributed, in order, per metric (seconds without a response have no
   * latency value). Absent in baselines written before it existed: the per-second values are then one series.
   */
  intervalRuns?: MetricSamples;
  /** Merged latency histogram (compressed base64, µs). */
  histogram: string;
  /**
   * Repetitions left out of a metric's samples because the generator's lag made that figure invalid, with why
   * ("rep-2: p99 1.50 ms, of which up to …"); absent when none was (and in baselines written before it existed).
   */
  dropped?: Partial<Record<keyof MetricSamples, string[]>>;
}

/** Baseline is a saved baseline file. */
export interface Baseline {
  schemaVersion: number;
  kind: 'gauntlet-baseline';
  name: string;
  createdAt: string;
  tool: { name: 'gauntlet'; version: string };
  scenario: string;
  target: { name: string; protocol: string; url: string; model?: string };
  /** The results files it was made from (as given). */
  sources: string[];
  /** The validity rule it was saved by: `effect` (repetitions dropped per metric) or `strict`; absent: strict. */
  validityRule?: 'effect' | 'strict';
  phases: BaselinePhase[];
}

/**
 * stoppedEarly says why a run does not cover its whole plan ("was interrupted at 8.0 s of 30 s", "is still in
 * progress: …"), or undefined for a run that went to its end. Such a run cannot be judged or make a baseline.
 */
export function stoppedEarly(r: ResultsFile): string | undefined {
  const planned = r.plan?.durationS;
  const at = r.measuredS !== undefined && planned !== undefined ? ` at ${r.measuredS.toFixed(1)} s of ${planned.toFixed(planned % 1 ? 1 : 0)} s` : '';
  if (r.incomplete?.state === 'in-progress') return `is still in progress (${r.incomplete.note})`;
  if (r.incomplete) return `was interrupted: ${r.incomplete.note}`;
  if (r.interrupted || r.status === 'interrupted') return `was interrupted${at}`;
  if (r.status === 'failed') return 'failed before it finished';
  return undefined;
}

/** ranPhase says whether a phase of a run ran at all (phases that never started have nothing to compare). */
export function ranPhase(r: ResultsFile, phase: string): boolean {
  const p = r.phases.find((x) => x.name === phase);
  return p !== undefined && p.state !== 'not-run';
}

/**
 * samplesOf extracts the gated metrics of one phase from a set of results files (repetitions); `keep` leaves a
 * run out of one metric's samples (a figure the generator's lag made invalid).
 */
export function samplesOf(
  runs: ResultsFile[],
  phase: string,
  keep: (run: number, metric: keyof MetricSamples) => boolean = () => true,
): { repetitions: MetricSamples; intervals: MetricSamples; intervalRuns: MetricSamples; histogram: string } {
  const empty = (): MetricSamples => ({ throughput: [], p50: [], p95: [], p99: [], error_rate: [] });
  const repetitions = empty();
  const intervals = empty();
  const intervalRuns = empty();
  const merged = newHistogram();
  runs.forEach((r, run) => {
    const p = r.phases.find((x) => x.name === phase);
    if (!p || p.state === 'not-run') return;
    const values: MetricSamples = { throughput: [p.throughputRps], p50: [p.latencyUs.p50 / 1000], p95: [p.latencyUs.p95 / 1000], p99: [p.latencyUs.p99 / 1000], error_rate: [p.errorRate] };
    const t = p.tokens;
    if (t && t.requests > 0) {
      if (t.ttftUs.count > 0) values.ttft_p99 = [t.ttftUs.p99 / 1000];
      if (t.itlUs.count > 0) values.itl_p99 = [t.itlUs.p99 / 1000];
      values.output_tokens_per_s = [t.outputTokensPerS];
      values.goodput = [t.goodput.fraction];
    }
    const kept = new Set(ALL_SAMPLE_KEYS.filter((m) => keep(run, m)));
    for (const m of kept) if (values[m]?.length) pushSample(repetitions, m, values[m][0]!);
    if (p.histogram) merged.add(decodeHistogram(p.histogram));
    // Full seconds only: the first and last second of a phase are partial.
    const seconds = empty();
    for (const row of r.intervals.filter((i) => i.phase === phase).slice(1, -1)) {
      const failed = Object.values(row.errors).reduce((n, v) => n + v, 0);
      const due = row.sentRps + (row.errors['DROPPED'] ?? 0);
      seconds.throughput.push(row.okRps);
      if (row.latencyUs.count > 0) {
        seconds.p50.push(row.latencyUs.p50 / 1000);
        seconds.p95.push(row.latencyUs.p95 / 1000);
        seconds.p99.push(row.latencyUs.p99 / 1000);
      }
      seconds.error_rate.push(due > 0 ? failed / due : 0);
      tokenSeconds(row, failed, seconds);
    }
    for (const m of ALL_SAMPLE_KEYS) {
      if (!kept.has(m) || (!SAMPLE_KEYS.includes(m) && !values[m])) continue;
      for (const v of samplesFor(seconds, m)) pushSample(intervals, m, v);
      pushSample(intervalRuns, m, samplesFor(seconds, m).length);
    }
  });
  return { repetitions, intervals, intervalRuns, histogram: encodeHistogram(merged) };
}

/**
 * makeBaseline builds a baseline from one or more results files of the same scenario. A run still in progress is
 * always refused. By the effect rule (the default), a run whose measurement is invalid as a whole (a phase that
 * could not send its plan, an unreachable target, lost requests) or that was interrupted (or whose writer died)
 * is refused unless `allowInvalid` (the baseline then holds only the phases it ran), and a repetition whose figure
 * the generator's lag made invalid is left out of that metric's samples alone, with a note (`dropped`): a metric
 * left with too few samples is UNKNOWN at the gate, not a refused baseline. By the strict rule, a run over 1 % of
 * sends late is refused as a whole, unless `allowInvalid` (which then keeps every figure as measured).
 */
export function makeBaseline(name: string, files: string[], allowInvalid = false, rule: ValidityRule = 'effect'): Baseline {
  if (files.length === 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'name at least one results.json');
  const runs = files.map((f) => readResults(f));
  const first = runs[0]!;
  const problems = runs.flatMap((r, i) => (r.scenario.name !== first.scenario.name ? [`${files[i]}: scenario '${r.scenario.name}', expected '${first.scenario.name}'`] : []));
  const invalid = runs.flatMap((r, i) => {
    const early = stoppedEarly(r);
    if (r.incomplete?.state === 'in-progress') return [`${files[i]}: the run ${early}; wait for it to finish`];
    if (allowInvalid) return [];
    if (early) return [`${files[i]}: the run ${early}, so it does not cover its plan; --allow-invalid uses the phases it ran anyway`];
    const reasons = invalidReasonsBy(r, rule);
    return reasons.length ? [`${files[i]}: the measurement is invalid (${reasons.join('; ')}); --allow-invalid uses it anyway`] : [];
  });
  if (problems.length || invalid.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'these results cannot make one baseline', [...problems, ...invalid]);
  const target: Baseline['target'] = { name: first.target.name, protocol: first.target.protocol, url: first.target.url };
  if (first.target.model !== undefined) target.model = first.target.model;
  const phases = first.phases.filter((p) => runs.some((r) => ranPhase(r, p.name))).map((p): BaselinePhase => {
    const dropped: Partial<Record<keyof MetricSamples, string[]>> = {};
    const keep = (run: number, m: keyof MetricSamples): boolean => {
      if (rule === 'strict') return true;
      const v = metricValidity(runs[run]!, p.name, m);
      if (v?.status !== 'invalid') return true;
      (dropped[m] ??= []).push(`${runLabel(files[run], run)}: ${v.reason}`);
      return false;
    };
    const samples = samplesOf(runs, p.name, keep);
    return { name: p.name, ...samples, ...(Object.keys(dropped).length > 0 && { dropped }) };
  });
  return {
    schemaVersion: BASELINE_SCHEMA_VERSION,
    kind: 'gauntlet-baseline',
    name,
    createdAt: new Date().toISOString(),
    tool: { name: 'gauntlet', version: packageVersion() },
    scenario: first.scenario.name,
    target,
    sources: files,
    validityRule: rule,
    phases,
  };
}

/** writeBaseline saves a baseline (creating its folder) and returns the path. */
export function writeBaseline(baseline: Baseline, file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(baseline, null, 1)}\n`);
  return file;
}

/** readBaseline reads and checks a baseline file. */
export function readBaseline(file: string): Baseline {
  let doc: Baseline;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Baseline;
  } catch (err) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `cannot read baseline ${file}: ${(err as Error).message}`);
  }
  if (doc?.kind !== 'gauntlet-baseline' || !Array.isArray(doc.phases)) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} is not a gauntlet baseline`);
  if (doc.schemaVersion !== BASELINE_SCHEMA_VERSION) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} has baseline schemaVersion ${doc.schemaVersion}; this gauntlet reads ${BASELINE_SCHEMA_VERSION}`);
  }
  const problems = baselineProblems(doc);
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} is not a gauntlet baseline`, problems);
  return doc;
}

const SAMPLE_KEYS: (keyof MetricSamples)[] = ['throughput', 'p50', 'p95', 'p99', 'error_rate'];
const ALL_SAMPLE_KEYS: (keyof MetricSamples)[] = [...SAMPLE_KEYS, ...TOKEN_SAMPLE_KEYS];

/**
 * tokenSeconds adds a second's token samples: TTFT and ITL p99 (ms) of the second's responses, its output tokens
 * (per second), and goodput as the share of the requests that got an outcome in it (good ÷ (ok + failed), drops
 * included), which, like the other counts of a second, go by completion.
 */
function tokenSeconds(row: ResultsFile['intervals'][number], failed: number, seconds: MetricSamples): void {
  const t = row.tokens;
  if (!t) return;
  if (t.requests > 0) {
    pushSample(seconds, 'ttft_p99', t.ttftUs.p99 / 1000);
    if (t.itlUs.max > 0) pushSample(seconds, 'itl_p99', t.itlUs.p99 / 1000);
  }
  pushSample(seconds, 'output_tokens_per_s', t.outputTokens);
  const done = row.okRps + failed;
  if (done > 0) pushSample(seconds, 'goodput', t.good / done);
}

/** baselineProblems checks what the gate reads of each phase (at most 10 problems, with their paths). */
function baselineProblems(doc: Baseline): string[] {
  const out: string[] = [];
  const samples = (v: unknown, where: string, optional = false): void => {
    if (optional && v === undefined) return;
    if (typeof v !== 'object' || v === null) return void out.push(`${where}: must be an object`);
    for (const k of ALL_SAMPLE_KEYS) {
      const list = (v as Record<string, unknown>)[k];
      if (list === undefined && !SAMPLE_KEYS.includes(k)) continue;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'number' && Number.isFinite(x))) out.push(`${where}.${k}: must be a list of finite numbers`);
    }
  };
  if (typeof doc.scenario !== 'string') out.push('scenario: must be a string');
  doc.phases.forEach((p, i) => {
    if (typeof p !== 'object' || p === null) return void out.push(`phases[${i}]: must be an object`);
    if (typeof p.name !== 'string') out.push(`phases[${i}].name: must be a string`);
    if (typeof p.histogram !== 'string') out.push(`phases[${i}].histogram: must be a string`);
    samples(p.repetitions, `phases[${i}].repetitions`);
    samples(p.intervals, `phases[${i}].intervals`);
    samples(p.intervalRuns, `phases[${i}].intervalRuns`, true);
    if (p.dropped !== undefined && (typeof p.dropped !== 'object' || p.dropped === null || !Object.values(p.dropped).every((l) => Array.isArray(l) && l.every((x) => typeof x === 'string')))) {
      out.push(`phases[${i}].dropped: must map metrics to lists of strings`);
    }
  });
  return out.length > 10 ? [...out.slice(0, 10), `…and ${out.length - 10} more`] : out;
}
