/**
 * validateModelConfig turns a parsed `config.yaml` into an effective ModelConfig with Triton's defaults, listing
 * every problem with its path. A config with problems is never loaded.
 */
import type { Datatype } from '../core/tensor.js';
import { asFields, Fields } from './fields.js';
import type {
  Accuracy,
  ConfigDataType,
  DynamicBatching,
  ExecutionProviderName,
  InstanceGroup,
  LlmServingConfig,
  ModelConfig,
  TensorConfig,
  VersionPolicy,
} from './model-config.js';
import { type ConfigProblem, parseYaml, type Problems } from './problems.js';

/** CONFIG_DATA_TYPES lists Triton's DataType names we accept in `data_type`. */
export const CONFIG_DATA_TYPES: readonly ConfigDataType[] = [
  'TYPE_BOOL', 'TYPE_UINT8', 'TYPE_UINT16', 'TYPE_UINT32', 'TYPE_UINT64', 'TYPE_INT8', 'TYPE_INT16', 'TYPE_INT32',
  'TYPE_INT64', 'TYPE_FP16', 'TYPE_BF16', 'TYPE_FP32', 'TYPE_FP64', 'TYPE_STRING',
];

/** toDatatype maps a config data type (`TYPE_FP32`, `TYPE_STRING`) to its protocol datatype (`FP32`, `BYTES`). */
export function toDatatype(t: ConfigDataType): Datatype {
  return t === 'TYPE_STRING' ? 'BYTES' : (t.slice(5) as Datatype);
}

const TOP_KEYS = [
  'name', 'platform', 'backend', 'max_batch_size', 'input', 'output', 'dynamic_batching', 'instance_group',
  'version_policy', 'execution_provider', 'intra_op_threads', 'graph_optimization_level', 'fallback_to_cpu',
  'precision', 'accuracy', 'description', 'artificial_delay_us', 'llm',
] as const;

/** LLM_MODEL_KEYS are what the LLM builder writes about the model itself (llm/build-llm.ts); llm/llm-config.ts checks them when the model loads. */
const LLM_MODEL_KEYS = ['vocab_size', 'max_context', 'eos_token', 'layers', 'd_model', 'heads', 'kv_heads', 'ffn', 'seed', 'tokenizer', 'agreement'] as const;

/** ValidationResult is either an effective config or the full list of problems. */
export type ValidationResult = { ok: true; config: ModelConfig } | { ok: false; problems: ConfigProblem[] };

/** parseModelConfig parses and validates config.yaml text; `folderName` is the model's folder (the name must match it). */
export function parseModelConfig(text: string, folderName: string): ValidationResult {
  const { value, problems } = parseYaml(text);
  if (!problems.empty) return { ok: false, problems: problems.list };
  const config = validateModelConfig(value ?? {}, folderName, problems);
  return problems.empty && config ? { ok: true, config } : { ok: false, problems: problems.list };
}

