/**
 * `gauntlet baseline save` and `gauntlet gate`: store a baseline from results files, and compare later results
 * with it. The gate exits 1 on a regression or a failed SLO check (and on UNKNOWN with --unknown fail), 3 when the
 * candidate cannot be judged (invalid as a whole, its run did not go to its end, or the generator's lag could
 * explain what changed), 0 otherwise (GATE_EPILOG); it can write JUnit XML and a Markdown summary for CI.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { makeBaseline, readBaseline, writeBaseline } from '../compare/baseline.js';
import { DEFAULT_MIN_EFFECT, type GatedMetric, GATED_METRICS, type GateOptions, type GateReport, gateFiles, MIN_REPETITIONS } from '../compare/gate.js';
import { gateExitCode, gateHeadline } from '../compare/gate-headline.js';
import { GauntletError } from '../errors.js';
import { valueText } from '../report/gate-view.js';
import { gateJunit } from '../report/junit.js';
import { gateMarkdown } from '../report/gate-markdown.js';
import { expandResults } from './results-paths.js';

export { gateExitCode } from '../compare/gate-headline.js';
export { resultsPath } from './results-paths.js';

/** BASELINE_DIR is where baselines are saved by default, to be committed. */
export const BASELINE_DIR = path.join('reports', 'baselines');

/** SaveArgs are the options of `gauntlet baseline save`. */
export interface SaveArgs {
  results: string[];
  name?: string;
  out?: string;
  allowInvalid: boolean;
  strictValidity?: boolean;
}

/** GateFlags are the gate's options, shared by `gauntlet gate` and `gauntlet run --gate`. */
export interface GateFlags {
  unknown: 'fail' | 'pass';
  minEffect?: string[];
  samples: 'auto' | 'repetitions' | 'intervals';
  junit?: string;
  markdown?: string;
  markdownMode?: 'append' | 'replace';
  allowInvalid: boolean;
  strictValidity?: boolean;
}

/** GateArgs are the options of `gauntlet gate`. */
export interface GateArgs extends GateFlags {
  results: string[];
  baseline: string;
  json: boolean;
}

/** STRICT_VALIDITY declares --strict-validity, the same for run, gate and baseline save. */
export const STRICT_VALIDITY = {
  type: 'boolean',
  default: false,
  describe: 'Judge validity by the strict rule: more than 1 % of sends over 1 ms late (after the first second) makes a whole run invalid, whatever it measured (default: each figure by what the generator\'s lag could do to it, docs/results.md)',
} as const;

/**
 * GATE_FLAGS declares GateFlags once, for `gate` and `run --gate` alike (they drifted apart before: `run --gate`
 * rejected --min-effect, --samples and --allow-invalid). The descriptions hold for both commands.
 */
export const GATE_FLAGS = {
  unknown: { choices: ['fail', 'pass'] as const, default: 'pass' as const, describe: 'Whether an UNKNOWN verdict fails the gate' },
  'min-effect': { type: 'string', array: true, describe: `Smallest change that counts, e.g. p99=0.1 (defaults: ${GATED_METRICS.map((m) => `${m}=${DEFAULT_MIN_EFFECT[m]}`).join(', ')})` },
  samples: { choices: ['auto', 'repetitions', 'intervals'] as const, default: 'auto' as const, describe: 'Compare per-repetition values, per-second values (design effect for runs and neighbouring seconds), or auto: per-second values when the baseline keeps its runs and phases last over a second, else repetitions when both sides have 6+' },
  junit: { type: 'string', describe: 'Write JUnit XML here (replaced)' },
  markdown: { type: 'string', describe: 'Write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY); appended by default, see --markdown-mode' },
  'markdown-mode': { choices: ['append', 'replace'] as const, default: 'append' as const, describe: 'append to the --markdown file (a CI step summary collects every step\'s) or replace it' },
  'allow-invalid': { type: 'boolean', default: false, describe: 'Judge instead of exiting 3: a candidate invalid as a whole is a warning, what the generator\'s lag leaves undecided is UNKNOWN; an interrupted or unfinished run still exits 3' },
  'strict-validity': STRICT_VALIDITY,
} as const;

