/**
 * `gauntlet run SCENARIO`: validate the scenario (exit 2 listing every problem), optionally print the plan
 * (--dry-run), run it, print the summary, and exit 0 (valid, SLO met), 1 (SLO violated) or 3 (measurement
 * invalid, interrupted, or target unreachable).
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { readBaseline } from '../compare/baseline.js';
import { gate, type GateReport } from '../compare/gate.js';
import { GauntletError } from '../errors.js';
import { RATE_PER_WORKER } from '../load/load-pool.js';
import { writeFolderReports, writeRepeatReports } from '../report/write-reports.js';
import { InterruptedError } from '../run/abort.js';
import { defaultRunDir, type RunOutcome, runPlan } from '../run/run.js';
import { formatGate, GATE_EPILOG, GATE_FLAGS, type GateFlags, gateExitCode, gateOptionsOf, parseMinEffect, writeOutputs } from './gate-command.js';
import { describePlan } from '../scenario/describe-plan.js';
import { DURATION_SCALE, MAX_WORKERS } from '../scenario/limits.js';
import { checkDurationScale, loadScenario } from '../scenario/parse-scenario.js';
import { progressPrinter } from './progress.js';
import { formatSummary } from './summary.js';
import { withInterrupt } from './interrupt.js';
import { describeShard } from '../scenario/describe-shard.js';
import { shardOf } from './shard-args.js';

/** MAX_REPEAT bounds --repeat. */
export const MAX_REPEAT = 1000;

/** RunArgs are the parsed options of `gauntlet run` (the gate's options are GateFlags, used with --gate). */
export interface RunArgs extends GateFlags {
  scenario: string;
  target?: string;
  out?: string;
  durationScale: number;
  workers?: number;
  json: boolean;
  dryRun: boolean;
  exitZero: boolean;
  repeat: number;
  gate?: string;
  shard?: string;
  shards?: number;
  startAt?: string;
}

/** runOptions declares the arguments of `gauntlet run`. */
export function runOptions(y: Argv): Argv<RunArgs> {
  return y
    .positional('scenario', { type: 'string', describe: 'Scenario file (YAML)', demandOption: true })
    .option('target', { type: 'string', describe: "Target file (YAML); overrides the scenario's target" })
    .option('out', { type: 'string', describe: 'Folder for results.json and latency.hlog (default reports/runs/<UTC time>-<name>/)' })
    .option('duration-scale', { type: 'number', default: 1, describe: `Multiply every duration by this factor (e.g. 0.1 for a quick check; ${DURATION_SCALE.min} to ${DURATION_SCALE.max})` })
    .option('workers', { type: 'number', describe: `Load-generator worker threads, 1 to ${MAX_WORKERS} (default: one per ${RATE_PER_WORKER} rps of the peak rate, at most the cores, one core left to the embedded server)` })
    .option('json', { type: 'boolean', default: false, describe: 'Print results.json to stdout (human output goes to stderr)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Validate and print the plan, send nothing' })
    .option('exit-zero', { type: 'boolean', default: false, describe: 'Exit 0 once the run has finished and written its results, whatever the verdict (demos, exploration)' })
    .option('repeat', { type: 'number', default: 1, describe: `Run the scenario N times, 1 to ${MAX_REPEAT} (folders rep-1 … rep-N); a gate then compares every repetition` })
    .option('gate', { type: 'string', describe: 'Baseline file to gate the results against (exit 1 on a regression)' })
    .option('shard', { type: 'string', describe: 'Run shard I of N (I/N, I 0-based, e.g. 0/3): its share of every phase, from the common start (docs/sharding.md)' })
    .option('shards', { type: 'number', describe: 'N shards, the index I from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); or GAUNTLET_SHARDS=N' })
    .option('start-at', { type: 'string', describe: "The shards' common start: ISO 8601 with a zone, or epoch ms (overrides the scenario's start_at)" })
    .group(['shard', 'shards', 'start-at'], 'Sharded runs (docs/sharding.md):')
    .options(GATE_FLAGS)
    .group(['gate', ...Object.keys(GATE_FLAGS).filter((k) => k !== 'strict-validity')], 'Gate (as in gauntlet gate; the options need --gate):')
    .epilog(
      'Exit codes: 0 valid and SLOs met, 1 SLO violated, alerting drill failed or a rollout guard failed, 2 invalid input (or alerts: without Prometheus installed), 3 measurement invalid, interrupted, target unreachable or Prometheus not coming up, 4 internal error. ' +
        "Valid: nothing about the measurement as a whole failed, and the generator's lag could not account for more than a quarter of any judged figure nor explain a failed SLO check (--strict-validity: the 1 % / 1 ms rule; docs/results.md).\n\n" +
        `With --gate, the gate's exit code is the run's. ${GATE_EPILOG}\n\n` +
        'Sharded: every shard runs the same scenario against one external target with its own --shard I/N and one common --start-at; ' +
        'constant arrivals are split exactly (shard I sends arrivals k ≡ I mod N), Poisson and gamma run at rate/N with their own streams, trace lines i ≡ I mod N go to shard I, ' +
        'closed-loop concurrency is divided (remainder to the lowest indexes), faults fire on shard 0 (scenario faults_on: all for every shard). ' +
        "Each shard measures its clock against the target's Date header, and records it and its lateness in results.json (shard).\n\n" +
        'Environment: GAUNTLET_REALTIME=0 keeps the sending threads at nice -10 instead of real-time priority (docs/results.md).',
    ) as unknown as Argv<RunArgs>;
}

/**
 * reportLine writes report.html and report.md (from the results files just written) and returns the line that
 * names them; a report that cannot be written is a warning, never a changed verdict.
 */
