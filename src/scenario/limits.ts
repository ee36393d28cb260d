/**
 * The limits of scenario and target files, in one place: the range of every numeric field, the most items of
 * every list, the longest strings, the size of a file and what its fields may add up to. The validators read
 * these tables and the JSON Schemas are generated from them, so both carry the same numbers; docs/scenarios.md
 * ("Limits") says why each is what it is. Every limit lies far beyond what a real test needs and keeps the
 * process safe: a value outside it is a validation problem with its path (exit 2), never a hang or a crash.
 */
import type { Bounds } from './fields.js';

/** MAX_RATE_RPS bounds every rate: send times are kept in microseconds, and one machine sends far less. */
export const MAX_RATE_RPS = 1_000_000;
/** MAX_DURATION_S bounds every duration and a run's total length (24 h); per-second rows are kept for the run. */
export const MAX_DURATION_S = 86_400;
/** MAX_LATENCY_MS bounds latencies, timeouts and delays: histograms record up to 1 hour. */
export const MAX_LATENCY_MS = 3_600_000;
/** MAX_IN_FLIGHT bounds requests outstanding at once (max_in_flight, concurrency). */
export const MAX_IN_FLIGHT = 100_000;
/** MAX_CONNECTIONS bounds the connections (each a socket and a file descriptor) a target may ask for. */
export const MAX_CONNECTIONS = 10_000;
/** MAX_REPLICAS bounds `replicas:` of an embedded target (each replica is a process with its own model sessions). */
export const MAX_REPLICAS = 16;
/** MAX_WINDOW_S bounds the drill windows and the embedded stack's restart delay (1 hour). */
export const MAX_WINDOW_S = 3600;

/** FILE_LIMITS bound a file before its contents are looked at (sizes in bytes; YAML values, aliases expanded). */
export const FILE_LIMITS = {
  /** Scenario, target and sweep files. */
  bytes: 1 << 20,
  /** YAML values (scalars, lists and mappings; an alias counts as everything it repeats). */
  yamlValues: 50_000,
  /** How deeply lists and mappings may nest. */
  depth: 64,
  /** Trace files. */
  traceBytes: 64 << 20,
  /** Send times in one trace file. */
  traceSends: 2_000_000,
  /** Request data files (perf_analyzer JSON, expected-output JSONL, .npy). */
  dataBytes: 64 << 20,
  /** Entries (requests) of one data file. */
  dataSamples: 100_000,
} as const;

/** COUNT_LIMITS bound the lists and mappings of scenario and target files (checked before their items are read). */
export const COUNT_LIMITS = {
  phases: 1000,
  faults: 1000,
  inputs: 256,
  outputs: 256,
  parameters: 256,
  headers: 256,
  models: 64,
  /** Templates of request.mix. */
  mix: 256,
  /** Accepted statuses of an expect. */
  statuses: 64,
  /** Dimensions of an input's shape. */
  shapeRank: 32,
} as const;

/** TEXT_LIMITS bound strings, in characters: names (they name folders), descriptions and everything else. */
export const TEXT_LIMITS = {
  name: 200,
  description: 10_000,
  text: 4096,
} as const;

/** TOTAL_LIMITS bound what the fields of a scenario add up to. */
export const TOTAL_LIMITS = {
  /** The sum of the phases' durations, after --duration-scale. */
  runDurationS: MAX_DURATION_S,
  /** Requests the open-loop phases plan (rate × duration, a trace's sends), for the run and for each phase. */
  plannedRequests: 1e10,
  /** Tensor elements of one request (all inputs together). */
  requestElements: 1 << 24,
  /** Bytes of tensor data built before a run: payloads × one payload's bytes (src/targets/tensor-data.ts payloadBytes). */
  payloadBytes: 256 << 20,
} as const;

