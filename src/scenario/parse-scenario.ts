/**
 * Scenario files → Plan. The scenario and its target (a file, inline, `--target`, or the embedded reference server)
 * are validated together and every problem of both is thrown at once, as `file:line: path: message` lines in one
 * GAUNTLET_ERR_INVALID_CONFIG (exit code 2). Nothing downstream reads the YAML again.
 */
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { GauntletError } from '../errors.js';
import { PROTOCOL_ENTRIES } from '../targets/protocols.js';
import type { TargetSpec } from '../targets/target-spec.js';
import { Fields, show } from './fields.js';
import type { EmbeddedTarget, Plan, SloSpec } from './plan.js';
import { readDrill, readFaults } from './parse-faults.js';
import { readPhases } from './parse-phases.js';
import { readAlerts } from './parse-alerts.js';
import { FAULTS_ON, parseStartAt } from './shard.js';
import { mixModels } from './parse-mix.js';
import { TENSOR_REQUESTS } from './request-kinds.js';
import { readSlo } from './parse-slo.js';
import { embeddedTarget, fileProblem, readEmbeddedTarget, readTarget, readTargetFileSync } from './parse-target.js';
import { DURATION_SCALE, FILE_LIMITS, RANGES, TEXT_LIMITS } from './limits.js';
import { isMapping, Problems, throwIfProblems } from './problems.js';
import { parseYamlFile, readTextFile } from './yaml-file.js';

/** SCENARIO_KEYS are the top-level fields of a scenario. */
export const SCENARIO_KEYS = ['name', 'description', 'target', 'peak_rps', 'seed', 'request', 'slo', 'phases', 'faults', 'drill', 'start_at', 'faults_on', 'alerts'] as const;
/** DEFAULT_SEED seeds a scenario that names no seed. */
export const DEFAULT_SEED = 1;

/** ParseScenarioOptions says where a scenario's text came from and how to adjust it. */
export interface ParseScenarioOptions {
  /** The scenario file, for messages and Plan.file. */
  file?: string;
  /** The folder relative paths (target, traces) are resolved against: the scenario file's folder. */
  baseDir: string;
  /** A target file to use instead of the scenario's own target (`--target`). */
  targetOverride?: string;
  /** Multiplies every duration (phases, bursts, fault times); default 1. */
  durationScale?: number;
}

/** parseScenario validates scenario text (and its target) into a Plan, or throws listing every problem. */
export function parseScenario(text: string, opts: ParseScenarioOptions): Plan {
  const scale = opts.durationScale ?? 1;
  checkDurationScale(scale);
  const what = `scenario ${opts.file ?? '(text)'}`;
  const { value, problems } = parseYamlFile(text, opts.file);
  if (value === null) problems.add([], 'the file is empty');
  else if (value !== undefined && !isMapping(value)) problems.add([], `must be a mapping of scenario fields, got ${show(value)}`);
  if (!isMapping(value)) {
    throwIfProblems(what, [problems]);
    throw new GauntletError('GAUNTLET_ERR_INTERNAL', `${what}: no problems but no scenario`);
  }
  const f = new Fields(value, [], problems).allowOnly(SCENARIO_KEYS);
  const name = f.string('name', false, TEXT_LIMITS.name) ?? (opts.file ? basename(opts.file, extname(opts.file)) : 'scenario');
  const description = f.string('description', false, TEXT_LIMITS.description);
  const seed = f.integer('seed', RANGES.seed) ?? DEFAULT_SEED;
  const peakRps = f.number('peak_rps', RANGES.peak_rps);
  const slo: SloSpec = f.has('slo') ? readSlo(f.obj.slo, ['slo'], problems) : {};
  // An external target is read first: its protocol says what kind of request the scenario sends.
  const external = readExternalTarget(f, opts);
  const requestKind = external !== undefined ? PROTOCOL_ENTRIES[external.target.protocol].request : embeddedProtocol(f) === 'openai' ? PROTOCOL_ENTRIES.openai.request : TENSOR_REQUESTS;
  const request = requestKind.read(f.mapping('request'), opts.baseDir);
  // An invalid peak_rps is already a problem; rates like `2x` are then read against 1 so they add no more.
  const phases = readPhases(f, { problems, peakRps: peakRps ?? (f.has('peak_rps') ? 1 : undefined), baseDir: opts.baseDir, durationScale: scale, slo });
  const durationS = phases.reduce((sum, p) => sum + p.durationS, 0);
  const { target, targetProblems } = external ?? readEmbedded(f, request.model, mixModels(request));
  const faults = readFaults(f, { problems, durationScale: scale, runS: durationS, target });
  const drill = readDrill(f, scale);
  const startAt = readStartAt(f);
  const faultsOn = f.oneOf('faults_on', FAULTS_ON);
  const alerts = readAlerts(f, { baseDir: opts.baseDir, phases, faults });
  // The request's model and version win over the target's; a target file may name them for any scenario.
  const model = request.model ?? ('embedded' in target ? undefined : target.model);
  const modelVersion = request.modelVersion ?? ('embedded' in target ? undefined : target.modelVersion);
  requestKind.check({ f, target, model, request });
  if (alerts && !('embedded' in target) && target.metricsUrl === undefined) f.problem('alerts', "needs the target's metrics_url: the drill's Prometheus scrapes it");
  checkConcurrencyFitsTarget(f, target);
  throwIfProblems(what, [problems, ...(targetProblems ? [targetProblems] : [])]);

  return {
    name,
    ...(description !== undefined && { description }),
    ...(opts.file !== undefined && { file: opts.file }),
    seed,
    ...(peakRps !== undefined && { peakRps }),
    target,
    request: { ...request, ...(model !== undefined && { model }), ...(modelVersion !== undefined && { modelVersion }) },
    slo,
    phases,
    durationS,
    faults,
    ...(drill !== undefined && { drill }),
    durationScale: scale,
    ...(startAt !== undefined && { startAt }),
    ...(faultsOn !== undefined && { faultsOn }),
    ...(alerts !== undefined && { alerts }),
  };
}

