/**
 * Sweep files → SweepSpec. Like scenarios, every problem is collected with its path and line and thrown at once
 * (GAUNTLET_ERR_INVALID_CONFIG, exit 2); loadSweep also loads the base scenario and lists its problems in the
 * same error. The format is documented in docs/sweeps.md.
 */
import { statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { GauntletError } from '../errors.js';
import { asFields, Fields, show, type Bounds } from '../scenario/fields.js';
import { FILE_LIMITS, MAX_LATENCY_MS, MAX_RATE_RPS, MAX_REPLICAS, TEXT_LIMITS } from '../scenario/limits.js';
import { checkDurationScale, loadScenario } from '../scenario/parse-scenario.js';
import { fileProblem, readTarget, readTargetFileSync } from '../scenario/parse-target.js';
import type { Plan } from '../scenario/plan.js';
import { isMapping, problemLines, throwProblemLines, type ConfigPath, type Problems } from '../scenario/problems.js';
import { parseYamlFile, readTextFile } from '../scenario/yaml-file.js';
import { RECOMMEND_BASES, type RecommendBasis } from './recommend.js';
import { externalPlanProblems, readExternal } from './external-config.js';
import { llmMatrixProblems, llmPlanProblems } from './llm-sweep.js';
import { readSearch, searchPlanProblems } from './search-bounds.js';
export { SEARCH_BOUNDS, SEARCH_DEFAULTS, SEARCH_KEYS, searchBounds } from './search-bounds.js';
import { EXECUTION_PROVIDERS, LLM_BATCHING_MODES, PRECISION_NAMES, type ComboConfig, type Constraints, type Matrix, type SweepSpec, type SweepTarget } from './sweep-spec.js';

/** EXTERNAL_SWEEP_KEYS are the top-level fields of a sweep of the user's own server (external-config.ts). */
export const EXTERNAL_SWEEP_KEYS = ['variables', 'server', 'target'] as const;
/** SWEEP_KEYS are the top-level fields of a sweep file. */
export const SWEEP_KEYS = ['name', 'description', 'scenario', 'model', 'matrix', 'targets', 'search', 'constraints', 'recommend', 'cost_per_hour', 'repeats', ...EXTERNAL_SWEEP_KEYS] as const;
/** SWEEP_BOUNDS are the ranges of the sweep's own numeric fields. */
export const SWEEP_BOUNDS = {
  cost_per_hour: { min: 0, max: 1e6 },
  repeats: { min: 0, max: 3 },
} as const satisfies Record<string, Bounds>;
/** SWEEP_DEFAULTS are the values of sweep fields a file leaves out. */
export const SWEEP_DEFAULTS = { recommend: 'throughput', repeats: 1 } as const;
/** CONSTRAINT_KEYS map the fields of `constraints:` to Constraints, with their ranges (the scenario's limits: docs/scenarios.md). */
export const CONSTRAINT_KEYS = {
  max_p99_ms: { key: 'maxP99Ms', bounds: { gt: 0, max: MAX_LATENCY_MS } },
  max_error_rate: { key: 'maxErrorRate', bounds: { min: 0, max: 1 } },
  min_cosine: { key: 'minCosine', bounds: { min: -1, max: 1 } },
  min_top1: { key: 'minTop1', bounds: { min: 0, max: 1 } },
  max_memory_mib: { key: 'maxMemoryMib', bounds: { gt: 0, max: 1 << 24 } },
  min_throughput_rps: { key: 'minThroughputRps', bounds: { min: 0, max: MAX_RATE_RPS } },
  min_agreement: { key: 'minAgreement', bounds: { min: 0, max: 1 } },
} as const satisfies Record<string, { key: keyof Constraints; bounds: Bounds }>;
/** MAX_COMBINATIONS bounds a matrix's cross product and a target list (each combination starts a server or runs a scenario). */
export const MAX_COMBINATIONS = 256;

type MatrixValue = string | number | boolean;
/**
 * MatrixKeySpec says how one matrix key is written in files: a switch (on/off or true/false), an integer range or a
 * choice of names. The reader and the JSON Schema are both derived from it.
 */
export type MatrixKeySpec = { key: keyof ComboConfig; description: string } & (
  | { kind: 'switch' }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'choice'; values: readonly string[] }
);

