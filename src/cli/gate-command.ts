/**
 * `gauntlet baseline save` and `gauntlet gate`: store a baseline from results files, and compare later results
 * with it. The gate exits 1 on a regression or a failed SLO check (and on UNKNOWN with --unknown fail), 3 when the
 * candidate's measurement is invalid or its run did not go to its end (interrupted, its writer died, still
 * running), 0 otherwise; it can write JUnit XML and a Markdown summary for CI.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { makeBaseline, readBaseline, writeBaseline } from '../compare/baseline.js';
import { DEFAULT_MIN_EFFECT, type GatedMetric, GATED_METRICS, type GateOptions, type GateReport, gateFiles } from '../compare/gate.js';
import { GauntletError } from '../errors.js';
import { gateJunit } from '../report/junit.js';
import { gateMarkdown } from '../report/gate-markdown.js';

/** BASELINE_DIR is where baselines are saved by default, to be committed. */
export const BASELINE_DIR = path.join('reports', 'baselines');

/** SaveArgs are the options of `gauntlet baseline save`. */
export interface SaveArgs {
  results: string[];
  name?: string;
  out?: string;
  allowInvalid: boolean;
}

/** GateArgs are the options of `gauntlet gate`. */
export interface GateArgs {
  results: string[];
  baseline: string;
  unknown: 'fail' | 'pass';
  minEffect?: string[];
  samples: 'auto' | 'repetitions' | 'intervals';
  junit?: string;
  markdown?: string;
  json: boolean;
  allowInvalid: boolean;
}

/** saveOptions declares the options of `gauntlet baseline save`. */
export function saveOptions(y: Argv): Argv<SaveArgs> {
  return y
    .positional('results', { type: 'string', array: true, demandOption: true, describe: 'results.json files (repetitions of one scenario) or run folders' })
    .option('name', { type: 'string', describe: 'Baseline name (default: the scenario name)' })
    .option('out', { type: 'string', describe: `File to write (default ${BASELINE_DIR}/<name>.json)` })
    .option('allow-invalid', { type: 'boolean', default: false, describe: 'Use runs whose measurement is invalid (e.g. generator lag on a small machine), or that were interrupted (only the phases they ran); a run still in progress is always refused' }) as unknown as Argv<SaveArgs>;
}

/** gateOptions declares the options of `gauntlet gate`. */
export function gateOptions(y: Argv): Argv<GateArgs> {
  return y
    .positional('results', { type: 'string', array: true, demandOption: true, describe: 'Candidate results.json files or run folders (repetitions)' })
    .option('baseline', { type: 'string', demandOption: true, describe: 'Baseline file (from gauntlet baseline save)' })
    .option('unknown', { choices: ['fail', 'pass'] as const, default: 'pass' as const, describe: 'Whether an UNKNOWN verdict fails the gate' })
    .option('min-effect', { type: 'string', array: true, describe: `Smallest change that counts, e.g. p99=0.1 (defaults: ${GATED_METRICS.map((m) => `${m}=${DEFAULT_MIN_EFFECT[m]}`).join(', ')})` })
    .option('samples', { choices: ['auto', 'repetitions', 'intervals'] as const, default: 'auto' as const, describe: 'Compare per-repetition values, per-second values (design effect for runs and neighbouring seconds), or auto: per-second values when the baseline keeps its runs and phases last over a second, else repetitions when both sides have 6+' })
    .option('junit', { type: 'string', describe: 'Write JUnit XML here' })
    .option('markdown', { type: 'string', describe: 'Write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY)' })
    .option('json', { type: 'boolean', default: false, describe: 'Print the gate report as JSON' })
    .option('allow-invalid', { type: 'boolean', default: false, describe: 'Judge candidates whose measurement is invalid (listed as warnings) instead of exiting 3; an interrupted or unfinished run still exits 3' }) as unknown as Argv<GateArgs>;
}

