/**
 * SweepSpec: a sweep file after parsing and validation, as plain data (like Plan for scenarios). A sweep runs
 * one base scenario against every combination of a matrix over the reference server's configuration, or against
 * a list of external targets, and recommends one. Times are seconds, rates requests/second.
 */
import type { TargetSpec } from '../targets/target-spec.js';
import type { RecommendBasis } from './recommend.js';
import type { ExternalSpec } from './external-config.js';

/** PRECISION_NAMES are the precision variants a matrix may name (the bundled models' variants). */
export const PRECISION_NAMES = ['fp32', 'fp16', 'int8', 'int4'] as const;
/** PrecisionName is one precision variant. */
export type PrecisionName = (typeof PRECISION_NAMES)[number];

/** LLM_BATCHING_MODES are the reference LLM's batching modes (its config.yaml `llm.batching`). */
export const LLM_BATCHING_MODES = ['continuous', 'static', 'none'] as const;
/** LlmBatching is one LLM batching mode. */
export type LlmBatching = (typeof LLM_BATCHING_MODES)[number];

/** EXECUTION_PROVIDERS are the reference server's execution providers. */
export const EXECUTION_PROVIDERS = ['cpu', 'webgpu', 'cuda'] as const;
/** ExecutionProvider is one execution provider. */
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** ComboConfig is the configuration of one combination; an absent field keeps the base model config's value. */
export interface ComboConfig {
  /** false: no dynamic_batching block (every request runs alone); true: batching on. */
  dynamicBatching?: boolean;
  maxBatchSize?: number;
  /** Only with batching on (a delay turns batching on unless dynamicBatching is false). */
  maxQueueDelayUs?: number;
  /** LLM models: `llm.batching` (continuous, static, or none: one sequence at a time). */
  llmBatching?: LlmBatching;
  /** LLM models: `llm.max_num_seqs`, the sequences decoded together (no effect with llmBatching none). */
  maxNumSeqs?: number;
  /** LLM models: `llm.kv_cache_tokens`, the KV-cache budget in tokens (0: max_num_seqs × the model's context). */
  kvCacheTokens?: number;
  /** LLM models: `llm.max_queue`, waiting sequences at most (a new one past it is shed with 503). */
  maxQueue?: number;
  /** LLM models: `llm.max_queue_delay_ms`, how long a sequence may wait before it is shed with 503 (0: no limit). */
  maxQueueDelayMs?: number;
  precision?: PrecisionName;
  /** instance_group[0].count. */
  instanceCount?: number;
  intraOpThreads?: number;
  /** `gauntlet serve --replicas N` (1 = the single server). */
  replicas?: number;
  executionProvider?: ExecutionProvider;
}

/** Matrix lists the values of each swept setting; the cross product of the present keys is run. */
export type Matrix = { [K in keyof ComboConfig]?: NonNullable<ComboConfig[K]>[] };

/**
 * TokenBounds are the token-level bounds a search step against an LLM target must meet (the scenario SLO's names:
 * ttft_p99_ms, itl_p99_ms, tpot_p99_ms, min_goodput); an absent one is not checked.
 */
export interface TokenBounds {
  ttftP99Ms?: number;
  itlP99Ms?: number;
  tpotP99Ms?: number;
  /** Lowest share of requests that met the scenario's per-request thresholds (ttft_ms, itl_ms, tpot_ms, e2e_ms). */
  minGoodput?: number;
}

/** SearchSpec configures the search for the highest Poisson rate that meets the latency bound (MLPerf Server style). */
export interface SearchSpec extends TokenBounds {
  /** The p99 bound a step must meet, milliseconds (resolved by searchBounds when the file leaves it out). */
  p99Ms?: number;
  /** The error-rate bound a step must meet, 0..1 (resolved by searchBounds when the file leaves it out). */
  errorRate?: number;
  /** The lowest rate tried (probed first). */
  fromRps: number;
  /**
   * The ceiling of the search (not probed itself). Absent (`to_rps: auto`, the default): each combination's
   * ceiling comes from its own capacity probe (probe-capacity.ts), so the top step is never below capacity.
   */
  toRps?: number;
  /** How long the closed-loop capacity probe runs before the search (already scaled). */
  probeS: number;
  /** Bisection steps after the first probe. */
  steps: number;
  /** How long each step runs (already multiplied by the duration scale). */
  stepDurationS: number;
  /** A warm-up at from_rps before the first step (0 = none; already scaled). */
  warmupS: number;
}

/** StepBounds are the bounds a search step is judged on, resolved: request p99 (absent for a token-bounded LLM search), errors, token bounds. */
export interface StepBounds extends TokenBounds {
  p99Ms?: number;
  errorRate: number;
}

/** ResolvedSearch is a search with its bounds resolved (searchBounds), as it runs and as sweep.json records it. */
export type ResolvedSearch = SearchSpec & StepBounds;

/** Constraints decide which combinations may be recommended; absent fields are not checked. */
export interface Constraints {
  maxP99Ms?: number;
  maxErrorRate?: number;
  /** Lowest acceptable mean cosine similarity of the variant's outputs against fp32 (fp32 itself: 1). */
  minCosine?: number;
  /** Classifiers: lowest acceptable top-1 agreement with fp32. */
  minTop1?: number;
  maxMemoryMib?: number;
  minThroughputRps?: number;
  /** LLM variants: lowest acceptable share of greedy tokens equal to fp32's (fp32 itself: 1). */
  minAgreement?: number;
}

/** SweepTarget is one external target of a target sweep. */
export interface SweepTarget {
  /** The target file, when the target came from one. */
  file?: string;
  spec: TargetSpec;
}

/** SweepSpec is a validated sweep file. */
export interface SweepSpec {
  name: string;
  description?: string;
  /** The sweep file, when the spec came from one. */
  file?: string;
  /** The base scenario file (resolved against the sweep file's folder). */
  scenario: string;
  /** Matrix sweeps: the model family (bundled) or model name (--model-repository) under test. */
  model?: string;
  /** Matrix sweeps: the swept settings (empty: one combination, the base config). */
  matrix?: Matrix;
  /** Target sweeps: the targets to compare (no server is started). */
  targets?: SweepTarget[];
  /** External sweeps: the user's variables and how each combination is applied to the user's server (external-config.ts). */
  external?: ExternalSpec;
  /** The rate search; absent: the scenario's phases are run as they are. */
  search?: SearchSpec;
  constraints: Constraints;
  /** The --duration-scale the spec was made with. */
  durationScale: number;
  /** What the recommendation ranks on (default throughput at the SLO). */
  recommend: RecommendBasis;
  /** Matrix sweeps: what one combination costs per hour (targets carry their own `cost_per_hour`). */
  costPerHour?: number;
  /** How many times each combination's deciding run is repeated to measure run-to-run noise (0 = not measured). */
  repeats: number;
}
