/**
 * The ranges of `gauntlet serve`'s numeric options, in one table, and the check that lists every one out of its
 * range (exit 2), the replica options included when there are no replicas (a value out of range is a mistake
 * wherever it is used).
 */
import { closeSync, openSync } from 'node:fs';
import type { ServerTimeouts } from '../../reference-server/core/listen.js';
import type { AutoscaleMetric } from '../../reference-server/cluster/autoscaler.js';
import type { ClusterOptions } from '../../reference-server/cluster/cluster.js';
import { parsePolicies, POLICY_SYNTAX } from '../../reference-server/cluster/hpa.js';
import type { ServeArgs } from './serve.js';

/** NumericOption is one numeric option: its flag, its field, its range, and whether 0 turns it off (allowed below min). */
interface NumericOption {
  flag: string;
  key: keyof ServeArgs;
  min: number;
  max: number;
  /** Whole numbers only (default true). */
  integer?: boolean;
  /** 0 is accepted too, meaning off or automatic. */
  zeroIsOff?: boolean;
}

/** MAX_TIMEOUT_MS is the largest value of every timeout and duration option in milliseconds (1 h). */
export const MAX_TIMEOUT_MS = 3_600_000;

/** SERVE_RANGES are the ranges of every numeric option of `gauntlet serve` (docs/reference-server.md, docs/cluster.md). */
export const SERVE_RANGES: readonly NumericOption[] = [
  { flag: '--http-port', key: 'httpPort', min: 0, max: 65535 },
  { flag: '--grpc-port', key: 'grpcPort', min: 0, max: 65535 },
  { flag: '--metrics-port', key: 'metricsPort', min: 0, max: 65535 },
  { flag: '--grace-period', key: 'gracePeriod', min: 0, max: 3600, integer: false },
  { flag: '--max-body-bytes', key: 'maxBodyBytes', min: 1024, max: 2 ** 31 - 1 },
  { flag: '--max-json-body-bytes', key: 'maxJsonBodyBytes', min: 1024, max: 2 ** 31 - 1 },
  { flag: '--max-inflight-requests', key: 'maxInflightRequests', min: 0, max: 1_000_000 },
  { flag: '--max-inflight-bytes', key: 'maxInflightBytes', min: 0, max: Number.MAX_SAFE_INTEGER },
  { flag: '--max-event-loop-delay-ms', key: 'maxEventLoopDelayMs', min: 0, max: 60_000 },
  { flag: '--headers-timeout-ms', key: 'headersTimeoutMs', min: 100, max: MAX_TIMEOUT_MS },
  { flag: '--body-timeout-ms', key: 'bodyTimeoutMs', min: 100, max: MAX_TIMEOUT_MS, zeroIsOff: true },
  { flag: '--idle-timeout-ms', key: 'idleTimeoutMs', min: 1000, max: MAX_TIMEOUT_MS },
  { flag: '--grpc-receive-timeout-ms', key: 'grpcReceiveTimeoutMs', min: 100, max: MAX_TIMEOUT_MS, zeroIsOff: true },
  { flag: '--admin-port', key: 'adminPort', min: 0, max: 65535 },
  { flag: '--health-interval-ms', key: 'healthIntervalMs', min: 10, max: 60_000 },
  { flag: '--eject-after', key: 'ejectAfter', min: 1, max: 100 },
  { flag: '--attempt-timeout-ms', key: 'attemptTimeoutMs', min: 1, max: MAX_TIMEOUT_MS },
  { flag: '--max-retries', key: 'maxRetries', min: 0, max: 10 },
  { flag: '--max-inflight-per-replica', key: 'maxInflightPerReplica', min: 0, max: 1_000_000 },
  { flag: '--autoscale-target', key: 'autoscaleTarget', min: 0.001, max: 1_000_000, integer: false },
  { flag: '--autoscale-tolerance', key: 'autoscaleTolerance', min: 0, max: 1, integer: false },
  { flag: '--autoscale-interval', key: 'autoscaleInterval', min: 0.1, max: 300, integer: false },
  { flag: '--scale-up-stabilization', key: 'scaleUpStabilization', min: 0, max: 3600, integer: false },
  { flag: '--scale-down-stabilization', key: 'scaleDownStabilization', min: 0, max: 3600, integer: false },
  { flag: '--cold-start-extra-ms', key: 'coldStartExtraMs', min: 0, max: 600_000 },
];

/** MAX_REPLICAS_SERVE bounds --replicas (and the MAX of MIN..MAX). */
export const MAX_REPLICAS_SERVE = 64;

/** ReplicaRange is --replicas: N (min = max = N) or MIN..MAX (with --autoscale). */
export interface ReplicaRange {
  min: number;
  max: number;
}

/** parseReplicaRange reads --replicas N or MIN..MAX (1 <= MIN <= MAX <= 64), or undefined when invalid. */
export function parseReplicaRange(v: unknown): ReplicaRange | undefined {
  const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(String(v));
  if (!m || Array.isArray(v)) return undefined;
  const min = Number(m[1]);
  const max = Number(m[2] ?? m[1]);
  return min >= 1 && max <= MAX_REPLICAS_SERVE && min <= max ? { min, max } : undefined;
}