/** validateModelConfig checks a parsed config object, records problems, and returns the config with defaults applied. */
export function validateModelConfig(raw: unknown, folderName: string, problems: Problems): ModelConfig | undefined {
  const f = asFields(raw, [], problems);
  if (!f) return undefined;
  const backend = f.oneOf('backend', ['onnxruntime', 'llm'] as const, 'onnxruntime');
  const isLlm = backend === 'llm';
  f.only(isLlm ? [...TOP_KEYS, ...LLM_MODEL_KEYS] : TOP_KEYS);
  const name = f.str('name', folderName);
  if (name !== folderName) problems.add(['name'], `must match the model's folder name '${folderName}', got '${name}'`);
  f.oneOf('platform', isLlm ? (['gauntlet_llm', 'onnxruntime_onnx'] as const) : (['onnxruntime_onnx'] as const), isLlm ? 'gauntlet_llm' : 'onnxruntime_onnx');
  const maxBatch = f.int('max_batch_size', { min: 0, max: 1 << 20, default: 0 });
  // An LLM's tensors are its engine's business: it is served on the OpenAI routes, not as KServe tensors.
  const input = f.list('input', (v, p) => tensorConfig(v, p, problems, true, maxBatch), !isLlm);
  const output = f.list('output', (v, p) => tensorConfig(v, p, problems, false, maxBatch), !isLlm);
  uniqueNames(input, 'input', problems);
  uniqueNames(output, 'output', problems);
  const ep = f.oneOf<ExecutionProviderName>('execution_provider', ['cpu', 'webgpu', 'cuda'], 'cpu');
  const groups = f.list('instance_group', (v, p) => instanceGroup(v, p, problems, ep));
  const config: ModelConfig = {
    name,
    platform: 'onnxruntime_onnx',
    backend,
    max_batch_size: maxBatch,
    input,
    output,
    instance_group: groups.length ? groups : [{ count: 1, kind: ep === 'cpu' ? 'KIND_CPU' : 'KIND_GPU' }],
    version_policy: versionPolicy(f, problems),
    execution_provider: ep,
    intra_op_threads: f.int('intra_op_threads', { min: 0, max: 1024, default: 0 }),
    graph_optimization_level: f.oneOf('graph_optimization_level', ['disabled', 'basic', 'extended', 'all'] as const, 'all'),
    fallback_to_cpu: f.bool('fallback_to_cpu', false),
  };
  const batching = isLlm ? undefined : f.sub('dynamic_batching');
  if (batching) config.dynamic_batching = dynamicBatching(batching, maxBatch, problems);
  // `dynamic_batching:` with no fields (like Triton's `dynamic_batching { }`) turns batching on with defaults.
  else if (!isLlm && f.obj['dynamic_batching'] === null) config.dynamic_batching = dynamicBatching(new Fields({}, ['dynamic_batching'], problems), maxBatch, problems);
  if (f.has('precision')) config.precision = f.oneOf('precision', ['fp32', 'fp16', 'int8', 'int4'] as const);
  const acc = f.sub('accuracy');
  if (acc) config.accuracy = accuracy(acc);
  if (f.has('description')) config.description = f.str('description');
  if (f.has('artificial_delay_us')) config.artificial_delay_us = f.int('artificial_delay_us', { min: 0, max: 60_000_000 });
  const llm = f.sub('llm');
  if (isLlm) config.llm = llmServing(llm ?? new Fields({}, ['llm'], problems));
  else if (llm || f.obj['llm'] === null) problems.add(['llm'], "is only for backend 'llm'");
  if (isLlm && f.obj['dynamic_batching'] !== undefined) problems.add(['dynamic_batching'], "does not apply to backend 'llm' (its batching is llm.batching)");
  return config;
}

/** LLM_SERVING_KEYS are the fields of `llm:`. */
const LLM_SERVING_KEYS = ['batching', 'max_num_seqs', 'kv_cache_tokens', 'max_queue', 'max_queue_delay_ms'] as const;

function llmServing(f: Fields): LlmServingConfig {
  f.only(LLM_SERVING_KEYS);
  return {
    batching: f.oneOf('batching', ['continuous', 'static', 'none'] as const, 'continuous'),
    max_num_seqs: f.int('max_num_seqs', { min: 1, max: 1024, default: 16 }),
    kv_cache_tokens: f.int('kv_cache_tokens', { min: 0, max: 1 << 24, default: 0 }),
    max_queue: f.int('max_queue', { min: 1, max: 100_000, default: 256 }),
    max_queue_delay_ms: f.int('max_queue_delay_ms', { min: 0, max: 3_600_000, default: 30_000 }),
  };
}

function tensorConfig(v: unknown, path: readonly (string | number)[], problems: Problems, isInput: boolean, maxBatch: number): TensorConfig | undefined {
  const f = asFields(v, path, problems);
  if (!f) return undefined;
  f.only(isInput ? ['name', 'data_type', 'dims', 'optional', 'format'] : ['name', 'data_type', 'dims', 'format']);
  const t: TensorConfig = {
    name: f.str('name'),
    data_type: f.oneOf('data_type', CONFIG_DATA_TYPES),
    dims: f.list('dims', (d, p) => {
      if (typeof d !== 'number' || !Number.isInteger(d) || (d < 1 && d !== -1)) {
        problems.add(p, `must be a positive integer or -1 (variable), got ${JSON.stringify(d)}`);
        return undefined;
      }
      return d;
    }, true),
  };
  // Only when the file's list is empty: dims dropped above as invalid are already reported.
  const written = f.obj['dims'];
  if (maxBatch === 0 && Array.isArray(written) && written.length === 0) problems.add([...path, 'dims'], 'must not be empty when max_batch_size is 0 (dims are the full shape)');
  if (isInput && f.has('optional')) t.optional = f.bool('optional', false);
  return t;
}

function uniqueNames(list: TensorConfig[], what: string, problems: Problems): void {
  const seen = new Set<string>();
  list.forEach((t, i) => {
    if (seen.has(t.name)) problems.add([what, i, 'name'], `duplicate ${what} name '${t.name}'`);
    seen.add(t.name);
  });
}

