/**
 * Plan: a scenario after parsing and validation, as plain data. It is what `gauntlet run --dry-run` prints and
 * everything the run needs; nothing downstream reads the YAML again. Times are seconds, rates requests/second.
 */
import type { RequestSpec, TargetSpec } from '../targets/target-spec.js';

/** ShapeSpec describes the offered rate of an open-loop phase over the phase's time; `type` names a registered shape. */
export type ShapeSpec =
  | { type: 'constant'; rps: number }
  | { type: 'ramp'; fromRps: number; toRps: number }
  | { type: 'burst'; baseRps: number; burstRps: number; everyS: number; lengthS: number }
  | { type: 'trace'; file: string; offsetsS: number[]; speed: number };

/** ArrivalSpec describes how send times are spread around the shape's rate; `type` names a registered arrival process. */
export type ArrivalSpec =
  | { type: 'constant' }
  | { type: 'poisson' }
  /** Gamma-distributed gaps; burstiness is the squared coefficient of variation (1 = Poisson, > 1 burstier). */
  | { type: 'gamma'; burstiness: number };

/** SloSpec holds the thresholds a phase is checked against (absent fields are not checked). */
export interface SloSpec {
  p50Ms?: number;
  p90Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  maxMs?: number;
  /** Share of requests that may fail (0.001 = 0.1 %). */
  errorRate?: number;
  /** Smallest acceptable achieved rate, requests/second. */
  minRps?: number;
}

/** LoadSpec is an open-loop phase (requests at scheduled times) or a closed-loop one (fixed concurrency). */
export type LoadSpec = { kind: 'open'; shape: ShapeSpec; arrival: ArrivalSpec } | { kind: 'closed'; concurrency: number };

/** PhasePlan is one phase of the run. */
export interface PhasePlan {
  name: string;
  /** Offset from the run's start. */
  startS: number;
  durationS: number;
  load: LoadSpec;
  /** Thresholds checked for this phase; null when the phase is not checked (e.g. warm-up). */
  slo: SloSpec | null;
}

/** FaultPlan is a scheduled fault (failure drills); kept as data, executed by src/faults. */
export interface FaultPlan {
  atS: number;
  durationS?: number;
  action: string;
  params: Record<string, unknown>;
}

/** EmbeddedTarget means: start the reference server on loopback and test it. */
export interface EmbeddedTarget {
  embedded: true;
  protocol: 'kserve-http' | 'kserve-grpc';
  binary: boolean;
  models?: string[];
  timeoutMs: number;
  maxInFlight: number;
}

/** Plan is a validated scenario, ready to run. */
export interface Plan {
  name: string;
  description?: string;
  /** The scenario file, when the plan came from one. */
  file?: string;
  seed: number;
  peakRps?: number;
  target: TargetSpec | EmbeddedTarget;
  request: RequestSpec;
  /** The scenario-wide thresholds (phases may override or opt out). */
  slo: SloSpec;
  phases: PhasePlan[];
  durationS: number;
  faults: FaultPlan[];
  /** The --duration-scale the plan was made with (every duration is already multiplied by it). */
  durationScale: number;
}
