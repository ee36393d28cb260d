import type { ServerTimeouts } from '../core/listen.js';

/**
 * What a replica process is started with: its options (JSON on the command line) and the test-only knob that
 * makes one replica slow.
 */

/** ReplicaOptions is the JSON argument of a replica process. */
export interface ReplicaOptions {
  modelRepository: string;
  models?: string[];
  maxBodyBytes?: number;
  maxJsonBodyBytes?: number;
  admission?: boolean;
  maxInflightRequests?: number;
  maxInflightBytes?: number;
  maxEventLoopDelayMs?: number;
  strictReadiness?: boolean;
  /** Cores the replica's instances share when a model's intra_op_threads is 0. */
  cores?: number;
  /** How long SIGTERM lets in-flight requests finish (default 30 s). */
  gracePeriodMs?: number;
  /** Client timeouts of the replica's listeners (default DEFAULT_TIMEOUTS). */
  timeouts?: Partial<ServerTimeouts>;
}

/**
 * DELAY_ENV is a test and drill knob: when set, every model of this replica runs with this artificial_delay_us
 * (overriding config.yaml), so one replica of a cluster can be made slow. Not for production use.
 */
export const DELAY_ENV = 'GAUNTLET_REPLICA_DELAY_US';