/** resultsPath accepts a results.json or the run folder holding it. */
export function resultsPath(p: string): string {
  return p.endsWith('.json') ? p : path.join(p, 'results.json');
}

/** runSave writes a baseline and prints where. */
export function runSave(args: SaveArgs, print: (l: string) => void): number {
  const files = args.results.map(resultsPath);
  const probe = makeBaseline(args.name ?? 'baseline', files, args.allowInvalid);
  const name = args.name ?? probe.scenario;
  const baseline = { ...probe, name };
  const file = writeBaseline(baseline, args.out ?? path.join(BASELINE_DIR, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`));
  print(`baseline '${name}' from ${files.length} run(s) of '${baseline.scenario}', ${baseline.phases.length} phase(s): ${file}`);
  return 0;
}

/** parseMinEffect reads `metric=value` pairs. */
export function parseMinEffect(pairs: string[] = []): Partial<Record<GatedMetric, number>> {
  const out: Partial<Record<GatedMetric, number>> = {};
  const problems: string[] = [];
  for (const pair of pairs) {
    const [k, v] = pair.split('=');
    const value = Number(v);
    if (!(GATED_METRICS as readonly string[]).includes(k ?? '')) problems.push(`--min-effect ${pair}: unknown metric (known: ${GATED_METRICS.join(', ')})`);
    else if (!(value >= 0)) problems.push(`--min-effect ${pair}: must be a number >= 0`);
    else out[k as GatedMetric] = value;
  }
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'invalid --min-effect', problems);
  return out;
}

/** runGate gates the results and returns the exit code. */
export function runGate(args: GateArgs, print: (l: string) => void): number {
  const baseline = readBaseline(args.baseline);
  const opts: GateOptions = { unknown: args.unknown, samples: args.samples, minEffect: parseMinEffect(args.minEffect), allowInvalid: args.allowInvalid };
  const report = gateFiles(baseline, baseline.name, args.results.map(resultsPath), opts);
  writeOutputs(report, args);
  if (args.json) print(JSON.stringify(report));
  else for (const line of formatGate(report)) print(line);
  return gateExitCode(report);
}

/** writeOutputs writes the JUnit and Markdown files a gate was asked for. */
export function writeOutputs(report: GateReport, args: { junit?: string; markdown?: string }): void {
  if (args.junit) writeFileSync(args.junit, gateJunit(report));
  if (args.markdown) writeFileSync(args.markdown, gateMarkdown(report), { flag: 'a' });
}

/** gateExitCode is 3 for a candidate that cannot be judged (invalid, interrupted, unfinished), 1 for a failed gate, 0 for a passed one. */
export function gateExitCode(report: GateReport): number {
  return report.invalid.length ? 3 : report.pass ? 0 : 1;
}

/** formatGate renders a gate report for the terminal. */
export function formatGate(r: GateReport): string[] {
  const out = [`gate '${r.scenario}' against baseline '${r.baseline}': ${r.pass ? 'PASSED' : r.invalid.length ? 'CANNOT JUDGE' : 'FAILED'}`];
  for (const reason of r.invalid) out.push(`  invalid: ${reason}`);
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  for (const c of r.checks) {
    if (c.kind === 'slo' && c.notRun) out.push(`  -    ${c.phase} SLO ${c.metric}: not run (the phase did not run; threshold ${c.threshold} ${c.unit})`);
    else if (c.kind === 'slo') out.push(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.phase} SLO ${c.metric}: ${c.actual === null ? 'n/a' : +c.actual.toPrecision(4)} ${c.unit} (threshold ${c.threshold})${c.partial ? ' (partial phase)' : ''}`);
    else out.push(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.phase} ${c.metric}: ${c.verdict} — ${c.reason}`);
  }
  out.push(`  ${r.counts.regressed} regressed, ${r.counts.improved} improved, ${r.counts.same} same, ${r.counts.unknown} unknown, ${r.counts.sloFailed} SLO check(s) failed`);
  return out;
}