/** GATE_EPILOG documents a gate's exit codes. */
export const GATE_EPILOG = `Exit codes of a gate:
  0  nothing regressed; every SLO check of the candidate passed (UNKNOWN passes without --unknown fail)
  1  a metric REGRESSED (more than the generator's lag could explain), an SLO check of the candidate
     failed, or UNKNOWN with --unknown fail; the first line says which
  2  invalid input (every problem is listed)
  3  cannot judge: a candidate invalid as a whole (plan not sent, target unreachable, lost requests;
     with --strict-validity also over 1 % of sends late), a run that did not finish, or a change or
     failed check the generator's lag could explain (--allow-invalid judges those anyway)
  4  internal error`;

/** saveOptions declares the options of `gauntlet baseline save`. */
export function saveOptions(y: Argv): Argv<SaveArgs> {
  return y
    .positional('results', { type: 'string', array: true, demandOption: true, describe: 'results.json files (repetitions of one scenario), run folders, or the folder of a run --repeat (its rep-1 … rep-N)' })
    .option('name', { type: 'string', describe: 'Baseline name (default: the scenario name)' })
    .option('out', { type: 'string', describe: `File to write (default ${BASELINE_DIR}/<name>.json)` })
    .option('allow-invalid', { type: 'boolean', default: false, describe: 'Use runs invalid as a whole (e.g. a phase that could not send its plan), or that were interrupted (only the phases they ran); a run still in progress is always refused. Repetitions whose figure the generator\'s lag made invalid are left out of that metric alone, with or without it' })
    .option('strict-validity', STRICT_VALIDITY)
    .epilog('Exit codes: 0 saved (metrics left with few valid repetitions are named), 2 the results cannot make a baseline (every problem is listed), 4 internal error.') as unknown as Argv<SaveArgs>;
}

/** gateOptions declares the options of `gauntlet gate`. */
export function gateOptions(y: Argv): Argv<GateArgs> {
  return y
    .positional('results', { type: 'string', array: true, demandOption: true, describe: 'Candidate results.json files, run folders, or the folder of a run --repeat (its rep-1 … rep-N)' })
    .option('baseline', { type: 'string', demandOption: true, describe: 'Baseline file (from gauntlet baseline save)' })
    .options(GATE_FLAGS)
    .option('json', { type: 'boolean', default: false, describe: 'Print the gate report as JSON' })
    .epilog(GATE_EPILOG) as unknown as Argv<GateArgs>;
}

/** gateOptionsOf turns parsed gate flags into GateOptions (the same for `gate` and `run --gate`). */
export function gateOptionsOf(args: GateFlags): GateOptions {
  return { unknown: args.unknown, samples: args.samples, minEffect: parseMinEffect(args.minEffect), allowInvalid: args.allowInvalid, strictValidity: args.strictValidity === true };
}

