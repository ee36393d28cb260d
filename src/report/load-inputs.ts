/**
 * What `gauntlet report` reads: results files (or run folders holding results.json), sweep folders (sweep.json,
 * and the results file behind each combination's figures), the folders of `gauntlet run --repeat` (rep-1 …
 * rep-N), baselines, profiles (profile.json, src/report/load-profile.ts) and characterizations (characterization.json,
 * src/report/characterize-load.ts: reported on their own, by loadReportSource). Files only, never live state. Every
 * unreadable input is listed at once (GAUNTLET_ERR_INVALID_ARGUMENT).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Baseline, readBaseline } from '../compare/baseline.js';
import type { GateReport } from '../compare/gate.js';
import { GauntletError } from '../errors.js';
import { readJsonFile } from './read-json.js';
import { type ReaderEnv, readerEnv, writerState } from '../results/liveness.js';
import { readResults } from '../results/read-results.js';
import type { ResultsFile } from '../results/results-schema.js';
import { PROFILE_FILE } from '../profile/profile-record.js';
import { SWEEP_FILE, SWEEP_SCHEMA_VERSION, type SweepRecord } from '../sweep/sweep-record.js';
import { CHARACTERIZATION_FILE, type CharacterizationInput, isCharacterizationDoc, readCharacterization } from './characterize-load.js';
import { isProfileDoc, type ProfileInput, readProfileRecord } from './load-profile.js';
import { loadRepeat, repFolders } from './load-repeat.js';

export type { ProfileInput } from './load-profile.js';

/** RunInput is one run's results. */
export interface RunInput {
  kind: 'run';
  /** A short name, unique among the inputs (the target's name when runs compare targets). */
  label: string;
  path: string;
  results: ResultsFile;
}

/** ComboRun is the run behind a sweep combination's figures, and the phase they were read from. */
export interface ComboRun {
  results: ResultsFile;
  /** Undefined for a search step's run (its one phase). */
  phase: string | undefined;
}

/** SweepInput is a sweep's record, with the results behind each combination's figures where they could be read. */
export interface SweepInput {
  kind: 'sweep';
  label: string;
  dir: string;
  record: SweepRecord;
  /** By combination id. */
  runs: Map<string, ComboRun>;
  /** Results files the record names that could not be read (the report says so). */
  missing: string[];
}

/** BaselineInput is a saved baseline (medians of its repetitions stand for it). */
export interface BaselineInput {
  kind: 'baseline';
  label: string;
  path: string;
  baseline: Baseline;
}

/**
 * RepeatInput is the folder of `gauntlet run --repeat N` (src/report/load-repeat.ts): one run measured N times,
 * its repetitions labelled rep-1 … rep-N, and the gate's verdict on them when they were gated.
 */
export interface RepeatInput {
  kind: 'repeat';
  label: string;
  dir: string;
  /** The repetitions that could be read, in order. */
  reps: RunInput[];
  /** Repetitions that left no readable results, each with why. */
  missing: string[];
  gate?: GateReport;
  /** Why gate.json could not be read. */
  gateProblem?: string;
}

/** ReportInput is anything a report can be made from. */
export type ReportInput = RunInput | SweepInput | BaselineInput | RepeatInput | ProfileInput;

/** ReportSource is what `gauntlet report` was given: one characterization (reported alone), or the other inputs. */
export type ReportSource = { characterization: CharacterizationInput } | { inputs: ReportInput[] };

/** loadReportSource reads every input like loadInputs, and also a characterization, which is reported on its own. */
export function loadReportSource(paths: string[]): ReportSource {
  const all = loadAll(paths);
  const chars = all.filter((i): i is CharacterizationInput => i.kind === 'characterization');
  if (chars.length === 0) return { inputs: labelled(all as ReportInput[]) };
  if (all.length > 1) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `a characterization is reported on its own: give one ${CHARACTERIZATION_FILE} (or its folder), not ${all.length} inputs`, chars.map((c) => `${c.path}: a characterization`));
  }
  return { characterization: chars[0]! };
}

/** loadInputs reads every input; all problems are reported together. A characterization is refused (see loadReportSource). */
export function loadInputs(paths: string[]): ReportInput[] {
  const source = loadReportSource(paths);
  if ('characterization' in source) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${source.characterization.path}: a characterization, which has its own report (gauntlet report with it alone)`);
  return source.inputs;
}

function labelled(inputs: ReportInput[]): ReportInput[] {
  labelInputs(inputs);
  return inputs;
}

function loadAll(paths: string[]): (ReportInput | CharacterizationInput)[] {
  if (paths.length === 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'name at least one results file, run folder, sweep folder, baseline, profile or characterization');
  const problems: string[] = [];
  const inputs: (ReportInput | CharacterizationInput)[] = [];
  for (const p of paths) {
    try {
      inputs.push(loadInput(p));
    } catch (err) {
      problems.push(err instanceof GauntletError ? [err.message, ...err.details].join('; ') : `${p}: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `cannot read ${problems.length === 1 ? 'an input' : `${problems.length} inputs`}`, problems);
  return inputs;
}