function reportLine(dir: string, human: (line: string) => void, runs?: string[], gated?: { report: GateReport; code: number }): string | undefined {
  try {
    // A gated --repeat folder keeps the gate's verdict (gate.json) and shows it in its report.
    const files = runs && gated ? writeRepeatReports(dir, runs, gated.report, gated.code) : writeFolderReports(dir, runs);
    return `Report: ${files.html} (open it in a browser; summary for pull requests: ${files.markdown})`;
  } catch (err) {
    human(`warning: could not write the report in ${dir}: ${(err as Error).message}`);
    return undefined;
  }
}

/** checkWorkers throws GAUNTLET_ERR_INVALID_ARGUMENT unless --workers is absent or an integer from 1 to MAX_WORKERS. */
export function checkWorkers(workers: number | undefined): void {
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= MAX_WORKERS)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--workers must be an integer from 1 to ${MAX_WORKERS}, got ${workers}`);
  }
}

/** checkGateFlags refuses gate options without --gate: they would be ignored silently. */
export function checkGateFlags(args: RunArgs): void {
  if (args.gate !== undefined) return;
  const given = [
    args.minEffect?.length ? '--min-effect' : '',
    args.junit !== undefined ? '--junit' : '',
    args.markdown !== undefined ? '--markdown' : '',
    args.allowInvalid ? '--allow-invalid' : '',
    args.unknown === 'fail' ? '--unknown fail' : '',
    args.samples !== undefined && args.samples !== 'auto' ? `--samples ${args.samples}` : '',
    args.markdownMode === 'replace' ? '--markdown-mode replace' : '',
  ].filter(Boolean);
  if (given.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${given.join(', ')} ${given.length === 1 ? 'needs' : 'need'} --gate BASELINE`);
}

/** runRun executes `gauntlet run` and returns the exit code. */
export async function runRun(args: RunArgs, stdout: (line: string) => void): Promise<number> {
  const human = args.json ? (line: string) => process.stderr.write(`${line}\n`) : stdout;
  checkDurationScale(args.durationScale);
  checkWorkers(args.workers);
  if (!(Number.isInteger(args.repeat) && args.repeat >= 1 && args.repeat <= MAX_REPEAT)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--repeat must be an integer from 1 to ${MAX_REPEAT}, got ${args.repeat}`);
  }
  checkGateFlags(args);
  // Read the baseline and the gate's options first: a wrong path or value should fail before minutes of load, not after.
  const baseline = args.gate !== undefined ? readBaseline(args.gate) : undefined;
  parseMinEffect(args.minEffect);
  const opts: { target?: string; durationScale: number } = { durationScale: args.durationScale };
  if (args.target !== undefined) opts.target = args.target;
  // Signals are heard from here on: loading the scenario, starting the server, every stage of every run.
  return withInterrupt(async (signal) => {
    const plan = await loadScenario(args.scenario, opts);
    const shard = shardOf(args, plan, process.env, args.dryRun);
    if (args.dryRun) {
      for (const line of describePlan(plan).split('\n')) human(line);
      if (shard) for (const line of describeShard(plan, shard.spec, { startAtIso: shard.startAtMs !== undefined ? new Date(shard.startAtMs).toISOString() : 'when ready (one shard)', faults: shard.faults })) human(line);
      return 0;
    }
    const root = args.out ?? defaultRunDir(plan.name);
    const outcomes: RunOutcome[] = [];
    let early: InterruptedError | undefined;
    for (let i = 1; i <= args.repeat && !signal.aborted; i++) {
      if (args.repeat > 1) human(`repetition ${i} of ${args.repeat}`);
      const progress = progressPrinter();
      // A log line mid-run (a fault firing) first erases the progress line a terminal shows, or it lands on it.
      const onLine = (l: string): void => {
        progress.clear();
        human(l);
      };
      const runOpts: Parameters<typeof runPlan>[1] = { signal, onLine, onSecond: progress.onSecond };
      runOpts.outDir = args.repeat > 1 ? path.join(root, `rep-${i}`) : root;
      if (args.workers !== undefined) runOpts.workers = args.workers;
      if (args.strictValidity) runOpts.strictValidity = true;
      if (shard) runOpts.shard = shard;
      let outcome: RunOutcome;
      try {
        outcome = await runPlan(plan, runOpts);
      } catch (err) {
        progress.done();
        if (!(err instanceof InterruptedError)) throw err;
        early = err;
        break;
      }
      progress.done();
      const report = reportLine(outcome.dir, human);
      for (const line of formatSummary(outcome.results, outcome.dir)) human(line);
      if (report) human(report);
      if (args.json) process.stdout.write(`${JSON.stringify(outcome.results)}\n`);
      outcomes.push(outcome);
    }
    if (signal.aborted && outcomes.length === 0) {
      human(`INTERRUPTED ${early ? early.message.replace(/^interrupted /, '') : 'before the run started'}: nothing was measured, no results were written`);
      return 3;
    }
    let code = outcomes.reduce((worst, o) => Math.max(worst, o.exitCode), early ? 3 : 0);
    let gated: { report: GateReport; code: number } | undefined;
    if (baseline && outcomes.length && !signal.aborted) {
      const report = gate(baseline, args.gate!, outcomes.map((o) => o.results), outcomes.map((o) => path.join(o.dir, 'results.json')), gateOptionsOf(args));
      writeOutputs(report, args);
      for (const line of formatGate(report)) human(line);
      code = gateExitCode(report);
      gated = { report, code };
    }
    if (outcomes.length > 1) {
      // The repetitions as one run measured several times, in the folder that holds them (with the gate's verdict).
      const report = reportLine(root, human, outcomes.map((o) => o.dir), gated);
      if (report) human(report.replace('Report:', 'Repetitions:'));
    }
    return args.exitZero ? 0 : code;
  });
}
