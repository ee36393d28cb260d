/**
 * Plan: a scenario after parsing and validation, as plain data. It is what `gauntlet run --dry-run` prints and
 * everything the run needs; nothing downstream reads the YAML again. Times are seconds, rates requests/second.
 */
import type { RequestSpec, TargetSpec } from '../targets/target-spec.js';
import type { TraceVariant } from './trace-replay.js';

/** ShapeSpec describes the offered rate of an open-loop phase over the phase's time; `type` names a registered shape. */
export type ShapeSpec =
  | { type: 'constant'; rps: number }
  | { type: 'ramp'; fromRps: number; toRps: number }
  | { type: 'burst'; baseRps: number; burstRps: number; everyS: number; lengthS: number }
  | TraceShapeSpec;

/**
 * TraceShapeSpec replays a trace file: its lines' offsets (seconds, ascending, the window's first at 0 when a window
 * is given), divided by speed, repeated `loop` times (true: until the phase's end). With sizes or models, `picks`
 * gives each line's request variant (NO_PICK in trace-replay.ts: the scenario's request).
 */
export interface TraceShapeSpec {
  type: 'trace';
  file: string;
  offsetsS: number[];
  speed: number;
  loop?: number | true;
  /** The window of the trace replayed, as offsets from its start (seconds; `toS` exclusive). */
  window?: { fromS?: number; toS?: number };
  /** The requests the lines send: a model and a size (see src/scenario/trace-replay.ts). */
  variants?: TraceVariant[];
  /** Per line, its index in `variants`. */
  picks?: Uint16Array;
}

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
  /** Share of requests that may get a wrong answer (BAD_OUTPUT; already part of errorRate). */
  badOutputRate?: number;
  /** Smallest acceptable achieved rate, requests/second. */
  minRps?: number;
  /** LLM goodput, per request (docs/results.md "Token metrics"): a request is good when it met each of these. */
  ttftMs?: number;
  /** Per request: its largest inter-token gap. */
  itlMs?: number;
  tpotMs?: number;
  e2eMs?: number;
  /** LLM phase thresholds: TTFT, ITL and TPOT p99, output tokens/s over the phase, goodput (share of requests). */
  ttftP99Ms?: number;
  itlP99Ms?: number;
  tpotP99Ms?: number;
  minOutputTokensPerS?: number;
  minGoodput?: number;
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

/** ReplicaRef names a replica of the embedded stack: `any` (the stack picks one) or an id like `r1`. */
export type ReplicaRef = string;

/**
 * FaultParams are the validated parameters of each fault action (see src/scenario/parse-faults.ts for the file
 * format and src/faults/actions.ts for what each does).
 */
export interface FaultParams {
  /** SIGKILL a replica of the embedded stack (a real process death). */
  'kill-replica': { replica: ReplicaRef };
  /** Stop a replica gracefully (no new requests, SIGTERM, drain). */
  'stop-replica': { replica: ReplicaRef };
  /** Start a dead or stopped replica again now. */
  'restore-replica': { replica: ReplicaRef };
  /** Run a shell command (external stacks: kubectl, docker, ssh …); killed with its process group after timeoutS. */
  command: { run: string; timeoutS: number };
  /** Delay every chunk through the TCP proxy in front of the target by latency ± jitter (uniform). */
  network: { latencyMs: number; jitterMs: number };
  /** Act on a Kubernetes cluster through kubectl (the user's kubeconfig and context): delete pods, cordon a node, scale a Deployment. */
  kubernetes: KubernetesFaultParams;
  /** Load a model through the repository extension: its version `version` beside those served, and/or a config override (src/faults/repository-actions.ts). */
  'load-model': RepositoryFaultParams & { version?: number; config?: Record<string, unknown> };
  /** Unload a model through the repository extension. */
  'unload-model': RepositoryFaultParams;
  /** Change a model's version_policy: a load with its served config, the policy replaced. */
  'set-version-policy': RepositoryFaultParams & { policy: VersionPolicySpec };
}

/** RepositoryFaultParams are what every model repository fault has: the model, the call's timeout, an optional guard. */
export interface RepositoryFaultParams {
  model: string;
  timeoutS: number;
  /** The repository API's base url (absent: the target's HTTP url). */
  url?: string;
  guard?: RolloutGuard;
}

/** VersionPolicySpec is Triton's version_policy: the latest N versions, specific ones, or all. */
export type VersionPolicySpec = { latest: { num_versions: number } } | { specific: { versions: number[] } } | { all: Record<string, never> };

/** RolloutGuard watches the seconds after a rollout step and rolls back when they breach (docs/drills.md#bad-rollout). */
export interface RolloutGuard {
  /** A second breaches when its p99 is over this (ms) … */
  p99Ms?: number;
  /** … or its failed share is over this. */
  errorRate?: number;
  /** Consecutive breaching seconds that make a breach. */
  windowS: number;
  /** How long after the step the guard watches. */
  forS: number;
  /** The verdict's bound: a breach must be detected within this many seconds of the step's end. */
  detectWithinS: number;
  /** Load the model with the configuration it had before the step when the guard detects a breach. */
  rollbackOnBreach: boolean;
}