/** autoscaleProblems lists what is wrong with --replicas MIN..MAX and the autoscaler's options taken together. */
function autoscaleProblems(args: ServeArgs): string[] {
  const problems: string[] = [];
  const range = parseReplicaRange(args.replicas);
  if (!range) problems.push(`--replicas: must be an integer from 1 to ${MAX_REPLICAS_SERVE}, or MIN..MAX (1 <= MIN < MAX <= ${MAX_REPLICAS_SERVE}) with --autoscale, got ${String(args.replicas)}`);
  else if (args.autoscale !== undefined && range.min === range.max) problems.push(`--replicas: --autoscale needs a range MIN..MAX with MIN < MAX, got ${String(args.replicas)}`);
  else if (args.autoscale === undefined && range.min !== range.max) problems.push(`--replicas ${String(args.replicas)}: a range needs --autoscale queue-depth|concurrency|utilization`);
  for (const [flag, text] of [['--scale-up-policy', args.scaleUpPolicy], ['--scale-down-policy', args.scaleDownPolicy]] as const) {
    if (parsePolicies(String(text)) === undefined) problems.push(`${flag}: must be ${POLICY_SYNTAX}; pods and percent from 1 to 1000, periods from 1 s to 1 h; got '${String(text)}'`);
  }
  return problems;
}

/** autoscaleSettings are the cluster's autoscaler options from valid arguments, or undefined without --autoscale. */
export function autoscaleSettings(args: ServeArgs): ClusterOptions['autoscale'] {
  const range = parseReplicaRange(args.replicas);
  if (args.autoscale === undefined || !range) return undefined;
  return {
    metric: args.autoscale,
    min: range.min,
    target: args.autoscaleTarget ?? DEFAULT_AUTOSCALE_TARGETS[args.autoscale],
    tolerance: args.autoscaleTolerance,
    intervalMs: Math.round(args.autoscaleInterval * 1000),
    upStabilizationS: args.scaleUpStabilization,
    downStabilizationS: args.scaleDownStabilization,
    upPolicies: parsePolicies(args.scaleUpPolicy) ?? [],
    downPolicies: parsePolicies(args.scaleDownPolicy) ?? [],
  };
}

/** DEFAULT_AUTOSCALE_TARGETS are each metric's target per replica when --autoscale-target is not given. */
export const DEFAULT_AUTOSCALE_TARGETS: Record<AutoscaleMetric, number> = { 'queue-depth': 4, concurrency: 8, utilization: 0.7 };

/** MAX_RESTART_DELAY_S bounds --restart-delay (seconds; or 'never'). */
export const MAX_RESTART_DELAY_S = 3600;

/** parseRestartDelay turns --restart-delay into milliseconds (null = never), or undefined when invalid. */
export function parseRestartDelay(v: string): number | null | undefined {
  if (v.trim().toLowerCase() === 'never') return null;
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= MAX_RESTART_DELAY_S ? Math.round(n * 1000) : undefined;
}

/** serveArgProblems lists every numeric option out of its range, and a bad --restart-delay. */
export function serveArgProblems(args: ServeArgs): string[] {
  const problems: string[] = [];
  for (const o of SERVE_RANGES) {
    const v = args[o.key];
    if (v === undefined && o.key === 'autoscaleTarget') continue; // optional: each metric has its default
    const whole = o.integer !== false;
    const ok = typeof v === 'number' && (whole ? Number.isInteger(v) : Number.isFinite(v)) && ((v >= o.min && v <= o.max) || (o.zeroIsOff === true && v === 0));
    if (!ok) problems.push(`${o.flag}: must be ${whole ? 'an integer' : 'a number'} from ${o.min} to ${o.max}${o.zeroIsOff ? ' (or 0 = none)' : ''}, got ${Array.isArray(v) ? v.join(',') : String(v)}`);
  }
  if (parseRestartDelay(String(args.restartDelay)) === undefined) {
    problems.push(`--restart-delay: must be seconds from 0 to ${MAX_RESTART_DELAY_S} or 'never', got '${args.restartDelay}'`);
  }
  problems.push(...autoscaleProblems(args));
  return problems;
}

/** serveTimeouts gathers the timeout options for the server or cluster. */
export function serveTimeouts(args: ServeArgs): ServerTimeouts {
  return { headersTimeoutMs: args.headersTimeoutMs, bodyTimeoutMs: args.bodyTimeoutMs, idleTimeoutMs: args.idleTimeoutMs, grpcReceiveTimeoutMs: args.grpcReceiveTimeoutMs };
}

/**
 * accessLogProblem opens --access-log FILE for appending (creating it) and closes it again, so that a log that
 * cannot be written stops `serve` before any model is built or loaded; it returns the problem, if any.
 */
export function accessLogProblem(file: unknown): string | undefined {
  if (Array.isArray(file)) return '--access-log: give it once';
  if (typeof file !== 'string' || file.trim() === '') return '--access-log: must name a file';
  try {
    closeSync(openSync(file, 'a'));
    return undefined;
  } catch (err) {
    return `--access-log ${file}: cannot open for appending: ${(err as Error).message}`;
  }
}
