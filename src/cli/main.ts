#!/usr/bin/env node
/**
 * The gauntlet command line. This is the only place that turns errors into exit codes:
 * 0 success, 1 SLO violated, 2 invalid input, 3 measurement invalid or target unreachable, 4 internal error.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitCodeOf, GauntletError } from '../errors.js';
import type { AlertsArgs } from './alerts-command.js';
import type { GateArgs, SaveArgs } from './gate-command.js';
import type { MergeArgs } from './merge-command.js';
import type { CharacterizeArgs } from './characterize-command.js';
import type { BuildArgs } from './models.js';
import type { ProfileArgs } from './profile-command.js';
import type { ReportArgs } from './report-command.js';
import type { RunArgs } from './run-command.js';
import type { K8sRenderArgs, K8sStackArgs } from './k8s-command.js';
import type { ServeArgs } from './serve.js';
import type { SweepArgs } from './sweep-command.js';
import { packageVersion } from '../util/package-version.js';

const EPILOG = `Exit codes:
  0  success (run valid and SLOs met)
  1  SLO violated
  2  invalid input (every problem is listed with its path)
  3  measurement invalid or target unreachable
  4  internal error`;

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** NO_COMMAND are the messages of a command line that names no command (or no action of `baseline`, `models`). */
const NO_COMMAND = ['name a command', 'name an action: save', 'name an action: build', 'name an action: render, render-stack'];
/** TOP_USAGE is the first line of the top-level usage: a mistake at that level is answered with the commands. */
const TOP_USAGE = 'gauntlet <command> [options]';

