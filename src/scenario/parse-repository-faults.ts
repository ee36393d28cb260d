/**
 * The model repository faults of a scenario (docs/drills.md#rollout): `load-model`, `unload-model` and
 * `set-version-policy`, which act on the target's model repository extension (KServe v2 / Triton:
 * `/v2/repository/models/{m}/load` and `/unload`), with an optional rollout `guard:` that watches the seconds after
 * the step and rolls back on a breach. Their rules join FAULT_ACTIONS in parse-faults.ts.
 */
import type { Fields } from './fields.js';
import { show } from './fields.js';
import { RANGES } from './limits.js';
import type { EmbeddedTarget, RepositoryFaultParams, RolloutGuard, VersionPolicySpec } from './plan.js';
import type { ActionRule } from './parse-faults.js';
import type { TargetSpec } from '../targets/target-spec.js';

/** REPOSITORY_TIMEOUT_S is how long a load or unload may take when a fault names no timeout (loading sessions takes seconds). */
export const REPOSITORY_TIMEOUT_S = 120;
/** GUARD_DEFAULTS are a guard's settings left out: 2 breaching seconds, watched for 30 s, detected within 10 s, rolled back. */
export const GUARD_DEFAULTS = { windowS: 2, forS: 30, detectWithinS: 10, rollbackOnBreach: true } as const;
const GUARD_KEYS = ['p99_ms', 'error_rate', 'window', 'for', 'detect_within', 'rollback_on_breach'] as const;
const MODEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const COMMON = ['model', 'timeout', 'url'];

/** REPOSITORY_FAULT_ACTIONS are the rules of the model repository fault actions. */
export const REPOSITORY_FAULT_ACTIONS = {
  'load-model': {
    keys: [...COMMON, 'version', 'config', 'guard'],
    required: ['model'],
    duration: 'never',
    needs: 'anything',
    checkTarget: checkRepositoryTarget,
    read: (f) => {
      const common = readCommon(f, true);
      const version = f.integer('version', RANGES['faults[].version']);
      const config = f.mapping('config');
      if (config?.has('name')) config.problem('name', 'the model is named by model:, not in its config');
      return common && { ...common, ...(version !== undefined && { version }), ...(config && { config: config.obj }) };
    },
  },
  'unload-model': { keys: COMMON, required: ['model'], duration: 'never', needs: 'anything', checkTarget: checkRepositoryTarget, read: (f) => readCommon(f, false) },
  'set-version-policy': {
    keys: [...COMMON, 'policy', 'guard'],
    required: ['model', 'policy'],
    duration: 'never',
    needs: 'anything',
    checkTarget: checkRepositoryTarget,
    read: (f) => {
      const common = readCommon(f, true);
      const policy = readPolicy(f);
      return common && policy && { ...common, policy };
    },
  },
} satisfies { [A in 'load-model' | 'unload-model' | 'set-version-policy']: ActionRule<A> };

function readCommon(f: Fields, guarded: boolean): RepositoryFaultParams | undefined {
  const model = f.string('model', true);
  if (model !== undefined && !MODEL_NAME.test(model)) f.problem('model', `must be a model name (letters, digits, '_', '.', '-'), got ${show(model)}`);
  const timeoutS = f.duration('timeout', RANGES['faults[].timeout']) ?? REPOSITORY_TIMEOUT_S;
  const url = f.string('url');
  if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) f.problem('url', `must be an http:// or https:// url of a KServe v2 server, got ${show(url)}`);
  const guard = guarded ? readGuard(f) : undefined;
  if (model === undefined || !MODEL_NAME.test(model)) return undefined;
  return { model, timeoutS, ...(url !== undefined && { url }), ...(guard && { guard }) };
}

/** readPolicy reads `policy: {latest: N} | {specific: [v, …]} | all`. */
function readPolicy(f: Fields): VersionPolicySpec | undefined {
  const v = f.obj.policy;
  if (v === 'all') return { all: {} };
  const p = f.mapping('policy');
  if (!p) return v === undefined ? undefined : void f.problem('policy', `must be all, {latest: N} or {specific: [1, 2]}, got ${show(v)}`);
  const keys = Object.keys(p.obj);
  if (keys.length !== 1 || !['latest', 'specific'].includes(keys[0]!)) return void f.problem('policy', `must have exactly one of latest, specific (or be all), got ${show(v)}`);
  if (keys[0] === 'latest') {
    const n = p.integer('latest', { min: 1, max: 1000 }, true);
    return n === undefined ? undefined : { latest: { num_versions: n } };
  }
  const versions = p.list('specific', (item, path) => {
    if (typeof item === 'number' && Number.isSafeInteger(item) && item >= 1 && item <= 2 ** 31 - 1) return item;
    p.problems.add(path, `must be a version number (a whole number from 1), got ${show(item)}`);
    return undefined;
  }, true, 1000);
  if (versions && versions.length === 0) p.problem('specific', 'must name at least one version');
  return versions && versions.length > 0 ? { specific: { versions } } : undefined;
}