/** MATRIX_KEYS are the settings a matrix may sweep, by their name in files (Triton's field names where there is one). */
export const MATRIX_KEYS: Record<string, MatrixKeySpec> = {
  dynamic_batching: { key: 'dynamicBatching', kind: 'switch', description: 'Dynamic batching off or on.' },
  max_batch_size: { key: 'maxBatchSize', kind: 'integer', min: 1, max: 1 << 20, description: 'The model\'s max_batch_size.' },
  max_queue_delay_microseconds: { key: 'maxQueueDelayUs', kind: 'integer', min: 0, max: 60_000_000, description: 'How long the batcher waits to fill a batch (batching on).' },
  llm_batching: { key: 'llmBatching', kind: 'choice', values: LLM_BATCHING_MODES, description: 'LLM models: continuous (iteration-level), static or no batching (llm.batching).' },
  max_num_seqs: { key: 'maxNumSeqs', kind: 'integer', min: 1, max: 1024, description: 'LLM models: the sequences decoded together (llm.max_num_seqs; no effect with llm_batching none).' },
  kv_cache_tokens: { key: 'kvCacheTokens', kind: 'integer', min: 0, max: 1 << 24, description: 'LLM models: the KV-cache budget in tokens (llm.kv_cache_tokens; 0: max_num_seqs x the context).' },
  max_queue: { key: 'maxQueue', kind: 'integer', min: 1, max: 100_000, description: 'LLM models: waiting sequences at most, past it 503 (llm.max_queue).' },
  max_queue_delay_ms: { key: 'maxQueueDelayMs', kind: 'integer', min: 0, max: 3_600_000, description: 'LLM models: longest wait for a place in the batch, past it 503 (llm.max_queue_delay_ms; 0: no limit).' },
  precision: { key: 'precision', kind: 'choice', values: PRECISION_NAMES, description: 'The model variant (its accuracy against fp32 is shown).' },
  instance_count: { key: 'instanceCount', kind: 'integer', min: 1, max: 64, description: 'ONNX Runtime sessions of the model (instance_group count).' },
  intra_op_threads: { key: 'intraOpThreads', kind: 'integer', min: 0, max: 1024, description: 'Threads per session (0: cores ÷ instances).' },
  replicas: { key: 'replicas', kind: 'integer', min: 1, max: MAX_REPLICAS, description: 'Server processes behind the router.' },
  execution_provider: { key: 'executionProvider', kind: 'choice', values: EXECUTION_PROVIDERS, description: 'Where the model runs.' },
};

/** readMatrixValue returns a matrix value as the spec reads it, or a message saying what is wrong. */
function readMatrixValue(spec: MatrixKeySpec, v: unknown): { value: MatrixValue } | { message: string } {
  switch (spec.kind) {
    case 'switch':
      return v === 'on' || v === true ? { value: true } : v === 'off' || v === false ? { value: false } : { message: `must be on or off, got ${show(v)}` };
    case 'integer':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= spec.min && v <= spec.max
        ? { value: v }
        : { message: `must be an integer from ${spec.min} to ${spec.max}, got ${show(v)}` };
    case 'choice':
      return typeof v === 'string' && spec.values.includes(v) ? { value: v } : { message: `must be one of ${spec.values.join(', ')}, got ${show(v)}` };
  }
}

/** ParseSweepOptions say where a sweep's text came from. */
export interface ParseSweepOptions {
  file?: string;
  /** The folder relative paths (scenario, targets) are resolved against: the sweep file's folder. */
  baseDir: string;
  /** Multiplies the search's step and warm-up durations (the scenario's are scaled when it is loaded); default 1. */
  durationScale?: number;
}

/** ParsedSweep is a sweep spec with the problems found (the spec is only trustworthy when there are none). */
export interface ParsedSweep {
  spec: SweepSpec;
  /** The sweep file's problems, then those of target files it names. */
  problems: Problems[];
}

