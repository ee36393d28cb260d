/**
 * The `faults:` of a scenario (failure drills) and its `drill:` settings. Each fault is `{at, duration?, action,
 * …parameters}`; every action's parameters are validated here, with its path, against the action's rule: which
 * fields it takes, whether it lasts (`duration`), and what it needs from the target (the embedded stack's admin
 * API for replica faults, the TCP proxy gauntlet puts in front of any target for network faults). src/faults
 * executes the same action names.
 */
import { Fields, show } from './fields.js';
import { COUNT_LIMITS, RANGES } from './limits.js';
import type { DrillSpec, EmbeddedTarget, FaultAction, FaultParams, FaultPlan } from './plan.js';
import { formatPath, isMapping, type ConfigPath, type Problems } from './problems.js';
import type { TargetSpec } from '../targets/target-spec.js';
import { formatDuration } from './units.js';
import { KUBERNETES_KEYS, readKubernetesFault } from './parse-kubernetes-fault.js';
import { REPOSITORY_FAULT_ACTIONS, scaleGuard } from './parse-repository-faults.js';

/** FAULT_KEYS are the fields every fault has; the others are its action's parameters. */
export const FAULT_KEYS = ['at', 'duration', 'action'] as const;
/** DRILL_KEYS are the fields of a scenario's `drill:`. */
export const DRILL_KEYS = ['recovery_window', 'compare_window', 'require_graceful'] as const;
/** DRILL_DEFAULTS are the drill settings a scenario leaves out. */
export const DRILL_DEFAULTS: DrillSpec = { recoveryWindowS: 3, compareWindowS: 10 };
/** COMMAND_TIMEOUT_S is how long a command fault may run when it names no timeout. */
export const COMMAND_TIMEOUT_S = 60;
/** REPLICA_PATTERN is what a replica id looks like (the stack names them r0, r1, …). */
export const REPLICA_PATTERN = /^r(0|[1-9]\d*)$/;

/** ActionRule says what one fault action takes and needs. */
export interface ActionRule<A extends FaultAction> {
  /** Its parameter fields, as written in files. */
  keys: readonly string[];
  /** The parameters it cannot do without. */
  required: readonly string[];
  /** Whether the fault lasts: a duration is required, optional (undo at its end) or not allowed. */
  duration: 'required' | 'optional' | 'never';
  /** replicas: the embedded stack's admin API; anything: works against every target. */
  needs: 'replicas' | 'anything';
  /** Further checks against the target, beyond `needs`. */
  checkTarget?(f: Fields, action: A, target: TargetSpec | EmbeddedTarget): void;
  read(f: Fields): FaultParams[A] | undefined;
}

/** FAULT_ACTIONS is the rule of every fault action, by name. */
export const FAULT_ACTIONS: { [A in FaultAction]: ActionRule<A> } = {
  'kill-replica': { keys: ['replica'], required: [], duration: 'optional', needs: 'replicas', read: (f) => readReplica(f) },
  'stop-replica': { keys: ['replica'], required: [], duration: 'optional', needs: 'replicas', read: (f) => readReplica(f) },
  'restore-replica': { keys: ['replica'], required: [], duration: 'never', needs: 'replicas', read: (f) => readReplica(f) },
  command: {
    keys: ['run', 'timeout'],
    required: ['run'],
    duration: 'optional',
    needs: 'anything',
    read: (f) => {
      const run = f.string('run', true);
      const timeoutS = f.duration('timeout', RANGES['faults[].timeout']) ?? COMMAND_TIMEOUT_S;
      return run === undefined ? undefined : { run, timeoutS };
    },
  },
  network: {
    keys: ['latency_ms', 'jitter_ms'],
    required: ['latency_ms'],
    duration: 'required',
    needs: 'anything',
    read: (f) => {
      const latencyMs = f.number('latency_ms', RANGES['faults[].latency_ms'], true);
      const jitterMs = f.number('jitter_ms', RANGES['faults[].jitter_ms']) ?? 0;
      if (latencyMs !== undefined && jitterMs > latencyMs) f.problem('jitter_ms', `must be <= latency_ms (${latencyMs}), got ${jitterMs}`);
      return latencyMs === undefined ? undefined : { latencyMs, jitterMs };
    },
  },
  kubernetes: { keys: KUBERNETES_KEYS, required: ['op'], duration: 'optional', needs: 'anything', read: (f) => readKubernetesFault(f) },
  ...REPOSITORY_FAULT_ACTIONS,
};

