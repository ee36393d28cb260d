/**
 * `gauntlet alerts SCENARIO|BASELINE`: Prometheus alerting rules from a scenario's SLOs or a baseline's measured
 * figures, as a plain rule file (stdout, or --out). Exit 0 (written), 2 (bad input: every problem listed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { fromBaseline, fromPlan, type AlertInputs } from '../alerts/alert-inputs.js';
import { type AlertOptions, buildRules, ruleFileText } from '../alerts/alert-rules.js';
import { readBaseline } from '../compare/baseline.js';
import { GauntletError } from '../errors.js';
import { loadScenario } from '../scenario/parse-scenario.js';
import { parseDuration } from '../scenario/units.js';

/** AlertsArgs are the parsed options of `gauntlet alerts`. */
export interface AlertsArgs {
  source: string;
  out?: string;
  for: string;
  ticketFor: string;
  window?: string;
  scrapeInterval: string;
  job?: string;
  minReplicas?: number;
  margin: number;
  phase?: string;
  gpu: boolean;
  gpuFloor: number;
  gpuCeiling: number;
}

/** ALERTS_LIMITS are the ranges of the command's options (durations in seconds). */
export const ALERTS_LIMITS = {
  for: [0, 86_400],
  ticketFor: [0, 7 * 86_400],
  window: [1, 86_400],
  scrapeInterval: [1, 3600],
  minReplicas: [1, 1000],
  margin: [1, 10],
} as const;

/** alertsOptions declares the options of `gauntlet alerts`. */
export function alertsOptions(y: Argv): Argv<AlertsArgs> {
  const L = ALERTS_LIMITS;
  return y
    .positional('source', { type: 'string', describe: 'A scenario (.yaml: its SLOs, peak rate and replicas) or a baseline (.json: one phase\'s measured figures × --margin)' })
    .option('out', { type: 'string', describe: 'Write the rule file here (default: stdout)' })
    .option('for', { type: 'string', default: '2m', describe: `for: of the page rules (latency, errors, shedding, replicas), ${L.for[0]} s to 24 h` })
    .option('ticket-for', { type: 'string', default: '15m', describe: 'for: of the ticket rules (queue depth, GPU floor and ceiling), 0 s to 7 d' })
    .option('window', { type: 'string', describe: 'The rate() window (default 1m or 4 scrape intervals, whichever is longer; at least 2 scrape intervals)' })
    .option('scrape-interval', { type: 'string', default: '15s', describe: 'The scrape interval of the job that reads the server (1 s to 1 h)' })
    .option('job', { type: 'string', describe: 'Select the series of this Prometheus job (job="...") in every rule' })
    .option('min-replicas', { type: 'number', describe: `The fewest ready replicas before the replica rule fires (${L.minReplicas[0]} to ${L.minReplicas[1]}; default the scenario's target.replicas, else 1)` })
    .option('margin', { type: 'number', default: 1.2, describe: `Baseline: thresholds are the measured figures × this (${L.margin[0]} to ${L.margin[1]})` })
    .option('phase', { type: 'string', describe: 'Baseline: the phase whose figures are used (default the one with the most per-second samples)' })
    .option('gpu', { type: 'boolean', default: false, describe: 'Add the GPU utilisation floor and ceiling rules (nv_gpu_utilization)' })
    .option('gpu-floor', { type: 'number', default: 0.2, describe: 'GPU utilisation below this (0 to 1) is a ticket' })
    .option('gpu-ceiling', { type: 'number', default: 0.9, describe: 'GPU utilisation above this (0 to 1) is a ticket' })
    .epilog('Exit codes: 0 written; 2 bad input (every problem listed). docs/alerts.md explains each rule, its threshold, for: and severity.') as unknown as Argv<AlertsArgs>;
}