/** runSave writes a baseline and prints where, and which metrics lost repetitions to the generator's lag. */
export function runSave(args: SaveArgs, print: (l: string) => void): number {
  const files = expandResults(args.results);
  const probe = makeBaseline(args.name ?? 'baseline', files, args.allowInvalid, args.strictValidity ? 'strict' : 'effect');
  const name = args.name ?? probe.scenario;
  const baseline = { ...probe, name };
  const file = writeBaseline(baseline, args.out ?? path.join(BASELINE_DIR, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`));
  print(`baseline '${name}' from ${files.length} run(s) of '${baseline.scenario}', ${baseline.phases.length} phase(s): ${file}`);
  for (const p of baseline.phases) {
    for (const [metric, notes] of Object.entries(p.dropped ?? {})) {
      const kept = p.repetitions[metric as GatedMetric]?.length ?? 0;
      const few = kept === 0 ? ': the gate will say UNKNOWN for it' : kept < MIN_REPETITIONS ? ` (the gate compares it per second, or says UNKNOWN below 3 values)` : '';
      print(`  ${p.name} ${metric}: ${notes.length} repetition(s) left out, ${kept} kept${few}`);
      for (const n of notes) print(`    ${n}`);
    }
  }
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
    else if (!(value >= 0 && value <= 100)) problems.push(`--min-effect ${pair}: must be a number from 0 to 100`);
    else out[k as GatedMetric] = value;
  }
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'invalid --min-effect', problems);
  return out;
}

/** runGate gates the results and returns the exit code. */
export function runGate(args: GateArgs, print: (l: string) => void): number {
  const opts = gateOptionsOf(args);
  const baseline = readBaseline(args.baseline);
  const report = gateFiles(baseline, baseline.name, expandResults(args.results), opts);
  writeOutputs(report, args);
  if (args.json) print(JSON.stringify(report));
  else for (const line of formatGate(report)) print(line);
  return gateExitCode(report);
}

/** writeOutputs writes the JUnit file (replaced) and the Markdown summary (appended, or replaced with markdownMode). */
export function writeOutputs(report: GateReport, args: { junit?: string; markdown?: string; markdownMode?: 'append' | 'replace' }): void {
  if (args.junit) writeFileSync(args.junit, gateJunit(report));
  if (args.markdown) writeFileSync(args.markdown, gateMarkdown(report), { flag: args.markdownMode === 'replace' ? 'w' : 'a' });
}

/** formatGate renders a gate report for the terminal: the headline (what failed, and what it means) first. */
export function formatGate(r: GateReport): string[] {
  const h = gateHeadline(r);
  const out = [`gate '${r.scenario}' against baseline '${r.baseline}': ${h.status} — ${h.summary}`];
  for (const m of h.meaning) out.push(`  ${m}`);
  for (const reason of r.invalid) out.push(`  invalid: ${reason}`);
  for (const u of r.undecided) out.push(`  undecided: ${u}`);
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  for (const c of r.checks) {
    if (c.kind === 'slo' && c.notRun) out.push(`  -    ${c.phase} SLO ${c.metric}: not run (the phase did not run; threshold ${valueText(c.metric, c.threshold, c.unit)})`);
    else if (c.kind === 'slo') {
      const mark = c.inDoubt && c.pass ? '??  ' : c.pass ? 'ok  ' : 'FAIL';
      out.push(`  ${mark} ${c.phase} SLO ${c.metric}: ${c.actual === null ? 'n/a' : valueText(c.metric, c.actual, c.unit)} (threshold ${valueText(c.metric, c.threshold, c.unit)})${c.partial ? ' (partial phase)' : ''}${c.baselineFails ? ' (the baseline fails it too)' : ''}`);
      if (c.inDoubt) out.push(`         the generator's lag could explain it: ${c.inDoubt}`);
    } else {
      out.push(`  ${c.pass ? (c.undecided ? '??  ' : 'ok  ') : 'FAIL'} ${c.phase} ${c.metric}: ${c.verdict} (${c.source === 'intervals' ? 'per second' : 'per run'}) — ${c.reason}`);
      for (const n of c.notes ?? []) out.push(`         note: ${n}`);
    }
  }
  out.push(`  ${r.counts.regressed} regressed, ${r.counts.improved} improved, ${r.counts.same} same, ${r.counts.unknown} unknown, ${r.counts.sloFailed} SLO check(s) failed${r.counts.undecided ? `, ${r.counts.undecided} undecided (the generator's lag)` : ''}`);
  out.push(`  validity: ${r.rule === 'strict' ? 'strict rule (over 1 % of sends more than 1 ms late invalidates a run)' : "per metric, by what the generator's lag could add (--strict-validity for the 1 % rule)"}`);
  return out;
}
