/**
 * The protocol-independent surface of the reference server: what the HTTP and gRPC front ends call.
 * Front ends parse the wire format into an InferRequest, call `LoadedModel.infer`, and encode the response;
 * all validation against the model's configuration happens behind this interface.
 */
import type { ModelConfig } from '../config/model-config.js';
import type { Datatype, Tensor } from './tensor.js';

/** RequestedOutput names one output the client wants back, with its per-output parameters (e.g. binary_data). */
export interface RequestedOutput {
  name: string;
  parameters?: Record<string, unknown>;
}

/** InferRequest is one inference request as the core sees it. */
export interface InferRequest {
  id?: string;
  inputs: Tensor[];
  /** Absent or empty: every output of the model. */
  outputs?: RequestedOutput[];
  /** Request parameters; `timeout` (µs) overrides the queue policy's timeout when the policy allows it. */
  parameters?: Record<string, unknown>;
  /** When the front end finished reading the request (process.hrtime.bigint()). */
  receivedNs: bigint;
}

/** InferResponse is the result of one request: the requested outputs, in the order the model declares them. */
export interface InferResponse {
  modelName: string;
  modelVersion: string;
  id?: string;
  outputs: Tensor[];
}

/** TensorMetadata describes one model input or output in the protocol's terms (shape includes -1 for batch). */
export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}

/** ModelMetadata is the body of `GET /v2/models/{m}` / gRPC ModelMetadata. */
export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** StatDuration is Triton's `StatisticDuration`: a count and the total time in nanoseconds. */
export interface StatDuration {
  count: number;
  ns: number;
}

/** BatchStats is Triton's `InferBatchStatistics` for one batch size. */
export interface BatchStats {
  batch_size: number;
  compute_input: StatDuration;
  compute_infer: StatDuration;
  compute_output: StatDuration;
}

/** ModelStatistics is Triton's `ModelStatistics` (statistics extension), durations in nanoseconds. */
export interface ModelStatistics {
  name: string;
  version: string;
  /** Milliseconds since the epoch of the last inference, 0 if none. */
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: {
    success: StatDuration;
    fail: StatDuration;
    queue: StatDuration;
    compute_input: StatDuration;
    compute_infer: StatDuration;
    compute_output: StatDuration;
    cache_hit: StatDuration;
    cache_miss: StatDuration;
  };
  batch_stats: BatchStats[];
}

/** ModelState is a model version's state in the repository index. */
export type ModelState = 'READY' | 'UNAVAILABLE' | 'LOADING' | 'UNLOADING';

/** RepositoryEntry is one row of Triton's repository index. */
export interface RepositoryEntry {
  name: string;
  version: string;
  state: ModelState;
  /** Why the model is not ready (every config problem, or the load error); empty when READY. */
  reason: string;
}

/** QueueState is what admission control needs to know of a model's queue (counts of requests). */
export interface QueueState {
  /** max_queue_size; 0 = unbounded. */
  maxQueueSize: number;
  /** Requests in the batches executing now. */
  executing: number;
  /** Requests that free instances would start at once (idle instances × max_batch_size). */
  startable: number;
  /** How long the request at the head of the queue has waited, in milliseconds (0 when the queue is empty). */
  oldestWaitMs: number;
  /** The wait beyond which the queue counts as standing: a tenth of the queue timeout (0 = none, see Admission). */
  targetWaitMs: number;
}

/** LoadedModel is one served model version. */
export interface LoadedModel {
  readonly name: string;
  readonly version: string;
  /** The effective configuration, defaults applied (what `/config` returns). */
  readonly config: ModelConfig;
  ready(): boolean;
  metadata(): ModelMetadata;
  /** infer validates, queues, batches and runs the request; rejects with an InferError on any failure. */
  infer(request: InferRequest): Promise<InferResponse>;
  statistics(): ModelStatistics;
  /** recordRejected counts a request refused before it reached the model (admission control) as failed, REJECTED. */
  recordRejected(): void;
  /** queueState is the queue's bound (0 = none), the requests executing now, and how many more could start at once. */
  queueState(): QueueState;
}

/** ServerMetadata is the body of `GET /v2`. */
export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

/** InferenceCore is everything a protocol front end needs from the server. */
export interface InferenceCore {
  serverMetadata(): ServerMetadata;
  live(): boolean;
  /** ready is true while the server accepts inferences: every model loaded without error and not draining. */
  ready(): boolean;
  /** model finds a model version (latest served when version is absent or ''); throws InferError NOT_FOUND / UNAVAILABLE. */
  model(name: string, version?: string): LoadedModel;
  /** models lists every served model version (for statistics without a name). */
  models(): LoadedModel[];
  index(): RepositoryEntry[];
  /**
   * loadModel (re)loads a model from the repository (explicit model control); rejects with INVALID_ARGUMENT when
   * model control is not explicit, or the model cannot load (the model served before, if any, stays).
   * `configOverride` is Triton's `config` load parameter: a configuration in JSON used instead of config.yaml.
   */
  loadModel?(name: string, configOverride?: string): Promise<void>;
  /** unloadModel stops serving a model (explicit model control); its in-flight requests finish first. */
  unloadModel?(name: string): Promise<void>;
}