/**
 * scaleGuard scales a guard's durations by --duration-scale like the rest of the schedule: its window to whole
 * seconds (at least 1, the guard reads per-second figures), `for` to at least the window.
 */
export function scaleGuard(g: RolloutGuard, scale: number): RolloutGuard {
  if (scale === 1) return g;
  const windowS = Math.max(1, Math.round(g.windowS * scale));
  return { ...g, windowS, forS: Math.max(windowS, g.forS * scale), detectWithinS: g.detectWithinS * scale };
}

function readGuard(f: Fields): RolloutGuard | undefined {
  const g = f.mapping('guard');
  if (!g) return undefined;
  g.allowOnly(GUARD_KEYS);
  const p99Ms = g.number('p99_ms', RANGES['faults[].guard.p99_ms']);
  const errorRate = g.number('error_rate', RANGES['faults[].guard.error_rate']);
  const windowS = g.duration('window', RANGES['faults[].guard.window']) ?? GUARD_DEFAULTS.windowS;
  const forS = g.duration('for', RANGES['faults[].guard.for']) ?? GUARD_DEFAULTS.forS;
  const detectWithinS = g.duration('detect_within', RANGES['faults[].guard.for']) ?? GUARD_DEFAULTS.detectWithinS;
  const rollbackOnBreach = g.boolean('rollback_on_breach') ?? GUARD_DEFAULTS.rollbackOnBreach;
  if (!Number.isInteger(windowS)) g.problem('window', `must be whole seconds (the guard reads per-second figures), got ${show(g.obj.window)}`);
  if (p99Ms === undefined && errorRate === undefined && !g.has('p99_ms') && !g.has('error_rate')) g.problem('p99_ms', 'a guard needs p99_ms or error_rate (what counts as a breach)');
  if (forS < windowS) g.problem('for', `must be at least the window (${windowS} s), got ${show(g.obj.for)}`);
  return { ...(p99Ms !== undefined && { p99Ms }), ...(errorRate !== undefined && { errorRate }), windowS, forS, detectWithinS, rollbackOnBreach };
}

/** checkRepositoryTarget reports targets whose model repository the faults cannot reach. */
function checkRepositoryTarget(f: Fields, action: string, target: TargetSpec | EmbeddedTarget): void {
  if (f.has('url')) return;
  if ('embedded' in target) {
    if (target.protocol === 'openai') f.problem('action', `${action} needs a KServe v2 model repository; the embedded openai stack has none`);
    else if (target.replicas !== undefined && target.replicas > 1) f.problem('action', `${action} needs explicit model control, which the embedded stack has with one replica only: write target: {embedded: true} (or give url: of a server)`);
    return;
  }
  if (target.protocol !== 'kserve-http') f.problem('url', `is required: ${action} calls the repository extension over HTTP, and the target (${target.name}) is ${target.protocol}`);
}

/** REPOSITORY_FAULT_SCHEMA is the JSON Schema of the repository faults' parameters (json-schema.ts joins it to the fault's). */
export const REPOSITORY_FAULT_SCHEMA: Record<string, object> = {
  model: { type: 'string', pattern: MODEL_NAME.source, description: 'load-model, unload-model, set-version-policy: the model.' },
  url: { type: 'string', pattern: '^https?://', description: "Repository faults: the KServe v2 server's HTTP base url (default: the target's)." },
  version: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1, description: 'load-model: load this version beside those served (a version_policy of specific versions).' },
  config: { type: 'object', description: "load-model: fields laid over the model's configuration for this load (Triton's config override), e.g. {artificial_delay_us: 150000}." },
  policy: {
    description: 'set-version-policy: all, {latest: N} or {specific: [1, 2]}.',
    anyOf: [
      { const: 'all' },
      { type: 'object', additionalProperties: false, required: ['latest'], properties: { latest: { type: 'integer', minimum: 1, maximum: 1000 } } },
      { type: 'object', additionalProperties: false, required: ['specific'], properties: { specific: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'integer', minimum: 1 } } } },
    ],
  },
  guard: {
    type: 'object',
    additionalProperties: false,
    description: 'load-model, set-version-policy: watch the seconds after the step; a breach is `window` seconds in a row over p99_ms or error_rate.',
    properties: {
      p99_ms: { type: 'number', exclusiveMinimum: 0 },
      error_rate: { type: 'number', minimum: 0, maximum: 1 },
      window: { type: ['string', 'number'], default: `${GUARD_DEFAULTS.windowS}s` },
      for: { type: ['string', 'number'], default: `${GUARD_DEFAULTS.forS}s` },
      detect_within: { type: ['string', 'number'], default: `${GUARD_DEFAULTS.detectWithinS}s` },
      rollback_on_breach: { type: 'boolean', default: true },
    },
  },
};