function loadInput(p: string): ReportInput | CharacterizationInput {
  if (!existsSync(p)) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${p}: no such file or folder`);
  if (statSync(p).isDirectory()) {
    if (existsSync(path.join(p, SWEEP_FILE))) return loadSweep(path.join(p, SWEEP_FILE));
    if (existsSync(path.join(p, 'results.json'))) return run(path.join(p, 'results.json'));
    if (existsSync(path.join(p, PROFILE_FILE))) return profile(path.join(p, PROFILE_FILE));
    if (repFolders(p).length) return loadRepeat(p);
    if (existsSync(path.join(p, CHARACTERIZATION_FILE))) return characterization(path.join(p, CHARACTERIZATION_FILE));
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${p}: a folder without results.json, ${SWEEP_FILE} or repetitions (rep-1 …), nor ${PROFILE_FILE} or ${CHARACTERIZATION_FILE}`);
  }
  const doc = readJsonFile(p);
  const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  if (o['kind'] === 'gauntlet-baseline') return { kind: 'baseline', label: '', path: p, baseline: readBaseline(p) };
  if (Array.isArray(o['combinations']) && typeof o['sweep'] === 'object') return loadSweep(p);
  if (isProfileDoc(o)) return profile(p, doc);
  // Named characterization.json, it is one even when damaged: its problems are listed, not a results file's.
  if (isCharacterizationDoc(o) || path.basename(p) === CHARACTERIZATION_FILE) return characterization(p, doc);
  return run(p);
}

function characterization(file: string, doc?: unknown): CharacterizationInput {
  return { kind: 'characterization', path: file, record: readCharacterization(file, doc) };
}

function run(file: string): RunInput {
  return { kind: 'run', label: '', path: file, results: readResults(file) };
}

function profile(file: string, doc?: unknown): ProfileInput {
  return { kind: 'profile', label: '', path: file, dir: path.dirname(file), record: readProfileRecord(file, doc) };
}

function loadSweep(file: string): SweepInput {
  const record = readSweepRecord(file);
  const dir = path.dirname(file);
  const runs = new Map<string, ComboRun>();
  const missing: string[] = [];
  for (const c of record.combinations) {
    const source = figureSource(c);
    if (!source) continue;
    const resultsFile = path.join(dir, source.file);
    try {
      runs.set(c.id, { results: readResults(resultsFile), phase: source.phase });
    } catch {
      missing.push(source.file);
    }
  }
  return { kind: 'sweep', label: record.sweep.name, dir, record, runs, missing };
}

/**
 * readSweepRecord reads a sweep.json. One left running is judged by its heartbeat like a results file
 * (liveness.ts): in progress, or interrupted when its writer died, in which case the combination it was measuring
 * is marked failed and those it never reached skipped, as an interrupted sweep marks them.
 */
export function readSweepRecord(file: string, env: ReaderEnv = readerEnv()): SweepRecord {
  const record = JSON.parse(readFileSync(file, 'utf8')) as SweepRecord;
  if (typeof record !== 'object' || record === null || record.schemaVersion !== SWEEP_SCHEMA_VERSION || !Array.isArray(record.combinations)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} has sweep schemaVersion ${record?.schemaVersion}; this gauntlet reads ${SWEEP_SCHEMA_VERSION}`);
  }
  const problems = sweepProblems(record);
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} is not a gauntlet sweep.json`, problems);
  if (record.status !== 'running') return record;
  const writer = writerState(record.heartbeat, statSync(file).mtimeMs, env, 'sweep');
  record.incomplete = { state: writer.state, note: writer.note, updatedAt: new Date(writer.updatedAtMs).toISOString() };
  if (writer.state === 'in-progress') return record;
  record.status = 'interrupted';
  for (const c of record.combinations) {
    if (c.status === 'pending') c.status = 'skipped';
    else if (c.status === 'running') {
      c.status = 'failed';
      c.error = `the sweep stopped while this combination ran (${writer.note})`;
    }
  }
  return record;
}