/** main parses argv, runs the command and returns its exit code; usage and errors go to stderr. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  /*
   * Only the named command's module is imported (its options and its work): the others would pull in most of the
   * tree (the server, gRPC, ONNX Runtime, the report) and a start of `gauntlet gate` would pay for all of them.
   * A command that is not named never has its builder or handler called, so they are left undefined.
   */
  const named = argv.find((a) => !a.startsWith('-'));
  const load = async <T>(command: string, importer: () => Promise<T>): Promise<T | undefined> => (named === command ? importer() : undefined);
  const runCmd = await load('run', () => import('./run-command.js'));
  const sweepCmd = await load('sweep', () => import('./sweep-command.js'));
  const gateCmd = (await load('baseline', () => import('./gate-command.js'))) ?? (await load('gate', () => import('./gate-command.js')));
  const reportCmd = await load('report', () => import('./report-command.js'));
  const mergeCmd = await load('merge', () => import('./merge-command.js'));
  const profileCmd = await load('profile', () => import('./profile-command.js'));
  const characterizeCmd = await load('characterize', () => import('./characterize-command.js'));
  const serveCmd = await load('serve', () => import('./serve.js'));
  const modelsCmd = await load('models', () => import('./models.js'));
  const k8sCmd = await load('k8s', () => import('./k8s-command.js'));
  const alertsCmd = await load('alerts', () => import('./alerts-command.js'));
  // Set when yargs itself refuses the command line (not when a command fails): what to print after the error.
  let usage: string | undefined;
  // yargs drops a lone `-` (stdin, for characterize): it travels under a name no file can have.
  const cli = yargs(characterizeCmd ? argv.map((a) => (a === '-' ? characterizeCmd.STDIN_ARG : a)) : k8sCmd ? k8sCmd.stdoutArgs(argv) : argv)
    .scriptName('gauntlet')
    .usage(TOP_USAGE.replace('gauntlet', '$0'))
    .command('run <scenario>', 'Run a scenario (open-loop load, HDR latency, SLO verdict) against a target or the embedded reference server', runCmd?.runOptions ?? {}, async (args) => {
      code = await runCmd!.runRun(args as unknown as RunArgs, print);
    })
    .command('sweep <file>', 'Run a scenario against every combination of server configurations (the reference server\'s, or your own server\'s through a config template, a restart or model reload and a readiness probe) or targets, and recommend one', sweepCmd?.sweepOptions ?? {}, async (args) => {
      code = await sweepCmd!.runSweepCommand(args as unknown as SweepArgs, print);
    })
    .command('baseline', 'Manage regression baselines', (y) =>
      y
        .command('save <results..>', 'Save a baseline from results.json files (repetitions) of one scenario', gateCmd?.saveOptions ?? {}, (args) => {
          code = gateCmd!.runSave(args as unknown as SaveArgs, print);
        })
        .demandCommand(1, 'name an action: save'),
    )
    .command('gate <results..>', 'Compare results with a baseline: per-metric verdicts and SLO checks (exit 1 on regression)', gateCmd?.gateOptions ?? {}, (args) => {
      code = gateCmd!.runGate(args as unknown as GateArgs, print);
    })
    .command('merge <shards..>', 'Merge the results of a sharded run (gauntlet run --shard I/N) into one results.json and latency.hlog: histograms added exactly, counts summed, validity, SLOs and drills judged again', mergeCmd?.mergeOptions ?? {}, (args) => {
      code = mergeCmd!.runMerge(args as unknown as MergeArgs, print);
    })
    .command('report <inputs..>', 'Make a report (self-contained HTML with charts, Markdown, CSV, JUnit) from results, run or sweep folders and baselines; several runs are compared', reportCmd?.reportOptions ?? {}, (args) => {
      code = reportCmd!.runReport(args as unknown as ReportArgs, print);
    })
    .command('profile <model>', 'Profile a model in-process (no server): latency, throughput, memory and accuracy vs fp32 for each batch size × precision on one execution provider, with a recommendation; writes profile.json', profileCmd?.profileOptions ?? {}, async (args) => {
      code = await profileCmd!.runProfileCommand(args as unknown as ProfileArgs, print);
    })
    .command('characterize <logs..>', 'Characterize production traffic from access logs (nginx, Envoy, JSONL, CSV, the reference server\'s): rates, peaks, bursts, arrivals, latency against load, sizes, errors and SLOs; writes characterization.json, a scenario with the 2x/5x and burst drills, and a replayable trace', characterizeCmd?.characterizeOptions ?? {}, async (args) => {
      code = await characterizeCmd!.runCharacterize(args as unknown as CharacterizeArgs, print);
    })
    .command('alerts <source>', 'Write Prometheus alerting rules (p99, errors, shedding, queue depth, replicas, GPU floor and ceiling) from a scenario\'s SLOs or a baseline\'s measured figures, each with its for:, severity and reasoning', alertsCmd?.alertsOptions ?? {}, async (args) => {
      code = await alertsCmd!.runAlerts(args as unknown as AlertsArgs, print);
    })
    .command('serve', 'Run the reference KServe v2 server (HTTP, gRPC, metrics) on ONNX Runtime', serveCmd?.serveOptions ?? {}, async (args) => {
      code = await serveCmd!.runServe(args as unknown as ServeArgs, print);
    })
    .command('models', 'Manage the bundled model repository', (y) =>
      y.command('build', 'Build the bundled models (mlp, encoder, cnn × fp32/fp16/int8/int4)', modelsCmd?.buildOptions ?? {}, async (args) => {
        code = await modelsCmd!.runBuild(args as unknown as BuildArgs, print);
      }).demandCommand(1, 'name an action: build'),
    )
    .command('k8s', 'Render Kubernetes manifests: a sharded run as an Indexed Job with a merge Job, or the reference stack (docs/kubernetes.md)', (y) =>
      y
        .command('render <scenario>', 'A sharded run: ConfigMap of the scenario\'s files, results volume, Indexed load Job (one pod a shard, one start time) and merge Job', k8sCmd?.renderOptions ?? {}, async (args) => {
          code = await k8sCmd!.runRender(args as unknown as K8sRenderArgs, print);
        })
        .command('render-stack', 'The reference stack: Deployment, Service, PodDisruptionBudget, ServiceMonitor, HPA on queue depth (and a KEDA ScaledObject instead)', k8sCmd?.stackOptions ?? {}, (args) => {
          code = k8sCmd!.runRenderStack(args as unknown as K8sStackArgs, print);
        })
        .demandCommand(1, 'name an action: render, render-stack'),
    )
    .demandCommand(1, 'name a command')
    .strict()
    .epilog(EPILOG)
    .help()
    .version(packageVersion())
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err, y) => {
      if (!err) {
        // A command line yargs cannot take: no command at all gets the whole usage (the commands, or the actions
        // of `baseline` and `models`); any other mistake its command's usage line.
        y.showHelp((help: string) => {
          const first = help.split('\n')[0] ?? '';
          usage = NO_COMMAND.includes(msg) || first === TOP_USAGE ? help : `usage: ${first} (--help lists the options)`;
        });
      }
      throw err ?? new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', msg);
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    report(err);
    if (usage) process.stderr.write(`\n${usage}\n`);
    return exitCodeOf(err);
  }
  return code;
}

function report(err: unknown): void {
  if (err instanceof GauntletError) {
    process.stderr.write(`gauntlet: ${err.message} [${err.code}]\n`);
    for (const d of err.details) process.stderr.write(`  ${d}\n`);
  } else {
    process.stderr.write(`gauntlet: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
}

// A reader that stops early (`gauntlet report … --out - | head`) closes the pipe: what is left to print has nobody
// to read it, which is no error of the command's (a run goes on to write its results and reports).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    report(err);
    process.exitCode = 4;
  },
);