/** KubernetesOp is what a kubernetes fault does: delete pods by label selector, cordon a node (uncordoned after a duration), scale a Deployment. */
export type KubernetesOp =
  | { op: 'delete-pod'; selector: string; count: number | 'all' }
  | { op: 'cordon-node'; node: string }
  | { op: 'scale'; deployment: string; replicas: number };

/** KubernetesFaultParams are a kubernetes fault's operation and where kubectl acts (absent namespace or context: the kubeconfig's). */
export type KubernetesFaultParams = KubernetesOp & { namespace?: string; context?: string; kubectl: string; timeoutS: number };

/** FaultAction names a fault action. */
export type FaultAction = keyof FaultParams;

/** FaultPlanOf is a scheduled fault of one action. */
export interface FaultPlanOf<A extends FaultAction> {
  /** Offset from the run's start. */
  atS: number;
  /** How long a timed fault lasts (its effect is undone at atS + durationS); absent for instantaneous faults. */
  durationS?: number;
  action: A;
  params: FaultParams[A];
}

/** FaultPlan is a scheduled fault (failure drills); kept as data, executed by src/faults. */
export type FaultPlan = { [A in FaultAction]: FaultPlanOf<A> }[FaultAction];

/** DrillSpec configures the drill measurements computed for each fault (src/faults/drill-analysis.ts). */
export interface DrillSpec {
  /** Recovery: the sliding window whose p99 must stay within the SLO, with no errors (whole seconds, default 3). */
  recoveryWindowS: number;
  /** Throughput before and after a fault is averaged over this many seconds (default 10). */
  compareWindowS: number;
  /**
   * Every overloaded phase must degrade gracefully (src/faults/graceful.ts): one that does not fails the run
   * (exit 1), as a failed SLO does. Absent or false: the verdict is stated, never judged.
   */
  requireGraceful?: boolean;
}

/** RouterPolicy is how the embedded stack's router picks a replica. */
export type RouterPolicy = 'least-outstanding' | 'round-robin' | 'latency-ewma';

/** EmbeddedTarget means: start the reference server on loopback and test it. */
export interface EmbeddedTarget {
  embedded: true;
  /** openai: the reference LLM (models[0], default tiny-llm) on the stack's OpenAI routes. */
  protocol: 'kserve-http' | 'kserve-grpc' | 'openai';
  binary: boolean;
  models?: string[];
  timeoutMs: number;
  maxInFlight: number;
  /** Replicas behind the stack's router (absent or 1: the single server, no router, no admin API). */
  replicas?: number;
  /** The router's policy (replicas > 1). */
  router?: RouterPolicy;
  /** Seconds before the supervisor restarts a dead replica, or 'never' (replicas > 1; the stack's default when absent). */
  restartDelayS?: number | 'never';
  /** Scale between min and max replicas on a metric (then `replicas` is absent; docs/cluster.md#autoscaler). */
  autoscale?: EmbeddedAutoscale;
  /** Seconds added to every replica start after start-up, standing for loading large weights. */
  coldStartExtraS?: number;
}

/** EmbeddedAutoscale is `target.autoscale`: the stack's `--autoscale` options (absent ones take the stack's defaults). */
export interface EmbeddedAutoscale {
  metric: 'queue-depth' | 'concurrency' | 'utilization';
  min: number;
  max: number;
  target?: number;
  tolerance?: number;
  intervalS?: number;
  upStabilizationS?: number;
  downStabilizationS?: number;
  upPolicy?: string;
  downPolicy?: string;
}

/** AlertExpectation is one alert an alerting drill expects: it fires within withinS of `after`, and resolves within resolveWithinS of `resolveAfter`. */
export interface AlertExpectation {
  alert: string;
  /** The fault (1-based, as in the summary) or the phase (its start) the alert answers. */
  after: { fault: number } | { phase: string };
  withinS: number;
  resolveAfter?: { fault: number } | { phase: string };
  resolveWithinS?: number;
}

/** AlertsPlan is the alerting drill of a scenario (`alerts:`): a rule file a real Prometheus evaluates during the run. */
export interface AlertsPlan {
  /** The rule file, resolved against the scenario's folder. */
  rulesFile: string;
  /** The Prometheus binary (a name on PATH or a path). */
  prometheus: string;
  expect: AlertExpectation[];
  /** Phases in which no alert may fire. */
  quietPhases: string[];
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
  /** Drill measurement settings (defaults when absent). */
  drill?: DrillSpec;
  /** The --duration-scale the plan was made with (every duration is already multiplied by it). */
  durationScale: number;
  /** The common start of a sharded run (scenario `start_at`, ISO 8601 UTC), written by the tool that launches the shards. */
  startAt?: string;
  /** Which shards of a sharded run fire the faults (scenario `faults_on`; absent: shard-0). */
  faultsOn?: 'shard-0' | 'all';
  /** The alerting drill (scenario `alerts:`), absent without one. */
  alerts?: AlertsPlan;
}