/** FAULT_ACTION_NAMES lists the fault actions in the order of the documentation. */
export const FAULT_ACTION_NAMES = Object.keys(FAULT_ACTIONS) as FaultAction[];

/** FaultContext is what faults need from the rest of the scenario. */
export interface FaultContext {
  problems: Problems;
  durationScale: number;
  /** The run's length (already scaled). */
  runS: number;
  target: TargetSpec | EmbeddedTarget;
}

/** readFaults validates `faults:` into plans, scaled; problems go to the collector. */
export function readFaults(f: Fields, ctx: FaultContext): FaultPlan[] {
  const faults: { plan: FaultPlan; path: ConfigPath }[] = [];
  f.list('faults', (item, path) => {
    const plan = readFault(item, path, ctx);
    if (plan) faults.push({ plan, path });
    return undefined;
  }, false, COUNT_LIMITS.faults);
  checkNetworkOverlaps(faults, ctx.problems);
  return faults.map((x) => x.plan);
}

function readFault(item: unknown, path: ConfigPath, ctx: FaultContext): FaultPlan | undefined {
  if (!isMapping(item)) return void ctx.problems.add(path, `must be a mapping, got ${show(item)}`);
  const f = new Fields(item, path, ctx.problems);
  const scale = ctx.durationScale;
  const at = f.duration('at', RANGES['faults[].at'], true);
  const duration = f.duration('duration', RANGES['faults[].duration']);
  const action = f.oneOf('action', FAULT_ACTION_NAMES, true);
  if (at !== undefined && ctx.runS > 0 && at * scale >= ctx.runS) f.problem('at', `is not before the run ends (${formatDuration(ctx.runS)}), got ${show(item.at)}`);
  // Without a known action its parameters cannot be checked; only the common fields were.
  if (action === undefined) return undefined;
  const rule: ActionRule<FaultAction> = FAULT_ACTIONS[action];
  checkParameterNames(f, action);
  checkTarget(f, action, rule, ctx.target);
  if (rule.duration === 'never' && f.has('duration')) f.problem('duration', `${action} is instantaneous and takes no duration`);
  if (rule.duration === 'required' && !f.has('duration')) f.problem('duration', `is required for ${action} faults (how long the fault lasts)`);
  if (at !== undefined && duration !== undefined && ctx.runS > 0 && (at + duration) * scale > ctx.runS + 1e-9) {
    f.problem('duration', `ends after the run (at ${formatDuration(at * scale)} + ${formatDuration(duration * scale)} > ${formatDuration(ctx.runS)})`);
  }
  const params = rule.read(f);
  if (params === undefined || at === undefined || (f.has('duration') && duration === undefined)) return undefined;
  if ('replica' in params && 'embedded' in ctx.target && ctx.target.replicas !== undefined) {
    const m = REPLICA_PATTERN.exec(params.replica);
    if (m && Number(m[1]) >= ctx.target.replicas) f.problem('replica', `there is no replica ${params.replica} (the stack has r0 to r${ctx.target.replicas - 1})`);
  }
  const timed = rule.duration !== 'never' && duration !== undefined;
  if ('guard' in params && params.guard) params.guard = scaleGuard(params.guard, scale);
  return { atS: at * scale, ...(timed && { durationS: duration * scale }), action, params } as FaultPlan;
}

