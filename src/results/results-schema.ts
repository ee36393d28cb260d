/**
 * The results.json format (schemaVersion 2; readers still take 1, see read-results.ts). Reports and gates read
 * only this file (and the .hlog), never live state. Times are microseconds, rates per second; docs/results.md
 * documents every field.
 */
import type { AlertDrillResult, AlertRecord } from './alert-results.js';
import type { ErrorSample } from '../load/messages.js';
import type { LatencySummary } from '../metrics/hdr.js';
import type { ServerInterval } from '../metrics/server-scrape.js';
import type { PhaseValidity } from '../run/metric-validity.js';
import type { GeneratorStalls } from '../metrics/stalls.js';
import type { FaultAction, FaultPlan, Plan } from '../scenario/plan.js';

/**
 * RESULTS_SCHEMA_VERSION is bumped on any incompatible change to the format. 2: `valid` is null while the run
 * goes, SLO checks of phases that did not run have `pass: null`, phases say how long they ran (`state`,
 * `elapsedS`) and their rates are per second of that time, and the writer leaves a `heartbeat`. 3: a phase's
 * `tokens.outputTokensPerS` counts only the output tokens that arrived within the phase's window (the backlog
 * drained after it is `outputTokensAfterPhase`, over `drainS`), and its `output_tokens_per_s` SLO check judges that.
 */
export const RESULTS_SCHEMA_VERSION = 3;
/** READABLE_RESULTS_VERSIONS are the versions this gauntlet reads (older ones are upgraded in memory). */
export const READABLE_RESULTS_VERSIONS: readonly number[] = [1, 2, 3];

/**
 * PhaseState says how much of a phase ran: all of it, part of it (the run was stopped, or, in a snapshot written
 * while the run goes, the phase is under way), or none of it.
 */
export type PhaseState = 'complete' | 'partial' | 'not-run';

/** PhaseResult is one phase's measurements. */
export interface PhaseResult {
  name: string;
  kind: 'open' | 'closed';
  startS: number;
  /** The planned duration. */
  durationS: number;
  /** How much of it ran (written since schemaVersion 2; absent: complete). */
  state?: PhaseState;
  /** Seconds the phase ran: from its start to the run's stop (durationS when complete); absent: durationS. */
  elapsedS?: number;
  /** Requests per second the plan asked for (open loop), or that were started (closed loop), over elapsedS. */
  offeredRps: number;
  /** Requests per second actually sent, over elapsedS. */
  achievedRps: number;
  /** Successful responses per second, over elapsedS. */
  throughputRps: number;
  scheduled: number;
  sent: number;
  /** Requests that got an outcome (success or error), DROPPED not included. */
  completed: number;
  ok: number;
  dropped: number;
  /** Sends more than 1 ms late. */
  lateSends: number;
  /** Failed requests by code, DROPPED included. */
  errors: Record<string, number>;
  /** Failed ÷ (sent + dropped). */
  errorRate: number;
  /** Intended send → response, successful requests (µs): the latency users see. */
  latencyUs: LatencySummary;
  /** Actual send → response, successful requests (µs). */
  serviceTimeUs: LatencySummary;
  /** Actual send → first response byte (µs). */
  ttfbUs: LatencySummary;
  /** Actual − intended send time (µs). */
  sendLagUs: LatencySummary;
  /** Compressed base64 HDR histogram of latencyUs. */
  histogram: string;
  /** Compressed base64 HDR histogram of serviceTimeUs. */
  serviceHistogram: string;
  /** Compressed base64 HDR histograms of ttfbUs and sendLagUs, so that shards merge them exactly (absent in older files). */
  ttfbHistogram?: string;
  sendLagHistogram?: string;
  /** The server's own view of the phase (mean over its seconds), when its metrics were scraped. */
  server?: { meanBatch: number; queueUs: number; computeInferUs: number; requestUs: number; requestsPerS: number };
  /** Graceful degradation: requests the target turned away (503 / UNAVAILABLE) against those it served. */
  degradation?: Degradation;
  /**
   * Per figure, whether the generator's own lateness could explain it (src/run/metric-validity.ts): valid,
   * marginal or invalid, with the numbers. Added in schema 2 without a bump; absent in older files (readers
   * judge those from the phase's figures).
   */
  validity?: PhaseValidity;
  /** LLM targets: what the responses' token streams said (docs/results.md "Token metrics"); absent otherwise. */
  tokens?: PhaseTokens;
}

