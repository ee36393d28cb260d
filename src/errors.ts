/**
 * gauntlet's errors: one class with a stable `code` per kind of failure. Only setup and configuration problems
 * are thrown; request failures during a run are recorded as data. `src/cli` maps codes to exit codes, and
 * docs/errors.md documents every code (a test keeps the two in step).
 */

/** ERROR_CODES lists every code with its exit code and a one-line meaning. */
export const ERROR_CODES = {
  GAUNTLET_ERR_INVALID_ARGUMENT: { exit: 2, meaning: 'a command-line argument is invalid' },
  GAUNTLET_ERR_INVALID_CONFIG: { exit: 2, meaning: 'a scenario, target or model configuration file has problems (all are listed)' },
  GAUNTLET_ERR_MODEL_REPOSITORY: { exit: 2, meaning: 'the model repository is missing or unreadable' },
  GAUNTLET_ERR_MODEL_INVALID: { exit: 2, meaning: 'a model to profile is unknown, not an ONNX file, or has a dynamic dimension that no --shape resolves' },
  GAUNTLET_ERR_EP_UNAVAILABLE: { exit: 2, meaning: 'the execution provider asked for cannot load here (what is missing is named; nothing runs on CPU instead)' },
  GAUNTLET_ERR_LOG_FORMAT: { exit: 2, meaning: 'an access log is in no format characterize reads (the formats tried and a sample line are shown), or too many of its lines are malformed' },
  GAUNTLET_ERR_LOG_EMPTY: { exit: 2, meaning: 'an access log has no requests with usable timestamps' },
  GAUNTLET_ERR_ADDRESS_IN_USE: { exit: 2, meaning: 'a port to listen on is already in use' },
  GAUNTLET_ERR_PROMETHEUS_MISSING: { exit: 2, meaning: "a scenario's alerts: (the alerting drill) needs Prometheus, which is not installed (apt-get install prometheus) or not where alerts.prometheus says; nothing was run" },
  GAUNTLET_ERR_TARGET_UNREACHABLE: { exit: 3, meaning: 'the target cannot be reached or cannot serve the scenario\'s request' },
  GAUNTLET_ERR_PROMETHEUS_FAILED: { exit: 3, meaning: "the alerting drill's Prometheus did not come up (it exited, or /-/ready did not answer within 20 s); its last output lines are shown" },
  GAUNTLET_ERR_APPLY_FAILED: { exit: 3, meaning: "a sweep combination could not be applied to your server (config file, apply command, model load or readiness); recorded for that combination, the sweep goes on" },
  GAUNTLET_ERR_MODEL_BUILD: { exit: 4, meaning: 'building the bundled models failed' },
  GAUNTLET_ERR_INTERNAL: { exit: 4, meaning: 'an unexpected internal error (a bug: please report it)' },
} as const;

/** ErrorCode is one of the stable GAUNTLET_ERR_* codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** GauntletError is a failure with a stable code; `details` lists every problem when there are several. */
export class GauntletError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'GauntletError';
  }
}

/** exitCodeOf maps any thrown value to the process exit code. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof GauntletError) return ERROR_CODES[err.code].exit;
  return ERROR_CODES.GAUNTLET_ERR_INTERNAL.exit;
}