/** runAlerts validates the options, reads the scenario or baseline and writes the rule file. */
export async function runAlerts(a: AlertsArgs, print: (line: string) => void): Promise<number> {
  const problems: string[] = [];
  const L = ALERTS_LIMITS;
  const seconds = (name: string, v: string, [lo, hi]: readonly [number, number]): number => {
    const d = parseDuration(v);
    if (!d.ok) problems.push(`--${name}: ${d.message}`);
    else if (!(d.value >= lo && d.value <= hi) || Math.round(d.value * 1000) !== d.value * 1000) problems.push(`--${name}: must be whole milliseconds from ${lo} s to ${hi} s, got ${v}`);
    return d.ok ? d.value : lo;
  };
  const scrapeIntervalS = seconds('scrape-interval', a.scrapeInterval, L.scrapeInterval);
  const windowS = a.window === undefined ? Math.max(60, 4 * scrapeIntervalS) : seconds('window', a.window, L.window);
  if (windowS < 2 * scrapeIntervalS) problems.push(`--window: must be at least 2 scrape intervals (${2 * scrapeIntervalS} s), so rate() has two samples, got ${a.window}`);
  const opts: AlertOptions = {
    forS: seconds('for', a.for, L.for),
    ticketForS: seconds('ticket-for', a.ticketFor, L.ticketFor),
    windowS,
    scrapeIntervalS,
    gpu: a.gpu,
    gpuFloor: a.gpuFloor,
    gpuCeiling: a.gpuCeiling,
  };
  if (a.job !== undefined) {
    if (!/^[^"\\\n\r]{1,200}$/.test(a.job)) problems.push(`--job: must be 1 to 200 characters with no quote, backslash or line break, got ${JSON.stringify(a.job)}`);
    opts.job = a.job;
  }
  if (a.minReplicas !== undefined) {
    if (!(Number.isInteger(a.minReplicas) && a.minReplicas >= L.minReplicas[0] && a.minReplicas <= L.minReplicas[1])) problems.push(`--min-replicas: must be a whole number from ${L.minReplicas[0]} to ${L.minReplicas[1]}, got ${a.minReplicas}`);
    opts.minReplicas = a.minReplicas;
  }
  if (!(a.margin >= L.margin[0] && a.margin <= L.margin[1])) problems.push(`--margin: must be a number from ${L.margin[0]} to ${L.margin[1]}, got ${a.margin}`);
  for (const [name, v] of [['gpu-floor', a.gpuFloor], ['gpu-ceiling', a.gpuCeiling]] as const) {
    if (!(v >= 0 && v <= 1)) problems.push(`--${name}: must be a fraction from 0 to 1, got ${v}`);
  }
  if (a.gpuFloor >= a.gpuCeiling) problems.push(`--gpu-floor (${a.gpuFloor}) must be below --gpu-ceiling (${a.gpuCeiling})`);
  const isBaseline = a.source.toLowerCase().endsWith('.json');
  if (!isBaseline && a.phase !== undefined) problems.push('--phase: only a baseline (.json) has phases to choose from');
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'invalid options for gauntlet alerts', problems);
  const inputs = isBaseline ? baselineInputs(a) : fromPlan(await loadScenario(a.source));
  const { file, notes } = buildRules(inputs, opts);
  const text = ruleFileText(file, `gauntlet alerts ${path.basename(a.source)}`);
  const say = a.out === undefined ? (line: string): void => void process.stderr.write(`${line}\n`) : print;
  if (a.out === undefined) process.stdout.write(text);
  else {
    mkdirSync(path.dirname(path.resolve(a.out)), { recursive: true });
    writeFileSync(a.out, text);
  }
  say(`${file.groups[0]!.rules.length} rules (${file.groups[0]!.rules.map((r) => r.alert).join(', ')})${a.out === undefined ? '' : ` written to ${a.out}`}`);
  for (const n of notes) say(`note: ${n}`);
  return 0;
}

function baselineInputs(a: AlertsArgs): AlertInputs {
  const b = readBaseline(a.source);
  if (b.phases.length === 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${a.source} has no phases`);
  if (a.phase !== undefined && !b.phases.some((p) => p.name === a.phase)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--phase: ${a.source} has no phase ${a.phase}`, [`its phases: ${b.phases.map((p) => p.name).join(', ')}`]);
  }
  return fromBaseline(b, a.source, a.margin, a.phase);
}