/**
 * PhaseTokens are a phase's token-level figures, from successful responses that carried tokens, all from intended
 * send times. Added in schema 2 without a bump (an optional block: older readers ignore it, files without it have
 * no token data).
 */
export interface PhaseTokens {
  /** Successful responses with token timing. */
  requests: number;
  /** First token − intended send time (µs). */
  ttftUs: LatencySummary;
  /** Every gap between content chunks (µs). */
  itlUs: LatencySummary;
  /** Per request: (last − first token) ÷ (output tokens − 1), requests with two or more output tokens (µs). */
  tpotUs: LatencySummary;
  /** Prompt and output tokens per request (counts). */
  inputTokens: LatencySummary;
  outputTokens: LatencySummary;
  /** Per request: output tokens ÷ (completion − intended send time), tokens/s. */
  outputTokensPerSPerRequest: LatencySummary;
  inputTokensTotal: number;
  outputTokensTotal: number;
  /** outputTokensInWindow ÷ elapsedS: the output tokens/s delivered while the phase ran (since schema 3). */
  outputTokensPerS: number;
  /** Output tokens of every response completed within the phase's window, whichever phase sent it (schema 3). */
  outputTokensInWindow: number;
  /** Output tokens of the phase's responses that completed after its end: the backlog drained (schema 3). */
  outputTokensAfterPhase: number;
  /** Seconds from the phase's end to the end of the last second with its output tokens (0: nothing drained; schema 3). */
  drainS: number;
  /** requests ÷ elapsedS. */
  requestsPerS: number;
  goodput: TokenGoodput;
  /** How tokens were counted: `usage` (the server's), a tokenizer's name, or `mixed` (see counting). */
  countedBy: string;
  counting: {
    /** Requests by method. */
    byMethod: Record<string, number>;
    /** Requests counted from the server's usage, and by a tokenizer. */
    usage: number;
    tokenizer: number;
    /** Requests whose server sent a usage (whichever method counted). */
    serverUsage: number;
  };
  /** Requests by finish_reason (`stop`, `length`, …; `none`: the stream sent none). */
  finishReasons: Record<string, number>;
  /** Compressed base64 HDR histograms (empty in snapshots written while the run goes); rate in thousandths of tokens/s. */
  histograms: { ttft: string; itl: string; tpot: string; input: string; output: string; rate: string };
}

/** TokenGoodput is the share and rate of a phase's requests that succeeded and met every per-request threshold. */
export interface TokenGoodput {
  good: number;
  /** good ÷ (sent + dropped): failed and dropped requests are not good. */
  fraction: number;
  /** good ÷ elapsedS. */
  rps: number;
  /** The per-request thresholds judged (ms; itlMs against each request's largest gap); empty: every success is good. */
  criteria: { ttftMs?: number; itlMs?: number; tpotMs?: number; e2eMs?: number };
}

/** IntervalTokens are one second's token figures (IntervalResult.tokens); histograms are in the .hlog. */
export interface IntervalTokens {
  requests: number;
  good: number;
  inputTokens: number;
  /** Output tokens of responses completed in the second: its output tokens/s. */
  outputTokens: number;
  ttftUs: { p50: number; p99: number; max: number };
  itlUs: { p50: number; p99: number; max: number };
  tpotUs: { p50: number; p99: number };
}

/** REJECTION_CODES are the outcome codes that mean the target turned a request away (load shedding). */
export const REJECTION_CODES = ['HTTP_503', 'GRPC_UNAVAILABLE', 'GRPC_RESOURCE_EXHAUSTED'] as const;