/** parseSweep validates sweep text; problems are returned, not thrown (loadSweep throws them with the scenario's). */
export function parseSweep(text: string, opts: ParseSweepOptions): ParsedSweep {
  const scale = opts.durationScale ?? 1;
  checkDurationScale(scale);
  const { value, problems } = parseYamlFile(text, opts.file);
  const name = opts.file ? basename(opts.file, extname(opts.file)) : 'sweep';
  const empty: SweepSpec = { name, scenario: '', constraints: {}, durationScale: scale, recommend: SWEEP_DEFAULTS.recommend, repeats: SWEEP_DEFAULTS.repeats };
  if (value === null) problems.add([], 'the file is empty');
  else if (value !== undefined && !isMapping(value)) problems.add([], `must be a mapping of sweep fields, got ${show(value)}`);
  if (!isMapping(value)) return { spec: empty, problems: [problems] };

  const f = new Fields(value, [], problems).allowOnly(SWEEP_KEYS);
  const extra: Problems[] = [];
  const scenario = readScenarioPath(f, opts.baseDir);
  const external = readExternal(f, opts.baseDir, MAX_COMBINATIONS, extra);
  const targets = f.has('targets') && !external ? readTargets(f, opts.baseDir, extra) : undefined;
  const matrix = (f.has('matrix') || !f.has('targets')) && !external ? readMatrix(f) : undefined;
  if (f.has('matrix') && f.has('targets')) f.problem('targets', 'give either matrix (configurations of the reference server) or targets (external servers), not both');
  const model = external ? undefined : f.string('model', !f.has('targets'), TEXT_LIMITS.name);
  if (f.has('targets') && f.has('model')) f.problem('model', 'is only for matrix sweeps (each target serves its own model)');
  const spec: SweepSpec = {
    name: f.string('name', false, TEXT_LIMITS.name) ?? name,
    scenario: scenario ?? '',
    constraints: readConstraints(f),
    durationScale: scale,
    recommend: f.oneOf<RecommendBasis>('recommend', RECOMMEND_BASES) ?? SWEEP_DEFAULTS.recommend,
    repeats: f.integer('repeats', SWEEP_BOUNDS.repeats) ?? SWEEP_DEFAULTS.repeats,
  };
  const costPerHour = f.number('cost_per_hour', SWEEP_BOUNDS.cost_per_hour);
  if (costPerHour !== undefined) {
    if (f.has('targets')) f.problem('cost_per_hour', 'is for matrix sweeps; give each target its own cost_per_hour');
    else spec.costPerHour = costPerHour;
  }
  const description = f.string('description', false, TEXT_LIMITS.description);
  if (description !== undefined) spec.description = description;
  if (opts.file !== undefined) spec.file = opts.file;
  if (model !== undefined && !f.has('targets')) spec.model = model;
  if (external !== undefined) spec.external = external;
  else if (targets !== undefined) spec.targets = targets;
  else if (matrix !== undefined) spec.matrix = matrix;
  const search = f.has('search') ? readSearch(f, scale) : undefined;
  if (search !== undefined) spec.search = search;
  if (spec.recommend === 'p99' && f.has('search')) {
    f.problem('recommend', 'p99 needs the scenario\'s phases (no search): a rate search drives every combination\'s p99 up to the bound, so comparing them says nothing');
  }
  if (spec.recommend === 'tokens_per_s' && f.has('search')) {
    f.problem('recommend', 'tokens_per_s needs the scenario\'s phases (no search): it compares output tokens/s at the scenario\'s own load');
  }
  return { spec, problems: [problems, ...extra] };
}

/** loadSweep reads a sweep file and its base scenario, and throws every problem of both at once. */
export async function loadSweep(file: string, opts: { durationScale?: number } = {}): Promise<{ spec: SweepSpec; plan: Plan }> {
  if (opts.durationScale !== undefined) checkDurationScale(opts.durationScale);
  const read = readTextFile(file, FILE_LIMITS.bytes);
  if (!read.ok) throwProblems(`sweep ${file}`, [fileProblem(file, read.message)], []);
  const text = read.ok ? read.text : '';
  const { spec, problems } = parseSweep(text, { file, baseDir: dirname(file), ...(opts.durationScale !== undefined && { durationScale: opts.durationScale }) });
  let plan: Plan | undefined;
  let scenarioDetails: string[] = [];
  if (spec.scenario !== '') {
    try {
      plan = await loadScenario(spec.scenario, opts.durationScale !== undefined ? { durationScale: opts.durationScale } : {});
    } catch (err) {
      if (!(err instanceof GauntletError) || err.code !== 'GAUNTLET_ERR_INVALID_CONFIG') throw err;
      scenarioDetails = err.details;
    }
  }
  if (plan) searchPlanProblems(spec, plan, problems[0]!);
  if (plan && spec.external) externalPlanProblems(spec.external, plan, problems[0]!);
  if (plan) llmPlanProblems(spec, plan, problems[0]!);
  throwProblems(`sweep ${file}`, problems, scenarioDetails);
  if (!plan) throw new GauntletError('GAUNTLET_ERR_INTERNAL', `sweep ${file}: no problems but no scenario`);
  return { spec, plan };
}

