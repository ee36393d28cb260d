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
  /** How much lower than the router's the replica's CPU priority is (nice increment, default REPLICA_NICE). */
  nice?: number;
}

/**
 * REPLICA_NICE is how much lower a replica runs than its router on the same machine. A router that shares its
 * cores with busy replicas must still get the CPU to turn away what they cannot take: each refusal costs it tens
 * of microseconds, and when the replicas' inference threads starve it, requests wait in front of it, unrefused,
 * until they time out (bench/overload.ts). On a machine of its own the router is unaffected.
 */
export const REPLICA_NICE = 5;

/**
 * DELAY_ENV is a test and drill knob: when set, every model of this replica runs with this artificial_delay_us
 * (overriding config.yaml), so one replica of a cluster can be made slow. Not for production use.
 */
export const DELAY_ENV = 'GAUNTLET_REPLICA_DELAY_US';