/** Degradation is how a phase's requests split between served and turned away. */
export interface Degradation {
  /** Successful responses. */
  accepted: number;
  /** Responses with one of REJECTION_CODES. */
  rejected: number;
  /** Every other failure (timeouts, resets, other statuses, DROPPED). */
  otherFailed: number;
  /** rejected ÷ (sent + dropped). */
  rejectedShare: number;
  /** Latency of the accepted requests (µs). */
  acceptedLatencyUs: { p50: number; p99: number };
  /** Why the accepted requests' latency counts as degraded (docs/drills.md), e.g. "p99 1277 ms, over the SLO's 250 ms"; absent when it does not. */
  latencyDegraded?: string;
  /**
   * Overloaded phases only (requests turned away or failed, or latency degraded): whether the degradation was
   * graceful by the rule of docs/drills.md "Graceful degradation" (src/faults/graceful.ts). Added in schema 2
   * without a bump; absent in older files and in phases that were not overloaded.
   */
  graceful?: boolean;
  /** Why the degradation was not graceful, one sentence each (empty when it was); present with `graceful`. */
  reasons?: string[];
}

/**
 * SloCheck is one threshold checked for one phase. A phase that did not run has checks with `pass` and `actual`
 * null (not run: neither met nor failed); a phase cut short is checked on what ran and marked `partial`.
 */
export interface SloCheck {
  phase: string;
  metric: string;
  threshold: number;
  /** null: not run, or (latency) no successful response, which JSON writes for Infinity. */
  actual: number | null;
  pass: boolean | null;
  unit: 'ms' | 'ratio' | 'rps' | 'tokens/s';
  partial?: boolean;
}

/** IntervalResult is one second of one phase. */
export interface IntervalResult {
  /** Seconds since the run's start. */
  t: number;
  phase: string;
  offeredRps: number;
  sentRps: number;
  okRps: number;
  errors: Record<string, number>;
  latencyUs: LatencySummary;
  serviceTimeUs: LatencySummary;
  sendLagP99Us: number;
  lateSends: number;
  /** Compressed HDR histogram of the second's latencies (empty in the snapshots written while the run goes). */
  histogram: string;
  /** LLM targets: the second's token figures; absent otherwise. */
  tokens?: IntervalTokens;
}

/** FaultOutcome is how a fault went: pending (not due yet) and running appear only while the run goes. */
export type FaultOutcome = 'pending' | 'running' | 'ok' | 'failed' | 'timeout' | 'skipped';

/** ColdStart is how long a replica took from spawn to ready, by stage (docs/cluster.md). */
export interface ColdStart {
  spawnToLoadedMs: number;
  loadedToReadyMs: number;
  totalMs: number;
}

/** FaultRecord is one fault of the run: what was planned, when it really started and ended, and how it went. */
export interface FaultRecord {
  /** Position in the scenario's faults list. */
  index: number;
  action: FaultAction;
  params: FaultPlan['params'];
  /** Planned start and duration, seconds from the run's start. */
  atS: number;
  durationS?: number;
  /** When the action began; null if it never did (skipped). */
  startedAtS: number | null;
  /** When its effect ended: a timed fault's undo completed, an instantaneous action completed. */
  endedAtS: number | null;
  outcome: FaultOutcome;
  /** What happened, readable (the admin API's answer, a command's exit, a proxy change). */
  detail: string;
  /** The replica a replica fault acted on. */
  replica?: string;
  /** The cold start of the replica that replaced (or restored) the one this fault took down. */
  coldStartMs?: number;
  coldStart?: ColdStart;
  /** command faults: the exit code (null when killed), the signal that ended it, and its last output lines. */
  exitCode?: number | null;
  signal?: string | null;
  output?: string[];
  /** The drill measurements around this fault (final results only). */
  drill?: FaultDrill;
  /** Repository faults with a `guard:`: what the rollout guard saw and did (src/faults/rollout-guard.ts). */
  guard?: GuardRecord;
}

/** GuardRecord is a rollout guard's watch after its step: the breach it detected, the rollback, the verdict. */
export interface GuardRecord {
  /** The seconds watched: from the step's end to forS later (seconds of the run). */
  watchedFromS: number;
  watchedToS: number;
  /** The breach: the first second of the breaching run, when it was detected (run time) and why; null: none. */
  breach: { firstSecondS: number; detectedAtS: number; detectionDelayS: number; reason: string } | null;
  /** The rollback (a load with the configuration from before the step); null: none was made. */
  rollback: { startedAtS: number; endedAtS: number; outcome: 'ok' | 'failed' | 'timeout'; detail: string } | null;
  /** pass: no breach, or a breach detected within detect_within and rolled back (when rollback_on_breach). */
  verdict: { pass: boolean; reason: string };
  /** The breach's damage window (final results only; src/faults/guard-damage.ts). */
  damage?: GuardDamage;
}