/** RANGES are the ranges of the numeric fields of scenario and target files, by their place in a file. */
export const RANGES = {
  peak_rps: { gt: 0, max: MAX_RATE_RPS },
  seed: { min: 0, max: Number.MAX_SAFE_INTEGER },
  'phases[].duration': { gt: 0, max: MAX_DURATION_S },
  'phases[].rate': { gt: 0, max: MAX_RATE_RPS },
  'phases[].rate.from': { min: 0, max: MAX_RATE_RPS },
  'phases[].rate.to': { min: 0, max: MAX_RATE_RPS },
  'phases[].burst.rate': { gt: 0, max: MAX_RATE_RPS },
  'phases[].burst.every': { min: 0.001, max: MAX_DURATION_S },
  'phases[].burst.length': { min: 0.001, max: MAX_DURATION_S },
  'phases[].arrival.burstiness': { min: 0.001, max: 1000 },
  'phases[].concurrency': { min: 1, max: MAX_IN_FLIGHT },
  'phases[].speed': { min: 0.001, max: 1000 },
  'phases[].loop': { min: 1, max: 1_000_000 },
  'request.payloads': { min: 1, max: 10_000 },
  'request.inputs[].shape[]': { min: 0, max: TOTAL_LIMITS.requestElements },
  'request.mix[].weight': { gt: 0, max: 1_000_000 },
  'request.expect.status[]': { min: 100, max: 599 },
  'request.expect.tolerance.absolute': { min: 0, max: 1e6 },
  'request.expect.tolerance.relative': { min: 0, max: 1e6 },
  'faults[].at': { min: 0, max: MAX_DURATION_S },
  'faults[].duration': { gt: 0, max: MAX_DURATION_S },
  'faults[].timeout': { gt: 0, max: MAX_DURATION_S },
  'faults[].count': { min: 1, max: 10_000 },
  'faults[].replicas': { min: 0, max: 10_000 },
  'faults[].latency_ms': { min: 0, max: MAX_LATENCY_MS },
  'faults[].jitter_ms': { min: 0, max: MAX_LATENCY_MS },
  'faults[].version': { min: 1, max: 2 ** 31 - 1 },
  'faults[].guard.p99_ms': { gt: 0, max: MAX_LATENCY_MS },
  'faults[].guard.error_rate': { min: 0, max: 1 },
  'faults[].guard.window': { gt: 0, max: 3600 },
  'faults[].guard.for': { gt: 0, max: MAX_DURATION_S },
  'drill.recovery_window': { min: 1, max: MAX_WINDOW_S },
  'drill.compare_window': { min: 1, max: MAX_WINDOW_S },
  'target.timeout_ms': { min: 1, max: MAX_LATENCY_MS },
  'target.max_in_flight': { min: 1, max: MAX_IN_FLIGHT },
  'target.connections': { min: 0, max: MAX_CONNECTIONS },
  'target.cost_per_hour': { min: 0, max: 1_000_000 },
  'target.replicas': { min: 1, max: MAX_REPLICAS },
  'target.restart_delay': { min: 0, max: MAX_WINDOW_S },
  'target.cold_start_extra': { min: 0, max: 600 },
  'target.autoscale.target': { min: 0.001, max: 1_000_000 },
  'target.autoscale.tolerance': { min: 0, max: 1 },
  'target.autoscale.interval': { min: 0.1, max: 300 },
  'target.autoscale.stabilization': { min: 0, max: 3600 },
} as const satisfies Record<string, Bounds>;

/** DURATION_SCALE is the range of --duration-scale. */
export const DURATION_SCALE = { min: 0.001, max: 1000 } as const satisfies Bounds;
/** MAX_WORKERS bounds --workers (load-generator threads). */
export const MAX_WORKERS = 64;
/** MAX_LISTED_PROBLEMS is how many problems an error lists; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 1000;

/** MAX_LLM_TOKENS bounds every token count of an LLM request (prompt and output lengths): 2^20, beyond the longest context windows served. */
export const MAX_LLM_TOKENS = 1_048_576;

/** LLM_LIMITS bound the files and strings of an LLM `request:` (docs/llm.md, "Prompts and datasets"). */
export const LLM_LIMITS = {
  /** A JSONL prompt dataset, checked before it is read (each load worker holds its parsed prompts). */
  datasetBytes: 64 << 20,
  /** Prompts (non-blank lines) of a dataset. */
  datasetLines: 100_000,
  /** Messages of one conversation of a dataset. */
  messages: 1000,
  /** Problems listed per dataset or length file; the rest are counted. */
  listedLineProblems: 100,
  /** A length file (one token count a line). */
  lengthFileBytes: 16 << 20,
  /** Counts of a length file. */
  lengthFileLines: 1_000_000,
  /** A synthetic prompt's `system` text, in characters. */
  systemChars: 65_536,
  /** A Hugging Face tokenizer.json (and tokenizer_config.json); the largest common ones are about 35 MB. */
  tokenizerBytes: 64 << 20,
} as const;

/** LLM_RANGES are the ranges of the numeric fields of an LLM `request:`, by their place in a file. */
export const LLM_RANGES = {
  /** Every token count: a fixed length, a distribution's min, max, mean or median, a length file's values. */
  'request.*_tokens': { min: 1, max: MAX_LLM_TOKENS },
  'request.*_tokens.normal.stddev': { gt: 0, max: MAX_LLM_TOKENS },
  'request.*_tokens.lognormal.sigma': { gt: 0, max: 8 },
  'request.prompts.count': { min: 1, max: LLM_LIMITS.datasetLines },
} as const satisfies Record<string, Bounds>;
