/**
 * Maps gauntlet's ModelConfig onto Triton's `inference.ModelConfig` message (proto-loader object form, enums as
 * names). Triton's own fields keep their names; gauntlet's extensions become `parameters` entries with string
 * values, as Triton backends carry their own settings.
 */
import type { ModelConfig, TensorConfig } from '../config/model-config.js';

/** ProtoModelParameter is Triton's `ModelParameter`. */
export interface ProtoModelParameter {
  string_value: string;
}

/** ProtoModelConfig is the `inference.ModelConfig` object handed to proto-loader for encoding. */
export interface ProtoModelConfig {
  name: string;
  platform: string;
  backend: string;
  version_policy: Record<string, unknown>;
  max_batch_size: number;
  input: Record<string, unknown>[];
  output: Record<string, unknown>[];
  instance_group: Record<string, unknown>[];
  dynamic_batching?: Record<string, unknown>;
  parameters: Record<string, ProtoModelParameter>;
}

/** EXTENSION_PARAMETER_KEYS lists the `parameters` keys that carry gauntlet's own configuration fields. */
export const EXTENSION_PARAMETER_KEYS = [
  'execution_provider',
  'intra_op_threads',
  'graph_optimization_level',
  'fallback_to_cpu',
  'precision',
  'description',
  'artificial_delay_us',
  'accuracy_reference',
  'accuracy_samples',
  'accuracy_max_abs_error',
  'accuracy_mean_abs_error',
  'accuracy_cosine_similarity',
  'accuracy_top1_agreement',
] as const;

/** ExtensionParameterKey is one of EXTENSION_PARAMETER_KEYS. */
export type ExtensionParameterKey = (typeof EXTENSION_PARAMETER_KEYS)[number];

/** extensionParameters flattens gauntlet's extension fields into string-valued entries, skipping absent ones. */
export function extensionParameters(config: ModelConfig): Partial<Record<ExtensionParameterKey, string>> {
  const out: Partial<Record<ExtensionParameterKey, string>> = {
    execution_provider: config.execution_provider,
    intra_op_threads: String(config.intra_op_threads),
    graph_optimization_level: config.graph_optimization_level,
    fallback_to_cpu: String(config.fallback_to_cpu),
  };
  if (config.precision !== undefined) out.precision = config.precision;
  if (config.description !== undefined) out.description = config.description;
  if (config.artificial_delay_us !== undefined) out.artificial_delay_us = String(config.artificial_delay_us);
  const a = config.accuracy;
  if (a) {
    out.accuracy_reference = a.reference;
    out.accuracy_samples = String(a.samples);
    out.accuracy_max_abs_error = String(a.max_abs_error);
    out.accuracy_mean_abs_error = String(a.mean_abs_error);
    out.accuracy_cosine_similarity = String(a.cosine_similarity);
    if (a.top1_agreement !== undefined) out.accuracy_top1_agreement = String(a.top1_agreement);
  }
  return out;
}

function tensor(t: TensorConfig, isInput: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { name: t.name, data_type: t.data_type, dims: t.dims };
  if (isInput) {
    out.format = 'FORMAT_NONE';
    out.optional = t.optional ?? false;
  }
  return out;
}

/** toProtoModelConfig converts a ModelConfig to the `inference.ModelConfig` message object Triton clients decode. */
export function toProtoModelConfig(config: ModelConfig): ProtoModelConfig {
  const parameters: Record<string, ProtoModelParameter> = {};
  for (const [key, value] of Object.entries(extensionParameters(config))) {
    if (value !== undefined) parameters[key] = { string_value: value };
  }
  const out: ProtoModelConfig = {
    name: config.name,
    platform: config.platform,
    backend: config.backend,
    version_policy: config.version_policy,
    max_batch_size: config.max_batch_size,
    input: config.input.map((t) => tensor(t, true)),
    output: config.output.map((t) => tensor(t, false)),
    // Triton names unnamed instance groups `<model>_<index>` when it fills in defaults.
    instance_group: config.instance_group.map((g, i) => ({
      name: g.name ?? `${config.name}_${i}`,
      kind: g.kind,
      count: g.count,
      gpus: [],
    })),
    parameters,
  };
  const db = config.dynamic_batching;
  if (db) {
    out.dynamic_batching = {
      preferred_batch_size: db.preferred_batch_size,
      max_queue_delay_microseconds: db.max_queue_delay_microseconds,
      preserve_ordering: db.preserve_ordering,
      default_queue_policy: {
        timeout_action: db.default_queue_policy.timeout_action,
        default_timeout_microseconds: db.default_queue_policy.default_timeout_microseconds,
        allow_timeout_override: db.default_queue_policy.allow_timeout_override,
        max_queue_size: db.default_queue_policy.max_queue_size,
      },
    };
  }
  return out;
}