/** GuardDamage is a breach's damage window: first breaching second to the first second back within the guard. */
export interface GuardDamage {
  /** Seconds of the run: [startS, endS). */
  startS: number;
  endS: number;
  seconds: number;
  /** false: no second was back within the guard before the run ended (endS is the run's last second + 1). */
  recovered: boolean;
  /** Requests that failed, and successful ones slower than the guard's p99_ms (0 without p99_ms), in the window. */
  failed: number;
  overP99: number;
  /** The worst per-second p99 in the window (µs). */
  worstP99Us: number;
}

/** FaultDrill is what a fault did to the load, from the per-second intervals (src/faults/drill-analysis.ts). */
export interface FaultDrill {
  /** The fault's window, seconds from the run's start: [start, end); see docs/drills.md. */
  window: { startS: number; endS: number; endsAt: 'fault-end' | 'next-fault' | 'phase-end' | 'run-end' };
  /** The phase the fault started in. */
  phase: string;
  /** Failed requests in the window's seconds, by code, and their total. */
  failedByCode: Record<string, number>;
  failed: number;
  /** Worst per-second p99 and maximum latency in the window (µs). */
  worstP99Us: number;
  worstMaxUs: number;
  /** Successful responses per second before, during and after the window (null: no seconds to average). */
  throughputRps: { before: number | null; during: number | null; after: number | null };
  /** Offered requests per second over the same seconds. */
  offeredRps: { before: number | null; during: number | null; after: number | null };
  /** The seconds `before` and `after` were averaged over: compare_window, clipped to phases of the fault's load and to other faults (null: none). */
  compareSpans?: { before: { startS: number; endS: number } | null; after: { startS: number; endS: number } | null };
  recovery: RecoveryResult;
  /** The replacement replica's cold start (replica faults), else null. */
  coldStartMs: number | null;
  /** Requests sent in the phases the window touches that never got an outcome (must be 0). */
  lost: number;
  /** LLM targets: what the fault did to the token streams (src/faults/drill-tokens.ts); absent for other targets. */
  tokens?: DrillTokens;
}

/** DrillTokens is a fault's effect on an LLM target's token streams (docs/drills.md). */
export interface DrillTokens {
  /** TTFT p99 (ms): the median per-second p99 before the window (the pre-fault baseline), the worst second in it, the median after (null: no seconds). */
  ttftP99Ms: { before: number | null; worst: number | null; after: number | null };
  /** Output tokens per second before, during and after the window (the same seconds as throughputRps). */
  outputTokensPerS: { before: number | null; during: number | null; after: number | null };
  /** Streams cut mid-answer in the window's seconds (STREAM_ABORTED). */
  streamsCut: number;
  /** Output tokens the window's seconds fell short of the pre-fault rate (null: no seconds before or during). */
  tokensLost: number | null;
  /** When every window of recovery_window seconds had TTFT p99 within 2× its pre-fault baseline and no errors. */
  ttftRecovery: RecoveryResult;
}

/** RecoveryResult says when the target was back within its SLO after a fault. */
export interface RecoveryResult {
  /** Where the search starts: an instantaneous fault's start, a timed fault's end (seconds from the run's start). */
  fromS: number;
  /** The first moment from which every window of windowS seconds had p99 within p99LimitMs and no errors; null: not observed. */
  recoveredAtS: number | null;
  /** recoveredAtS − fromS; null when not observed. */
  recoveryS: number | null;
  windowS: number;
  /** The p99 threshold used (the phase's SLO, else the scenario's); null: only errors were checked. */
  p99LimitMs: number | null;
  /** Why recovery was not observed, or how it was judged. */
  note?: string;
  /** Why recovery was not seen, in a word for tables: the span was shorter than the window, requests still failed, or the p99 stayed over the limit. */
  notSeen?: 'too-short' | 'errors' | 'p99';
}

/**
 * Heartbeat is how a reader tells a run that is still going from one whose writer died: the writer rewrites the
 * file at least every intervalS seconds while the status is running (src/results/liveness.ts has the rule).
 */
export interface Heartbeat {
  /** When the file was last written (ISO 8601). */
  updatedAt: string;
  intervalS: number;
  /** The writing process and its host. */
  pid: number;
  host: string;
}