/** checkParameterNames reports fields that are no parameter of the action, naming the action they belong to. */
function checkParameterNames(f: Fields, action: FaultAction): void {
  const allowed = [...FAULT_KEYS, ...FAULT_ACTIONS[action].keys];
  const unknown: Record<string, unknown> = {};
  for (const key of Object.keys(f.obj)) {
    if (allowed.includes(key)) continue;
    const owner = FAULT_ACTION_NAMES.find((a) => FAULT_ACTIONS[a].keys.includes(key));
    if (owner) f.problem(key, `is a parameter of ${owner} faults, not of ${action}`);
    else unknown[key] = f.obj[key];
  }
  new Fields(unknown, f.path, f.problems).allowOnly(allowed);
}

/** checkTarget reports replica faults against targets without the embedded stack's admin API. */
function checkTarget(f: Fields, action: FaultAction, rule: ActionRule<FaultAction>, target: TargetSpec | EmbeddedTarget): void {
  rule.checkTarget?.(f, action, target);
  if (rule.needs !== 'replicas') return;
  if (!('embedded' in target)) {
    f.problem('action', `${action} needs the embedded stack's admin API, but the target is external (${target.name}): against an external stack only command, network and kubernetes faults apply (e.g. {action: kubernetes, op: delete-pod, selector: app=server})`);
  } else if (target.replicas === undefined || target.replicas < 2) {
    f.problem('action', `${action} needs a replicated embedded stack: write target: {embedded: true, replicas: 3}`);
  }
}

function readReplica(f: Fields): { replica: string } | undefined {
  const v = f.obj.replica;
  if (v === undefined || v === null) return { replica: 'any' };
  if (typeof v !== 'string' || (v !== 'any' && !REPLICA_PATTERN.test(v))) return void f.problem('replica', `must be any or a replica id like r1, got ${show(v)}`);
  return { replica: v };
}

/** checkNetworkOverlaps reports network faults whose windows overlap: the proxy applies one delay at a time. */
function checkNetworkOverlaps(faults: { plan: FaultPlan; path: ConfigPath }[], problems: Problems): void {
  const network = faults.filter((x) => x.plan.action === 'network').sort((a, b) => a.plan.atS - b.plan.atS);
  for (let i = 1; i < network.length; i++) {
    const prev = network[i - 1]!;
    const cur = network[i]!;
    const prevEnd = prev.plan.atS + (prev.plan.durationS ?? 0);
    if (cur.plan.atS < prevEnd) {
      problems.add([...cur.path, 'at'], `overlaps the network fault ${formatPath(prev.path)} (${formatDuration(prev.plan.atS)} to ${formatDuration(prevEnd)}); network faults cannot overlap`);
    }
  }
}

/**
 * readDrill validates `drill:` (absent fields take DRILL_DEFAULTS) and scales its windows by --duration-scale like
 * every other duration of the schedule, to whole seconds (the results' resolution) and at least 1 s. Undefined
 * when there is nothing to record: no `drill:` and no scale, so the defaults apply.
 */
export function readDrill(f: Fields, durationScale = 1): DrillSpec | undefined {
  const d = f.mapping('drill');
  if (!d && durationScale === 1) return undefined;
  d?.allowOnly(DRILL_KEYS);
  const whole = (key: 'recovery_window' | 'compare_window', fallback: number): number => {
    const v = d?.duration(key, RANGES[`drill.${key}`]);
    if (v === undefined) return scaleWindow(fallback, durationScale);
    if (!Number.isInteger(v)) d!.problem(key, `must be whole seconds (results are kept per second), got ${show(d!.obj[key])}`);
    return scaleWindow(v, durationScale);
  };
  const recoveryWindowS = whole('recovery_window', DRILL_DEFAULTS.recoveryWindowS);
  const compareWindowS = whole('compare_window', DRILL_DEFAULTS.compareWindowS);
  const requireGraceful = d?.boolean('require_graceful');
  return { recoveryWindowS, compareWindowS, ...(requireGraceful && { requireGraceful }) };
}

/** scaleWindow is a drill window of `s` seconds scaled by `scale`: the nearest whole second, at least 1. */
export function scaleWindow(s: number, scale: number): number {
  return Math.max(1, Math.round(s * scale));
}
