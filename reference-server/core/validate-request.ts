/**
 * validateRequest checks an inference request against the model's configuration before it is queued: input
 * names, datatypes, shapes, data sizes, the batch size, requested outputs and parameters. Every failure is an
 * INVALID_ARGUMENT whose message names the model and the offending input.
 */
import type { ModelConfig, TensorConfig } from '../config/model-config.js';
import { toDatatype } from '../config/validate-model-config.js';
import { invalid } from './errors.js';
import { byteSize, elementCount, type Tensor } from './tensor.js';
import type { InferRequest } from './types.js';

/** MAX_TIMEOUT_US bounds the `timeout` parameter as the model configuration bounds default_timeout_microseconds (1 h). */
export const MAX_TIMEOUT_US = 3_600_000_000;

/** ValidatedRequest is what the scheduler needs of a request that passed validation. */
export interface ValidatedRequest {
  /** Inputs in the model's declared order (optional inputs that were omitted are absent). */
  inputs: Tensor[];
  /** Output names to return, in the model's declared order. */
  outputs: string[];
  /** Inferences carried by the request: its batch dimension, or 1 for models that do not batch. */
  batchSize: number;
  /** Non-batch input shapes; requests batch together only when these are equal. */
  shapeKey: string;
  /** Queue timeout requested through the `timeout` parameter, in microseconds. */
  timeoutUs?: number;
}

/** validateRequest validates `req` for the model and returns it in the order the scheduler uses. */
export function validateRequest(config: ModelConfig, label: string, req: InferRequest): ValidatedRequest {
  const byName = new Map<string, Tensor>();
  if (!Array.isArray(req.inputs) || req.inputs.length === 0) throw invalid(`request for model ${label} has no inputs`);
  for (const t of req.inputs) {
    if (byName.has(t.name)) throw invalid(`input '${t.name}' appears more than once in the request for model ${label}`);
    byName.set(t.name, t);
  }
  const declared = new Map(config.input.map((c) => [c.name, c]));
  for (const name of byName.keys()) {
    if (!declared.has(name)) {
      throw invalid(`unexpected input '${name}' for model ${label}; expected ${config.input.map((c) => `'${c.name}'`).join(', ')}`);
    }
  }
  const inputs: Tensor[] = [];
  let batchSize = config.max_batch_size > 0 ? -1 : 1;
  const keys: string[] = [];
  for (const c of config.input) {
    const t = byName.get(c.name);
    if (!t) {
      if (c.optional) continue;
      throw invalid(`expected input '${c.name}' for model ${label}, but the request does not have it`);
    }
    const b = checkTensor(config, label, c, t);
    if (config.max_batch_size > 0) {
      if (batchSize === -1) batchSize = b;
      else if (b !== batchSize) throw invalid(`input '${c.name}' has batch size ${b}, but other inputs of the request have ${batchSize}`);
    }
    keys.push(t.shape.slice(config.max_batch_size > 0 ? 1 : 0).join('x'));
    inputs.push(t);
  }
  return { inputs, outputs: requestedOutputs(config, label, req), batchSize, shapeKey: keys.join('|'), ...timeout(config, req) };
}

function checkTensor(config: ModelConfig, label: string, c: TensorConfig, t: Tensor): number {
  const want = toDatatype(c.data_type);
  if (t.datatype !== want) throw invalid(`input '${c.name}' of model ${label} has datatype ${t.datatype}, expected ${want}`);
  if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw invalid(`input '${c.name}' has an invalid shape [${String(t.shape)}]: every dimension must be an integer >= 0`);
  }
  const batched = config.max_batch_size > 0;
  const expected = batched ? [-1, ...c.dims] : c.dims;
  const mismatch = t.shape.length !== expected.length || expected.some((e, i) => !(batched && i === 0) && e !== -1 && e !== t.shape[i]);
  if (mismatch) {
    throw invalid(
      `input '${c.name}' of model ${label} has shape [${t.shape.join(',')}], expected [${expected.join(',')}]` +
        (batched ? ' (the first dimension is the batch)' : ''),
    );
  }
  const batch = batched ? t.shape[0]! : 1;
  if (batched && (batch < 1 || batch > config.max_batch_size)) {
    throw invalid(`input '${c.name}' has batch size ${batch}, but model ${label} accepts 1 to ${config.max_batch_size} (max_batch_size)`);
  }
  if (t.datatype === 'BYTES') {
    const n = Array.isArray(t.data) ? t.data.length : -1;
    if (n !== elementCount(t.shape)) {
      throw invalid(`input '${c.name}' has ${n} elements, but shape [${t.shape.join(',')}] needs ${elementCount(t.shape)}`);
    }
  } else {
    const got = Array.isArray(t.data) ? -1 : t.data.byteLength;
    const need = byteSize(t.datatype, t.shape);
    if (got !== need) {
      throw invalid(
        `input '${c.name}' has ${got} bytes of ${t.datatype} data, but shape [${t.shape.join(',')}] needs ${need} bytes (${elementCount(t.shape)} elements)`,
      );
    }
  }
  return batch;
}

function requestedOutputs(config: ModelConfig, label: string, req: InferRequest): string[] {
  const all = config.output.map((o) => o.name);
  if (!req.outputs || req.outputs.length === 0) return all;
  const wanted = new Set<string>();
  for (const o of req.outputs) {
    if (!all.includes(o.name)) throw invalid(`unexpected requested output '${o.name}' for model ${label}; outputs are ${all.map((n) => `'${n}'`).join(', ')}`);
    if (wanted.has(o.name)) throw invalid(`output '${o.name}' is requested more than once`);
    wanted.add(o.name);
  }
  return all.filter((n) => wanted.has(n));
}

function timeout(config: ModelConfig, req: InferRequest): { timeoutUs?: number } {
  const v = req.parameters?.['timeout'];
  const policy = config.dynamic_batching?.default_queue_policy;
  if (v === undefined) return policy?.default_timeout_microseconds ? { timeoutUs: policy.default_timeout_microseconds } : {};
  const n = typeof v === 'string' && /^\d{1,20}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw invalid(`parameter 'timeout' must be a non-negative integer (microseconds), got ${shown(v)}`);
  if (n > MAX_TIMEOUT_US) throw invalid(`parameter 'timeout' must be at most ${MAX_TIMEOUT_US} microseconds (1 h, as default_timeout_microseconds), got ${shown(v)}`);
  // As in Triton, a request's own timeout is ignored unless the policy allows overriding it.
  if (!policy?.allow_timeout_override) {
    return policy?.default_timeout_microseconds ? { timeoutUs: policy.default_timeout_microseconds } : {};
  }
  return n > 0 ? { timeoutUs: n } : {};
}

/**
 * shown prints a parameter value for an error message without walking it: a parameter may be any JSON value,
 * nested arbitrarily deep (JSON.stringify would overflow the stack) or megabytes long.
 */
function shown(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}
