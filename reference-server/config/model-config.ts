/**
 * ModelConfig: the Triton-like `config.yaml` of one model in a model repository.
 *
 * Field names follow Triton's `model_config.proto` (snake_case), so `GET /v2/models/{m}/config` can return the
 * effective configuration as Triton's JSON. Fields marked "gauntlet" are our extensions.
 */
import type { Datatype } from '../core/tensor.js';

/** ConfigDataType is Triton's `DataType` enum name, e.g. `TYPE_FP32`. */
export type ConfigDataType = `TYPE_${Exclude<Datatype, 'BYTES'>}` | 'TYPE_STRING';

/** TensorConfig declares one model input or output; `dims` excludes the batch dimension when max_batch_size > 0. */
export interface TensorConfig {
  name: string;
  data_type: ConfigDataType;
  dims: number[];
  /** Inputs only: the request may omit it. */
  optional?: boolean;
}

/** QueuePolicy is Triton's `ModelQueuePolicy`. */
export interface QueuePolicy {
  timeout_action: 'REJECT' | 'DELAY';
  /** 0 = no timeout. */
  default_timeout_microseconds: number;
  allow_timeout_override: boolean;
  /** 0 = unbounded (Triton's default); gauntlet's bundled models set a bound so overload sheds. */
  max_queue_size: number;
}

/** DynamicBatching is Triton's `ModelDynamicBatching`. */
export interface DynamicBatching {
  preferred_batch_size: number[];
  max_queue_delay_microseconds: number;
  preserve_ordering: boolean;
  default_queue_policy: QueuePolicy;
}

/** InstanceGroup is Triton's `ModelInstanceGroup` (kinds KIND_CPU and KIND_GPU). */
export interface InstanceGroup {
  name?: string;
  count: number;
  kind: 'KIND_CPU' | 'KIND_GPU';
}

/** ExecutionProviderName is the ONNX Runtime execution provider the model's sessions use. */
export type ExecutionProviderName = 'cpu' | 'webgpu' | 'cuda';

/** GraphOptimizationLevel is ONNX Runtime's graph optimisation level. */
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** VersionPolicy is Triton's `ModelVersionPolicy`: which version folders are served. */
export type VersionPolicy =
  | { latest: { num_versions: number } }
  | { all: Record<string, never> }
  | { specific: { versions: number[] } };

/** Accuracy is a precision variant's agreement with the fp32 model on a fixed input set (gauntlet). */
export interface Accuracy {
  /** The model the variant was compared with, e.g. `mlp`. */
  reference: string;
  /** How many fixed inputs were compared. */
  samples: number;
  max_abs_error: number;
  mean_abs_error: number;
  /** Mean over samples of the cosine similarity between the variant's and the reference's outputs. */
  cosine_similarity: number;
  /** Classifiers only: the share of samples whose arg-max class equals the reference's. */
  top1_agreement?: number;
}

/** ModelConfig is a model's whole configuration, as loaded from `config.yaml` with defaults applied. */
export interface ModelConfig {
  name: string;
  platform: 'onnxruntime_onnx';
  /** 'llm': the folder holds the reference LLM, served on the OpenAI routes (`/v1/...`) with the `llm` settings, not on KServe. */
  backend: 'onnxruntime' | 'llm';
  /** 0 = the model does not batch (inputs carry their full shape). */
  max_batch_size: number;
  input: TensorConfig[];
  output: TensorConfig[];
  /** Absent: every request runs alone, in arrival order. */
  dynamic_batching?: DynamicBatching;
  instance_group: InstanceGroup[];
  version_policy: VersionPolicy;
  /** gauntlet: ONNX Runtime execution provider for every instance of the model. */
  execution_provider: ExecutionProviderName;
  /** gauntlet: intra-op threads per session; 0 = available cores ÷ instance count (at least 1). */
  intra_op_threads: number;
  /** gauntlet: ONNX Runtime graph optimisation level. */
  graph_optimization_level: GraphOptimizationLevel;
  /** gauntlet: when the execution provider cannot load, run on CPU instead of failing the load. */
  fallback_to_cpu: boolean;
  /** gauntlet: numeric precision of the weights (I/O stays FP32 unless the inputs say otherwise). */
  precision?: 'fp32' | 'fp16' | 'int8' | 'int4';
  /** gauntlet: measured agreement of this variant with its fp32 reference. */
  accuracy?: Accuracy;
  /** gauntlet: free-form description shown in the repository index and reports. */
  description?: string;
  /** gauntlet: artificial delay added to each execution, for calibrating gates (microseconds; default 0). */
  artificial_delay_us?: number;
  /** gauntlet: how an LLM (backend 'llm') is scheduled; present exactly when backend is 'llm'. */
  llm?: LlmServingConfig;
}

/** LlmBatching is how an LLM's sequences share forward passes (docs/reference-server.md#llm-serving). */
export type LlmBatching = 'continuous' | 'static' | 'none';

/** LlmServingConfig is an LLM model's scheduler settings (gauntlet; names follow vLLM's engine arguments). */
export interface LlmServingConfig {
  /** continuous: sequences join and leave between steps; static: groups run to completion; none: one at a time. */
  batching: LlmBatching;
  /** Sequences in the running batch at most (vLLM's max_num_seqs; default 16). */
  max_num_seqs: number;
  /** KV-cache budget in tokens; a sequence reserves prompt + max_tokens (0 = max_num_seqs x the model's context). */
  kv_cache_tokens: number;
  /** Requests waiting for a place in the batch at most; one more is shed with 503 (default 256). */
  max_queue: number;
  /** How long a request may wait for a place, ms; past it, it is answered 503 (default 30 000; 0 = no limit). */
  max_queue_delay_ms: number;
}