/** throwProblems throws one GAUNTLET_ERR_INVALID_CONFIG with the sweep's problems (in line order) and the scenario's. */
function throwProblems(what: string, collectors: readonly Problems[], scenarioDetails: string[]): void {
  throwProblemLines(what, [...problemLines(collectors), ...scenarioDetails]);
}

function resolvePath(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : join(baseDir, p);
}

function readScenarioPath(f: Fields, baseDir: string): string | undefined {
  const rel = f.string('scenario', true);
  if (rel === undefined) return undefined;
  const file = resolvePath(baseDir, rel);
  try {
    if (statSync(file).isFile()) return file;
    f.problem('scenario', `${file} is not a file`);
  } catch (err) {
    f.problem('scenario', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return undefined;
}

function readMatrix(f: Fields): Matrix {
  const m = f.mapping('matrix');
  const matrix: Matrix = {};
  if (!m) return matrix;
  m.allowOnly(Object.keys(MATRIX_KEYS));
  let combinations = 1;
  for (const [name, spec] of Object.entries(MATRIX_KEYS)) {
    if (!m.has(name)) continue;
    const raw = m.obj[name];
    // A single value is a one-element list.
    const list = Array.isArray(raw) ? raw : [raw];
    const path = (i: number): ConfigPath => (Array.isArray(raw) ? m.at(name, i) : m.at(name));
    if (list.length === 0) m.problem(name, 'must list at least one value');
    if (list.length > MAX_COMBINATIONS) {
      m.problem(name, `has ${list.length} values; a matrix has at most ${MAX_COMBINATIONS} combinations`);
      continue;
    }
    const values: MatrixValue[] = [];
    const firstAt = new Map<MatrixValue, number>();
    list.forEach((v, i) => {
      const r = readMatrixValue(spec, v);
      if ('message' in r) return f.problems.add(path(i), r.message);
      const first = firstAt.get(r.value);
      if (first !== undefined) return f.problems.add(path(i), `duplicate value ${show(v)} (also ${name}[${first}])`);
      firstAt.set(r.value, i);
      values.push(r.value);
    });
    combinations *= Math.max(1, list.length);
    (matrix as Record<string, MatrixValue[]>)[spec.key] = values;
  }
  if (combinations > MAX_COMBINATIONS) f.problem('matrix', `has ${combinations} combinations; at most ${MAX_COMBINATIONS}`);
  llmMatrixProblems(m, matrix);
  if (m.has('max_queue_delay_microseconds') && matrix.dynamicBatching?.every((on) => !on) && (matrix.dynamicBatching?.length ?? 0) > 0) {
    m.problem('max_queue_delay_microseconds', 'has no effect: dynamic_batching is off in every combination');
  }
  return matrix;
}

function readTargets(f: Fields, baseDir: string, extra: Problems[]): SweepTarget[] {
  const read = (item: unknown, path: ConfigPath): SweepTarget | undefined => {
    if (typeof item === 'string' && item !== '') {
      const file = resolvePath(baseDir, item);
      const { spec, problems } = readTargetFileSync(file);
      extra.push(problems);
      return { file, spec };
    }
    const t = asFields(item, path, f.problems);
    return t ? { spec: readTarget(t) } : undefined;
  };
  const targets = f.list('targets', read, false, MAX_COMBINATIONS);
  if (Array.isArray(f.obj.targets) && f.obj.targets.length === 0) f.problem('targets', 'must list at least one target');
  const seen = new Map<string, number>();
  targets?.forEach((t, i) => {
    const first = seen.get(t.spec.name);
    if (first !== undefined) f.problems.add(['targets', i], `duplicate target name ${JSON.stringify(t.spec.name)} (also targets[${first}]); give each a name`);
    else seen.set(t.spec.name, i);
  });
  return targets ?? [];
}

function readConstraints(f: Fields): Constraints {
  const c = f.mapping('constraints');
  const out: Constraints = {};
  if (!c) return out;
  c.allowOnly(Object.keys(CONSTRAINT_KEYS));
  for (const [name, { key, bounds }] of Object.entries(CONSTRAINT_KEYS)) {
    const v = c.number(name, bounds);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