/** sweepProblems checks what the sweep views read of a record (at most 10 problems, with their paths). */
function sweepProblems(r: SweepRecord): string[] {
  const out: string[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(r.sweep) || typeof r.sweep.name !== 'string' || !isObj(r.sweep.constraints)) out.push('sweep: must be an object with a name and constraints');
  r.combinations.forEach((c, i) => {
    if (!isObj(c)) return void out.push(`combinations[${i}]: must be an object`);
    if (typeof c.id !== 'string' || typeof c.status !== 'string' || typeof c.label !== 'string') out.push(`combinations[${i}]: id, label and status must be strings`);
    if (!isObj(c.config)) out.push(`combinations[${i}].config: must be an object`);
    if (!Array.isArray(c.results) || !c.results.every((x) => typeof x === 'string')) out.push(`combinations[${i}].results: must be a list of paths`);
    if (c.figures !== null && !isObj(c.figures)) out.push(`combinations[${i}].figures: must be an object or null`);
    if (c.search !== undefined && (!isObj(c.search) || !Array.isArray(c.search.steps))) out.push(`combinations[${i}].search.steps: must be a list`);
  });
  return out.length > 10 ? [...out.slice(0, 10), `…and ${out.length - 10} more`] : out;
}

/** figureSource finds the results file (relative to the sweep folder) and phase a combination's figures came from. */
export function figureSource(c: SweepRecord['combinations'][number]): { file: string; phase: string | undefined } | undefined {
  if (!c.figures) return undefined;
  if (c.search) {
    // The figures are those of the highest feasible step (of its last attempt at that rate).
    const step = [...c.search.steps].reverse().find((s) => s.rateRps === c.search!.rateRps && (s.feasible || s.withinBounds) && s.results);
    return step?.results ? { file: step.results, phase: undefined } : undefined;
  }
  const file = c.results.find((r) => !r.includes('/steps/') && !r.startsWith('steps/') && !r.includes('warmup'));
  const phase = /^phase (.+?)(?: \(no phase met the SLO\))?$/.exec(c.figures.source)?.[1];
  return file ? { file, phase } : undefined;
}

/**
 * labelInputs gives each input a short name, unique among them: for runs, the target's name when the runs differ
 * in target, else the scenario's; the folder's name is added where names repeat, then a number.
 */
export function labelInputs(inputs: ReportInput[]): void {
  // A repetitions folder is named like a run, after its first repetition.
  const first = (i: ReportInput): ResultsFile | undefined => (i.kind === 'run' ? i.results : i.kind === 'repeat' ? i.reps[0]?.results : undefined);
  const runs = inputs.flatMap((i) => first(i) ?? []);
  const targetsDiffer = new Set(runs.map((r) => r.target.name)).size > 1;
  const scenariosDiffer = new Set(runs.map((r) => r.scenario.name)).size > 1;
  for (const i of inputs) {
    const r = first(i);
    if (r) {
      const t = r.target.name;
      const s = r.scenario.name;
      i.label = targetsDiffer && scenariosDiffer ? `${t} / ${s}` : targetsDiffer ? t : s;
    } else if (i.kind === 'baseline') i.label = `baseline ${i.baseline.name}`;
  }
  labelProfiles(inputs.filter((i): i is ProfileInput => i.kind === 'profile'));
  const repeated = (i: ReportInput): boolean => inputs.filter((o) => o.label === i.label).length > 1;
  const where = (i: ReportInput): string => (i.kind === 'sweep' || i.kind === 'repeat' || i.kind === 'profile' ? path.basename(path.resolve(i.dir)) : folderName(i.path));
  const firstPass = inputs.filter(repeated);
  for (const i of firstPass) i.label = `${i.label} (${where(i)})`;
  inputs.forEach((i, n) => {
    if (repeated(i)) i.label = `${i.label} #${n + 1}`;
  });
}

/** labelProfiles names profiles by what differs between them: the machine, the EP, the model. */
function labelProfiles(ps: ProfileInput[]): void {
  const differ = (f: (p: ProfileInput) => string): boolean => new Set(ps.map(f)).size > 1;
  const all: ((p: ProfileInput) => string)[] = [(p) => p.record.machine.host, (p) => p.record.options.ep, (p) => p.record.model.name];
  const parts = all.filter((f) => differ(f));
  for (const p of ps) p.label = parts.length ? parts.map((f) => f(p)).join(' · ') : `${p.record.model.name} on ${p.record.options.ep}`;
}

function folderName(file: string): string {
  const base = path.basename(file);
  return base === 'results.json' ? path.basename(path.dirname(path.resolve(file))) : base.replace(/\.json$/, '');
}