/**
 * Incomplete is what gauntlet's reader found about a file left `running` (never written to the file): a dead
 * writer (killed, crashed, its machine gone) or a run still in progress.
 */
export interface Incomplete {
  state: 'writer-died' | 'in-progress';
  /** The last heartbeat (ISO 8601); the file's modification time for files without one. */
  updatedAt: string;
  /** Seconds from that heartbeat to the reading. */
  ageS: number;
  /** Why, for people ("the run stopped updating its results at … — killed?"). */
  note: string;
  /** Seconds of the plan the file covers, and the whole seconds after the last finished one that have no data. */
  measuredS: number;
  missingSeconds: { from: number; to: number } | null;
  /** Requests sent that have no outcome in the file (in flight when it was last written). */
  unaccounted: number;
  /** Latency histograms rebuilt from latency.hlog: how many (second, phase) lines were used, and any problem. */
  hlog: { lines: number; lastSecond: number | null; problem?: string };
}

/** ResultsFile is the whole results.json. */
export interface ResultsFile {
  schemaVersion: number;
  tool: { name: 'gauntlet'; version: string };
  scenario: { name: string; file?: string; description?: string; seed: number; peakRps?: number; durationScale: number };
  plan: Plan;
  target: {
    name: string;
    protocol: string;
    url: string;
    model?: string;
    embedded: boolean;
    costPerHour?: number;
    /** Replicas of the embedded stack, when replicated. */
    replicas?: number;
    /** The TCP proxy gauntlet put in front of the target for network faults: its address and the bytes it carried. */
    proxy?: { url: string; bytesToTarget: number; bytesFromTarget: number; connections: number };
  };
  startedAt: string;
  endedAt?: string;
  /** running while the run goes (the file is rewritten each second), then complete, interrupted or failed. */
  status: 'running' | 'complete' | 'interrupted' | 'failed';
  interrupted: boolean;
  /**
   * Seconds on the run's clock (t of intervals) that the figures cover: the plan's duration when complete, the
   * moment of the stop when interrupted, the moment of the snapshot while running. Absent in version 1 files.
   */
  measuredS?: number;
  /**
   * False when the measurement cannot be trusted; invalidReasons says why. The file holds null while the run
   * goes (not judged yet); readers (src/results/read-results.ts) turn that into false, with `incomplete` set.
   */
  valid: boolean;
  invalidReasons: string[];
  /**
   * Which rule made `valid`: `effect` (each judged figure by what the generator's lag could do to it) or `strict`
   * (more than 1 % of sends over 1 ms late makes the whole run invalid; `--strict-validity`). Absent in files
   * written before it existed, which used the strict rule.
   */
  validityRule?: 'effect' | 'strict';
  /** The writer's heartbeat (written since schemaVersion 2). */
  heartbeat?: Heartbeat;
  /** Set by gauntlet's reader, never written: the file was left running (see Incomplete). */
  incomplete?: Incomplete;
  /** The generator's punctuality; checkedLateFraction leaves out the first second (warm-up), as the validity check does. */
  generator: {
    workers: number;
    /** How each worker's sending thread was scheduled: realtime (SCHED_FIFO), high-priority (nice -10) or normal. */
    scheduling?: ('realtime' | 'high-priority' | 'normal')[];
    sendLagUs: LatencySummary;
    lateSends: number;
    lateFraction: number;
    checkedLateFraction: number;
    /** What would make the generator more punctual, when its lag made a judged figure marginal or invalid. */
    advice?: string;
    /** Stalls of the whole machine seen by a watchdog thread, and the late sends they explain (absent before issue 10). */
    stalls?: GeneratorStalls;
    /** Merged files (gauntlet merge): each shard's stalls, by shard index (stalls of different machines do not add). */
    shardStalls?: { index: number; stalls: GeneratorStalls }[];
  };
  totals: { scheduled: number; sent: number; ok: number; failed: number; dropped: number; lost: number };
  phases: PhaseResult[];
  slo: { pass: boolean; checks: SloCheck[] };
  intervals: IntervalResult[];
  server?: { metricsUrl: string; model?: string; intervals: ServerInterval[]; scrapeError?: string };
  errorSamples: ErrorSample[];
  /** Fault timeline (failure drills), in the scenario's order. */
  faults: FaultRecord[];
  /** The embedded stack's autoscaler decisions that changed the replica count (absent without an autoscaler). */
  scaleEvents?: ScaleEventRecord[];
  /** The spike drill: each step up in load and the autoscaler's lag behind it (final results with scaleEvents only; src/faults/drill-scale.ts). */
  spikes?: SpikeLag[];
  /** Files next to results.json. */
  files: { hlog: string };
  /** This run is one shard of a sharded run (gauntlet run --shard); absent otherwise. */
  shard?: ShardInfo;
  /** This file was made by gauntlet merge from shard files; absent otherwise. */
  merged?: MergedInfo;
  /** The alerting drill (scenario `alerts:`): every alert episode Prometheus reported, on the run's clock. */
  alerts?: AlertRecord[];
  /** The alerting drill's verdict (final results only); a failed one fails the run (exit 1). */
  alertDrill?: AlertDrillResult;
}

