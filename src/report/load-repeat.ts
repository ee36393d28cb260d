/**
 * The folder `gauntlet run --repeat N` writes, read as one input: its repetitions (rep-1 … rep-N, each a run
 * folder with its results.json) and, when the repetitions were gated against a baseline, the gate's verdict
 * (gate.json: the gate report, as `gauntlet gate --json` prints it). A repetition that left no readable results
 * is listed, not fatal; a gate.json that cannot be read is a warning, never a refused report.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { GateReport } from '../compare/gate.js';
import { GauntletError } from '../errors.js';
import { readResults } from '../results/read-results.js';
import type { RepeatInput, RunInput } from './load-inputs.js';

/** REP_FOLDER matches the folder of one repetition: rep-1, rep-2, … (src/cli/run-command.ts names them). */
export const REP_FOLDER = /^rep-([1-9]\d{0,3})$/;
/** GATE_FILE is the gate's verdict on the repetitions, in the folder that holds them. */
export const GATE_FILE = 'gate.json';
/** MAX_REPETITIONS bounds how many repetitions one folder is read with (`run --repeat` takes at most 1000). */
export const MAX_REPETITIONS = 1000;

/** repFolders lists the repetition folders in `dir` (names), in repetition order; none when it has none. */
export function repFolders(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => REP_FOLDER.test(n) && statSync(path.join(dir, n)).isDirectory())
    .sort((a, b) => Number(REP_FOLDER.exec(a)![1]) - Number(REP_FOLDER.exec(b)![1]));
}

/**
 * loadRepeat reads a repetitions folder: every rep-N in it, or only `reps` (their folders) when given. It throws
 * GAUNTLET_ERR_INVALID_ARGUMENT when no repetition can be read, listing why for each.
 */
export function loadRepeat(dir: string, reps?: string[]): RepeatInput {
  const folders = reps ?? repFolders(dir).map((n) => path.join(dir, n));
  if (folders.length > MAX_REPETITIONS) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${dir}: ${folders.length} repetition folders; a report reads at most ${MAX_REPETITIONS}`);
  const runs: RunInput[] = [];
  const missing: string[] = [];
  for (const folder of folders) {
    const name = path.basename(folder);
    const file = path.join(folder, 'results.json');
    if (!existsSync(file)) {
      missing.push(`${name}: no results.json (the repetition did not start, or was stopped before it wrote any)`);
      continue;
    }
    try {
      runs.push({ kind: 'run', label: name, path: file, results: readResults(file) });
    } catch (err) {
      missing.push(`${name}: ${err instanceof GauntletError ? [err.message, ...err.details].join('; ') : (err as Error).message}`);
    }
  }
  if (runs.length === 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${dir}: no repetition could be read`, missing.length ? missing : ['no rep-N folder']);
  const input: RepeatInput = { kind: 'repeat', label: '', dir, reps: runs, missing };
  const gateFile = path.join(dir, GATE_FILE);
  if (existsSync(gateFile)) {
    const read = readGate(gateFile);
    if (read.gate) input.gate = read.gate;
    else input.gateProblem = read.problem;
  }
  return input;
}

/** readGate reads a gate.json, checking the parts a report shows; a problem is returned, not thrown. */
export function readGate(file: string): { gate?: GateReport; problem?: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { problem: `${file} could not be read (${(err as Error).message}), so the gate's verdict is not shown` };
  }
  const problems = gateProblems(doc);
  if (problems.length) return { problem: `${file} is not a gate report (${problems.join('; ')}), so the gate's verdict is not shown` };
  return { gate: doc as GateReport };
}

function gateProblems(doc: unknown): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(doc)) return ['not an object'];
  const out: string[] = [];
  if (typeof doc['pass'] !== 'boolean') out.push('pass: must be true or false');
  if (typeof doc['baseline'] !== 'string') out.push('baseline: must be a string');
  for (const key of ['invalid', 'warnings'] as const) if (!Array.isArray(doc[key]) || !(doc[key] as unknown[]).every((x) => typeof x === 'string')) out.push(`${key}: must be a list of strings`);
  const counts = doc['counts'];
  if (!isObj(counts) || !['regressed', 'improved', 'same', 'unknown', 'sloFailed'].every((k) => typeof counts[k] === 'number')) out.push('counts: must hold regressed, improved, same, unknown and sloFailed');
  const checks = doc['checks'];
  if (!Array.isArray(checks)) out.push('checks: must be a list');
  else {
    checks.forEach((c: unknown, i) => {
      if (out.length >= 10) return;
      if (!isObj(c) || (c['kind'] !== 'verdict' && c['kind'] !== 'slo') || typeof c['phase'] !== 'string' || typeof c['metric'] !== 'string' || typeof c['pass'] !== 'boolean') out.push(`checks[${i}]: must have kind (verdict or slo), phase, metric and pass`);
    });
  }
  return out.slice(0, 10);
}
