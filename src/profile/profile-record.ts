/**
 * profile.json: what `gauntlet profile MODEL` measured, as plain data (docs/profile.md documents every field).
 * Written atomically as the profile goes, like sweep.json, so an interrupted profile leaves a readable record
 * whose status says so. Times are milliseconds unless a name says otherwise, sizes bytes, rates per second.
 */

/** PROFILE_SCHEMA_VERSION is bumped on any incompatible change to profile.json. */
export const PROFILE_SCHEMA_VERSION = 1;
/** PROFILE_FILE is the record's name in the profile's folder. */
export const PROFILE_FILE = 'profile.json';

/** ProfileEp is an execution provider a profile can run on. */
export type ProfileEp = 'cpu' | 'webgpu' | 'cuda';

/** TensorInfo is one model input or output: its name, datatype and dims (-1 or a name for a dynamic dim). */
export interface TensorInfo {
  name: string;
  datatype: string;
  dims: (number | string)[];
}

/** MachineInfo says where the profile ran, so two profiles can be put side by side. */
export interface MachineInfo {
  host: string;
  /** The CPU model, as the OS names it. */
  cpu: string;
  cores: number;
  memoryBytes: number;
  /** The GPU, where one was used (nvidia-smi's name, or the webgpu adapter's). */
  gpu?: string;
  /** What the machine costs per hour (--cost-per-hour), for cost per 1M inferences in comparisons. */
  costPerHour?: number;
}

/** Accuracy is a variant's agreement with fp32 on the fixed, seeded evaluation set (fp32 itself: cosine 1, error 0). */
export interface Accuracy {
  cosine: number;
  maxAbsError: number;
  /** Classifiers: the share of inputs whose top class agrees with fp32. */
  top1?: number;
  /** With --eval-data and labels: the task metric (top-1 accuracy against the labels) and its drop against fp32. */
  task?: { metric: 'top1'; value: number; dropVsFp32: number };
}

/** Variant is one precision of the model: its file, size, accuracy, and whether it is usable. */
export interface Variant {
  precision: string;
  /** The ONNX file profiled (relative to the profile's folder when the profile built it). */
  file: string;
  bytes: number;
  accuracy: Accuracy | null;
  /** Accuracy collapsed (cosine below BROKEN_COSINE): shown as BROKEN and never recommended. */
  broken: boolean;
  /** Why the variant could not be built or loaded (its cells are absent). */
  error?: string;
}

/** Cell is one (precision × EP × batch) measurement. */
export interface Cell {
  precision: string;
  ep: ProfileEp;
  batch: number;
  warmupIterations: number;
  iterations: number;
  latencyMs: { p50: number; p99: number; mean: number; min: number; max: number };
  /** The 95 % confidence interval of the median, milliseconds. */
  p50Ci95Ms: [number, number];
  /** The interval's half-width as a share of the median. */
  ciShare: number;
  /** The interval reached the target share (±5 %) before the time bound. */
  converged: boolean;
  /** batch ÷ mean latency. */
  throughputSamplesPerS: number;
  /** CPU: the process's resident memory growth from loading the session and running it. */
  rssGrowthBytes: number | null;
  /** GPU: the process's device memory from nvidia-smi, where present. */
  deviceMemoryBytes?: number | null;
  /** The cell could not run (out of memory, an EP error): its figures are absent. */
  error?: string;
}

/** OpRow is one op of a per-op profile, with its cost from the graph's shapes and its place under the roof. */
export interface OpRow {
  name: string;
  opType: string;
  /** Its share of the run's op time (ORT's profiler). */
  timeShare: number;
  timeUs: number;
  flops: number;
  bytes: number;
  /** flops ÷ bytes. */
  intensity: number;
  /** Which roof bounds it: compute above the ridge point (peak FLOP/s ÷ bandwidth), memory below; unknown without costs. */
  bound: 'compute' | 'memory' | 'unknown';
  /** The achieved FLOP/s (compute) or bytes/s (memory) as a share of that roof. */
  roofFraction: number | null;
}

/** Roof is the device's measured peaks on one EP (cached per machine). */
export interface Roof {
  ep: ProfileEp;
  peakFlopsPerS: number;
  bandwidthBytesPerS: number;
  /** peakFlopsPerS ÷ bandwidthBytesPerS: ops of higher intensity are compute-bound. */
  ridgeIntensity: number;
  measuredAt: string;
  /** Read from the machine's cache rather than measured in this run. */
  cached: boolean;
  /** The kernels measured: what they were and what each reached. */
  kernels: { name: string; what: string; value: number; unit: string }[];
}

/** OpProfile is the per-op profile of one cell. */
export interface OpProfile {
  precision: string;
  batch: number;
  ops: OpRow[];
}

/** Recommendation states the rule and its answer per precision and per quantized variant. */
export interface Recommendation {
  /** The rule, in words, as applied. */
  rule: string;
  perPrecision: { precision: string; bestBatch: number | null; throughputSamplesPerS: number | null; p99Ms: number | null; why: string }[];
  variants: { precision: string; speedup: number | null; accuracyLoss: number | null; worthIt: boolean; why: string }[];
}

/** ProfileRecord is the whole profile.json. */
export interface ProfileRecord {
  schemaVersion: number;
  tool: { name: 'gauntlet'; version: string };
  machine: MachineInfo;
  model: {
    source: 'bundled' | 'repository' | 'onnx';
    name: string;
    /** The bundled family, when it is one. */
    family?: string;
    /** The ONNX file or repository folder given. */
    path?: string;
    inputs: TensorInfo[];
    outputs: TensorInfo[];
    /** Classifiers get top-1 agreement. */
    classifier: boolean;
  };
  options: {
    batchSizes: number[];
    precisions: string[];
    ep: ProfileEp;
    threads: number | null;
    /** --shape values for dynamic dims other than batch. */
    shapes: Record<string, number[]>;
    p99Ms: number | null;
    minCosine: number;
    maxAccuracyDrop: number | null;
    /** The target half-width of the median's 95 % interval, as a share (0.05). */
    targetCiShare: number;
    /** The time bound of one cell's measurement, seconds. */
    maxSecondsPerCell: number;
    evalData: string | null;
  };
  startedAt: string;
  endedAt?: string;
  status: 'running' | 'complete' | 'interrupted' | 'failed';
  variants: Variant[];
  cells: Cell[];
  roof?: Roof;
  ops?: OpProfile[];
  recommendation: Recommendation | null;
}
