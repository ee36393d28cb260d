/**
 * The ranges of `gauntlet serve`'s numeric options, in one table, and the check that lists every one out of its
 * range (exit 2), the replica options included when there are no replicas (a value out of range is a mistake
 * wherever it is used).
 */
import { closeSync, openSync } from 'node:fs';
import type { ServerTimeouts } from '../../reference-server/core/listen.js';
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
  { flag: '--replicas', key: 'replicas', min: 1, max: 64 },
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
];

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
    const whole = o.integer !== false;
    const ok = typeof v === 'number' && (whole ? Number.isInteger(v) : Number.isFinite(v)) && ((v >= o.min && v <= o.max) || (o.zeroIsOff === true && v === 0));
    if (!ok) problems.push(`${o.flag}: must be ${whole ? 'an integer' : 'a number'} from ${o.min} to ${o.max}${o.zeroIsOff ? ' (or 0 = none)' : ''}, got ${Array.isArray(v) ? v.join(',') : String(v)}`);
  }
  if (parseRestartDelay(String(args.restartDelay)) === undefined) {
    problems.push(`--restart-delay: must be seconds from 0 to ${MAX_RESTART_DELAY_S} or 'never', got '${args.restartDelay}'`);
  }
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