/** ScaleEventRecord is one autoscaler change (docs/cluster.md#autoscaler), on the run's clock. */
export interface ScaleEventRecord {
  /** When it was decided, seconds from the run's start (negative: before it). */
  atS: number;
  direction: 'up' | 'down';
  from: number;
  to: number;
  /** The signal behind it: its value per ready replica, its target, the ready replicas, the HPA's raw recommendation and what limited it. */
  reason: { metric: string; value: number; target: number; ready: number; recommended: number; limitedBy: string };
  replicas: string[];
  /** When every replica it started was ready (up) or every one it drained had stopped (down), on the run's clock; null if not by the end. */
  readyAtS: number | null;
  readyAfterS: number | null;
}

/** SpikeLag is one step up in load and how the autoscaler caught up with it. */
export interface SpikeLag {
  phase: string;
  /** When the step came (the phase's start) and when enough replicas were ready, seconds from the run's start (null: not within the phase). */
  spikeAtS: number;
  readyAtS: number | null;
  lagS: number | null;
  /** The first scale-up decision after the step, seconds after it (null: none). */
  decidedAfterS: number | null;
  replicasBefore: number;
  replicasAfter: number;
  /** In the lag's seconds (to the phase's end when capacity never came): requests sent, shed, timed out, failed otherwise, late. */
  sent: number;
  shed: number;
  timedOut: number;
  otherFailed: number;
  /** Answered, but slower than the phase's p99 SLO (absent without one or without histograms). */
  late?: number;
  lateLimitMs?: number;
}

/** ShardInfo: this run is shard `index` of `count` of one sharded run (gauntlet run --shard). */
export interface ShardInfo {
  index: number;            // 0-based, 0 <= index < count
  count: number;            // 1..1000
  /** The id shared by all shards of one sharded run: the common start time as ISO 8601 (`startAt`) plus the
   *  scenario name and seed, hashed (hex, 16 chars), so merge can tell shards of different launches apart. */
  runId: string;
  /** The common planned start (ISO 8601, UTC, ms precision). The shard's run clock t = 0 is this instant. */
  startAt: string;
  /** How late this process reached startAt (ms, >= 0; 0 when it waited for it). Sends due before it were late
   *  and are in the send lag like any late send. */
  lateMs: number;
  /** This process's clock against a reference, measured before the start. */
  clock: {
    method: 'date-header' | 'none';
    /** local − reference, ms (positive: this clock is ahead); null when method is none. */
    offsetMs: number | null;
    /** ± bound on offsetMs, ms (half the round trip of the exchange that bracketed the flip of the Date second). */
    uncertaintyMs: number | null;
    /** What it was measured against (the target's URL, without credentials) or why none. */
    reference: string;
  };
  /** Whether this shard ran the scenario's faults (shard 0 by default; see `faults_on` below). */
  faults: boolean;
}

/** MergedInfo: this file was made by gauntlet merge from shard files. */
export interface MergedInfo {
  runId: string;
  count: number;                 // N expected
  complete: boolean;             // every index 0..N-1 present and status complete
  shards: { index: number; file: string; status: ResultsFile['status']; valid: boolean; invalidReasons: string[];
            lateMs: number; clockOffsetMs: number | null; clockUncertaintyMs: number | null }[];
  missing: number[];             // indexes absent
  /** Why the merge is incomplete or invalid, for people. */
  notes: string[];
}