/** readStartAt reads `start_at` (ISO 8601 with a zone, or epoch ms) as ISO 8601 UTC. */
function readStartAt(f: Fields): string | undefined {
  if (!f.has('start_at')) return undefined;
  const ms = parseStartAt(f.obj.start_at);
  if (typeof ms === 'string') return void f.problem('start_at', ms);
  return new Date(ms).toISOString();
}

/** loadScenario reads a scenario file and validates it into a Plan; `target` replaces the scenario's target. */
export async function loadScenario(file: string, opts: { target?: string; durationScale?: number } = {}): Promise<Plan> {
  if (opts.durationScale !== undefined) checkDurationScale(opts.durationScale);
  const read = readTextFile(file, FILE_LIMITS.bytes);
  if (!read.ok) throwIfProblems(`scenario ${file}`, [fileProblem(file, read.message)]);
  const text = read.ok ? read.text : '';
  return parseScenario(text, {
    file,
    baseDir: dirname(file),
    ...(opts.target !== undefined && { targetOverride: opts.target }),
    ...(opts.durationScale !== undefined && { durationScale: opts.durationScale }),
  });
}

/** checkDurationScale throws GAUNTLET_ERR_INVALID_ARGUMENT unless --duration-scale is within DURATION_SCALE. */
export function checkDurationScale(scale: number): void {
  if (!(scale >= DURATION_SCALE.min && scale <= DURATION_SCALE.max)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--duration-scale must be a number from ${DURATION_SCALE.min} to ${DURATION_SCALE.max}, got ${scale}`);
  }
}

/** ResolvedTarget is the scenario's target and, for a target file, that file's own problems. */
interface ResolvedTarget {
  target: TargetSpec | EmbeddedTarget;
  targetProblems?: Problems;
}

/**
 * readExternalTarget reads the target when it is not the embedded server: --target, a file named by `target:`, or
 * an inline mapping (a `target:` that is neither is a problem, and the embedded server stands in). Undefined: the
 * embedded server, read by readEmbedded once the request (its models) is known.
 */
function readExternalTarget(f: Fields, opts: ParseScenarioOptions): ResolvedTarget | undefined {
  if (opts.targetOverride !== undefined) {
    const { spec, problems } = readTargetFileSync(opts.targetOverride);
    return { target: spec, targetProblems: problems };
  }
  const v = f.obj.target;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v !== '') {
    const { spec, problems } = readTargetFileSync(isAbsolute(v) ? v : join(opts.baseDir, v));
    return { target: spec, targetProblems: problems };
  }
  if (!isMapping(v)) {
    f.problem('target', `must be a target file's path or a mapping, got ${show(v)}`);
    return { target: embeddedTarget() };
  }
  if ('embedded' in v) return undefined;
  return { target: readTarget(new Fields(v, ['target'], f.problems), undefined, opts.baseDir) };
}

/** embeddedProtocol is the protocol an embedded target asks for (before it is read in full). */
function embeddedProtocol(f: Fields): unknown {
  const v = f.obj.target;
  return isMapping(v) && 'embedded' in v ? v['protocol'] : undefined;
}

/** readEmbedded reads the embedded reference server's target (absent: its defaults); its models default to the request's. */
function readEmbedded(f: Fields, model: string | undefined, models: string[]): ResolvedTarget {
  const v = f.obj.target;
  if (!isMapping(v)) return { target: embeddedTarget({ models: models.length > 0 ? models : model !== undefined ? [model] : [] }) };
  const t = new Fields(v, ['target'], f.problems);
  const embedded = readEmbeddedTarget(t, model);
  // A mix infers on every template's model: the embedded server loads them all unless its models are listed.
  if (t.obj.models === undefined && models.length > 0) embedded.models = models;
  const missing = models.filter((m) => m !== model && embedded.models !== undefined && !embedded.models.includes(m));
  if (missing.length > 0) t.problem('models', `must include every model of the request's mix: ${missing.map((m) => JSON.stringify(m)).join(', ')} missing`);
  return { target: embedded };
}

/**
 * checkConcurrencyFitsTarget reports a closed-loop phase whose concurrency is above the target's max_in_flight:
 * the generator never has more than max_in_flight requests outstanding, so the phase would silently run at less.
 */
function checkConcurrencyFitsTarget(f: Fields, target: TargetSpec | EmbeddedTarget): void {
  const raw = f.obj.phases;
  if (!Array.isArray(raw)) return;
  raw.forEach((phase, i) => {
    const c = isMapping(phase) ? phase.concurrency : undefined;
    // Only a concurrency that is otherwise valid: one out of its range already has its problem.
    if (typeof c === 'number' && Number.isSafeInteger(c) && c <= RANGES['phases[].concurrency'].max && c > target.maxInFlight) {
      f.problems.add(['phases', i, 'concurrency'], `${c} is more than the target's max_in_flight (${target.maxInFlight}), which bounds the requests outstanding: raise max_in_flight in the target`);
    }
  });
}
