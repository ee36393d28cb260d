/**
 * Side by side: several runs (targets, vendors, hardware; or a run and its baseline) at equal load (the phases
 * they share by name, which in one scenario offer the same rate) and at their maximum throughput under the SLO,
 * with the cost per million inferences when a target has a price per hour (results.target.costPerHour).
 */
import type { BaselineInput, RepeatInput, RunInput } from './load-inputs.js';
import { repeatPhases, repeatTitle } from './repeat-view.js';
import { atSlo, type AtSlo, runVerdict } from './run-facts.js';
import { costPerMillion } from '../util/cost.js';
import { type TokenFigures, tokenFigures } from './token-facts.js';

/** Compared is an input a comparison sets beside others: a run, a baseline, or a run's repetitions (their medians). */
export type Compared = RunInput | BaselineInput | RepeatInput;

/** Contender is one input of a comparison. */
export interface Contender {
  label: string;
  kind: 'run' | 'baseline' | 'repeat';
  target: string;
  scenario: string;
  /** Runs: the verdict text; baselines: how many repetitions they hold; repetitions: how many met the SLO, validly. */
  verdict: string;
  valid: boolean;
  /** Runs only. */
  atSlo: AtSlo | null;
  costPerHour: number | null;
  costPerMillion: number | null;
  /** LLM runs: the token figures of the phase at the SLO. */
  tokens?: TokenFigures;
}

/** EqualLoadEntry is one contender's figures in one phase (medians of the repetitions for baselines and repetitions). */
export interface EqualLoadEntry {
  label: string;
  offeredRps: number | null;
  throughputRps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errorRate: number;
  valid: boolean;
  /** LLM runs: the phase's token figures. */
  tokens?: TokenFigures;
}

/** EqualLoadRow is one phase that several contenders ran. */
export interface EqualLoadRow {
  phase: string;
  entries: EqualLoadEntry[];
  /** The offered rates differ by more than 5 %: not the same load after all. */
  loadsDiffer: boolean;
}

/** Comparison is everything the comparison section shows. */
export interface Comparison {
  contenders: Contender[];
  equalLoad: EqualLoadRow[];
  /** Inputs that have a price per hour (none: the cost column is explained instead). */
  priced: number;
  /** Some run has token figures (an LLM target): the tables get their columns. */
  tokens: boolean;
}

/** compare builds the comparison of runs and baselines (in the order given). */
export function compare(inputs: Compared[]): Comparison {
  const contenders = inputs.map((i): Contender => {
    if (i.kind === 'repeat') {
      const first = i.reps[0]!.results;
      const valid = i.missing.length === 0 && i.reps.every((r) => runVerdict(r.results).valid);
      return { label: i.label, kind: 'repeat', target: first.target.name, scenario: first.scenario.name, verdict: repeatTitle(i), valid, atSlo: null, costPerHour: first.target.costPerHour ?? null, costPerMillion: null };
    }
    if (i.kind === 'baseline') {
      const b = i.baseline;
      const reps = b.phases.reduce((m, p) => Math.max(m, p.repetitions.p99.length), 0);
      return { label: i.label, kind: 'baseline', target: b.target.name, scenario: b.scenario, verdict: `baseline of ${reps} repetition${reps === 1 ? '' : 's'}`, valid: true, atSlo: null, costPerHour: null, costPerMillion: null };
    }
    const r = i.results;
    const best = atSlo(r);
    const cost = r.target.costPerHour;
    return {
      label: i.label,
      kind: 'run',
      target: r.target.name,
      scenario: r.scenario.name,
      verdict: runVerdict(r).text,
      valid: runVerdict(r).valid,
      atSlo: best,
      costPerHour: cost ?? null,
      costPerMillion: costPerMillion(cost, best.throughputRps),
      ...withTokens(tokenFigures(r.phases.find((p) => p.name === best.phase))),
    };
  });
  const names: string[] = [];
  for (const i of inputs) for (const p of phasesOf(i)) if (!names.includes(p)) names.push(p);
  const equalLoad = names
    .map((phase) => ({ phase, entries: inputs.flatMap((i) => entryOf(i, phase)) }))
    .filter((row) => row.entries.length > 1)
    .map((row) => {
      const offered = row.entries.flatMap((e) => (e.offeredRps !== null ? [e.offeredRps] : []));
      const loadsDiffer = offered.length > 1 && offered.reduce((a, b) => Math.max(a, b)) > offered.reduce((a, b) => Math.min(a, b)) * 1.05;
      return { ...row, loadsDiffer };
    });
  const tokens = inputs.some((i) => i.kind === 'run' && i.results.phases.some((p) => p.tokens));
  return { contenders, equalLoad, priced: contenders.filter((c) => c.costPerHour !== null).length, tokens };
}

function phasesOf(i: Compared): string[] {
  if (i.kind === 'repeat') return repeatPhases(i).map((p) => p.name);
  return i.kind === 'run' ? i.results.phases.map((p) => p.name) : i.baseline.phases.map((p) => p.name);
}

function entryOf(i: Compared, phase: string): EqualLoadEntry[] {
  if (i.kind === 'repeat') {
    const p = repeatPhases(i).find((x) => x.name === phase);
    const s = p?.spread;
    if (!s?.throughput) return [];
    return [{ label: i.label, offeredRps: s.offered?.median ?? null, throughputRps: s.throughput.median, p50Ms: s.p50?.median ?? null, p99Ms: s.p99?.median ?? null, errorRate: s.errorRate?.median ?? 0, valid: i.reps.every((r) => runVerdict(r.results).valid) }];
  }
  if (i.kind === 'run') {
    const p = i.results.phases.find((x) => x.name === phase);
    // A phase that did not run has no figures to set beside another run's.
    if (!p || p.state === 'not-run') return [];
    const has = p.latencyUs.count > 0;
    return [{ label: i.label, offeredRps: p.offeredRps, throughputRps: p.throughputRps, p50Ms: has ? p.latencyUs.p50 / 1000 : null, p99Ms: has ? p.latencyUs.p99 / 1000 : null, errorRate: p.errorRate, valid: runVerdict(i.results).valid, ...withTokens(tokenFigures(p)) }];
  }
  const p = i.baseline.phases.find((x) => x.name === phase);
  if (!p || p.repetitions.throughput.length === 0) return [];
  const r = p.repetitions;
  return [{ label: i.label, offeredRps: null, throughputRps: median(r.throughput), p50Ms: median(r.p50), p99Ms: median(r.p99), errorRate: median(r.error_rate), valid: true }];
}

/** withTokens adds the token figures to an entry only when there are some, so entries of other runs keep their shape. */
function withTokens(tokens: TokenFigures | undefined): { tokens?: TokenFigures } {
  return tokens ? { tokens } : {};
}

/** median of a non-empty list (the mean of the middle two for even lengths). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