function instanceGroup(v: unknown, path: readonly (string | number)[], problems: Problems, ep: ExecutionProviderName): InstanceGroup | undefined {
  const f = asFields(v, path, problems);
  if (!f) return undefined;
  f.only(['name', 'count', 'kind']);
  const group: InstanceGroup = {
    count: f.int('count', { min: 1, max: 64, default: 1 }),
    kind: f.oneOf('kind', ['KIND_CPU', 'KIND_GPU'] as const, ep === 'cpu' ? 'KIND_CPU' : 'KIND_GPU'),
  };
  if (f.has('name')) group.name = f.str('name');
  if (group.kind === 'KIND_GPU' && ep === 'cpu') problems.add([...path, 'kind'], "KIND_GPU needs execution_provider webgpu or cuda (execution_provider is 'cpu')");
  if (group.kind === 'KIND_CPU' && ep !== 'cpu') problems.add([...path, 'kind'], `KIND_CPU runs on the cpu execution provider, but execution_provider is '${ep}'`);
  return group;
}

function defaultBatching(): DynamicBatching {
  return {
    preferred_batch_size: [],
    max_queue_delay_microseconds: 0,
    preserve_ordering: false,
    default_queue_policy: { timeout_action: 'REJECT', default_timeout_microseconds: 0, allow_timeout_override: false, max_queue_size: 0 },
  };
}

function dynamicBatching(f: Fields, maxBatch: number, problems: Problems): DynamicBatching {
  f.only(['preferred_batch_size', 'max_queue_delay_microseconds', 'preserve_ordering', 'default_queue_policy']);
  if (maxBatch === 0) problems.add([...f.path], 'needs max_batch_size > 0 (a model that does not batch cannot be dynamically batched)');
  const b = defaultBatching();
  b.preferred_batch_size = f.list('preferred_batch_size', (v, p) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.add(p, `must be a positive integer, got ${JSON.stringify(v)}`);
    else if (maxBatch > 0 && v > maxBatch) problems.add(p, `must be <= max_batch_size (${maxBatch}), got ${v}`);
    else return v;
    return undefined;
  });
  b.max_queue_delay_microseconds = f.int('max_queue_delay_microseconds', { min: 0, max: 60_000_000, default: 0 });
  b.preserve_ordering = f.bool('preserve_ordering', false);
  const q = f.sub('default_queue_policy');
  if (q) {
    q.only(['timeout_action', 'default_timeout_microseconds', 'allow_timeout_override', 'max_queue_size']);
    b.default_queue_policy = {
      timeout_action: q.oneOf('timeout_action', ['REJECT', 'DELAY'] as const, 'REJECT'),
      default_timeout_microseconds: q.int('default_timeout_microseconds', { min: 0, max: 3_600_000_000, default: 0 }),
      allow_timeout_override: q.bool('allow_timeout_override', false),
      max_queue_size: q.int('max_queue_size', { min: 0, max: 10_000_000, default: 0 }),
    };
  }
  return b;
}

function versionPolicy(f: Fields, problems: Problems): VersionPolicy {
  const v = f.sub('version_policy');
  if (!v) return { latest: { num_versions: 1 } };
  v.only(['latest', 'all', 'specific']);
  const keys = Object.keys(v.obj);
  if (keys.length !== 1) problems.add(v.path, 'must have exactly one of latest, all, specific');
  const latest = v.sub('latest');
  if (latest) return { latest: { num_versions: latest.only(['num_versions']).int('num_versions', { min: 1, max: 1000, default: 1 }) } };
  const specific = v.sub('specific');
  if (specific) {
    specific.only(['versions']);
    const versions = specific.list('versions', (x, p) => {
      if (typeof x === 'number' && Number.isInteger(x) && x >= 1) return x;
      problems.add(p, `must be a positive integer, got ${JSON.stringify(x)}`);
      return undefined;
    }, true);
    return { specific: { versions } };
  }
  if (v.has('all')) return { all: {} };
  return { latest: { num_versions: 1 } };
}

function accuracy(f: Fields): Accuracy {
  f.only(['reference', 'samples', 'max_abs_error', 'mean_abs_error', 'cosine_similarity', 'top1_agreement']);
  const a: Accuracy = {
    reference: f.str('reference'),
    samples: f.int('samples', { min: 1 }),
    max_abs_error: f.num('max_abs_error', { min: 0 }) ?? 0,
    mean_abs_error: f.num('mean_abs_error', { min: 0 }) ?? 0,
    cosine_similarity: f.num('cosine_similarity', { min: -1, max: 1 }) ?? 0,
  };
  const top1 = f.num('top1_agreement', { min: 0, max: 1 });
  if (top1 !== undefined) a.top1_agreement = top1;
  return a;
}
