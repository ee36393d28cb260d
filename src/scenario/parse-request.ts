/**
 * The `request:` section of a scenario: the KServe v2 inference request to send (model, inputs with datatype,
 * shape and data, outputs, parameters). Given data is checked element by element against its datatype and its
 * count against the shape.
 */
import type { InputData, InputSpec, RequestSpec } from '../targets/target-spec.js';
import { payloadBytes } from '../targets/tensor-data.js';
import { asFields, Fields, show } from './fields.js';
import { resolveDataPath } from './data-files.js';
import { COUNT_LIMITS, FILE_LIMITS, RANGES, TEXT_LIMITS, TOTAL_LIMITS } from './limits.js';
import { parseNpy, readBinaryFile } from './npy-file.js';
import { readMix } from './parse-mix.js';
import { isMapping, type ConfigPath } from './problems.js';

/** DatatypeKind says what JSON values a KServe datatype holds. */
type DatatypeKind = { kind: 'bool' } | { kind: 'int' | 'uint'; bits: number } | { kind: 'float'; max: number } | { kind: 'bytes' };

/** DATATYPES lists the KServe v2 tensor datatypes and the values each accepts. */
export const DATATYPES: Record<string, DatatypeKind> = {
  BOOL: { kind: 'bool' },
  UINT8: { kind: 'uint', bits: 8 },
  UINT16: { kind: 'uint', bits: 16 },
  UINT32: { kind: 'uint', bits: 32 },
  UINT64: { kind: 'uint', bits: 64 },
  INT8: { kind: 'int', bits: 8 },
  INT16: { kind: 'int', bits: 16 },
  INT32: { kind: 'int', bits: 32 },
  INT64: { kind: 'int', bits: 64 },
  FP16: { kind: 'float', max: 65504 },
  BF16: { kind: 'float', max: 3.3895313892515355e38 },
  FP32: { kind: 'float', max: 3.4028234663852886e38 },
  FP64: { kind: 'float', max: Number.MAX_VALUE },
  BYTES: { kind: 'bytes' },
};

/** REQUEST_KEYS are the fields of a scenario's `request:`. */
export const REQUEST_KEYS = ['model', 'model_version', 'inputs', 'outputs', 'parameters', 'payloads', 'input_data', 'expect', 'mix'] as const;
/** INPUT_KEYS are the fields of each request input. */
export const INPUT_KEYS = ['name', 'datatype', 'shape', 'data'] as const;
/** DATA_KINDS are the generated kinds of input data (otherwise data is a list of values). */
export const DATA_KINDS = ['random', 'zeros', 'ones'] as const;
/** DEFAULT_PAYLOADS is how many distinct random payloads a request cycles through unless told (fewer for huge tensors). */
export const DEFAULT_PAYLOADS = 16;

/** readRequest validates a `request:` mapping (absent: an empty request, for http targets); data files are relative to baseDir. */
export function readRequest(f: Fields | undefined, baseDir = '.'): RequestSpec {
  if (!f) return { inputs: [], payloads: DEFAULT_PAYLOADS };
  f.allowOnly(REQUEST_KEYS);
  const { model, modelVersion, inputs, outputs, parameters } = readRequestBody(f, baseDir);
  const payloads = readPayloads(f, inputs);
  const base: RequestSpec = {
    ...(model !== undefined && { model }),
    ...(modelVersion !== undefined && { modelVersion }),
    inputs,
    ...(outputs !== undefined && { outputs }),
    ...(parameters !== undefined && { parameters }),
    payloads,
  };
  const { expect, mix } = readMix(f, base, baseDir);
  return { ...base, ...(expect !== undefined && { expect }), ...(mix !== undefined && { mix }) };
}

/** RequestBody are the fields a request and each template of its mix share. */
export interface RequestBody {
  model?: string;
  modelVersion?: string;
  inputs: InputSpec[];
  outputs?: string[];
  parameters?: Record<string, string | number | boolean>;
}

/** readRequestBody reads model, model_version, inputs, outputs and parameters of a request or of a template of its mix. */
export function readRequestBody(f: Fields, baseDir: string): RequestBody {
  const model = f.string('model', false, TEXT_LIMITS.name);
  const modelVersion = f.obj.model_version === '' ? undefined : f.string('model_version', false, TEXT_LIMITS.name);
  const inputs = f.list('inputs', (item, path) => readInput(item, path, f, baseDir), false, COUNT_LIMITS.inputs) ?? [];
  const names = new Set<string>();
  inputs.forEach((input, i) => {
    if (names.has(input.name)) f.problems.add(f.at('inputs', i, 'name'), `duplicate input name ${show(input.name)}`);
    names.add(input.name);
  });
  const outputs = f.list(
    'outputs',
    (o, path) => (typeof o === 'string' && o !== '' && o.length <= TEXT_LIMITS.name ? o : void f.problems.add(path, `must be an output name (at most ${TEXT_LIMITS.name} characters), got ${show(o)}`)),
    false,
    COUNT_LIMITS.outputs,
  );
  const params = f.mapping('parameters', false, COUNT_LIMITS.parameters);
  const parameters: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(params?.obj ?? {})) {
    if (key.length > TEXT_LIMITS.name || (typeof value === 'string' && value.length > TEXT_LIMITS.text)) params?.problem(key, `parameter names may have at most ${TEXT_LIMITS.name} characters and values ${TEXT_LIMITS.text}`);
    else if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) parameters[key] = value;
    else params?.problem(key, `must be a string, number or boolean, got ${show(value)}`);
  }
  return {
    ...(model !== undefined && { model }),
    ...(modelVersion !== undefined && { modelVersion }),
    inputs,
    ...(outputs !== undefined && { outputs }),
    ...(params !== undefined && { parameters }),
  };
}

/**
 * readPayloads reads `payloads` and checks the tensors the run builds before it starts: each request's elements
 * (all inputs) within TOTAL_LIMITS.requestElements, and payloads × one payload's bytes within
 * TOTAL_LIMITS.payloadBytes when an input is random (otherwise one payload is built). Without `payloads`, the
 * default shrinks to fit.
 */
function readPayloads(f: Fields, inputs: InputSpec[]): number {
  const payloads = f.integer('payloads', RANGES['request.payloads']);
  let elements = 0;
  for (const input of inputs) elements += shapeElements(input.shape);
  if (elements > TOTAL_LIMITS.requestElements) {
    f.problem('inputs', `add up to ${elements} tensor elements per request; at most ${TOTAL_LIMITS.requestElements} (see "Limits" in docs/scenarios.md)`);
    return payloads ?? 1;
  }
  if (!inputs.some((i) => i.data.kind === 'random') || elements === 0) return payloads ?? DEFAULT_PAYLOADS;
  const each = payloadBytes(inputs);
  const fit = Math.max(1, Math.floor(TOTAL_LIMITS.payloadBytes / each));
  if (payloads === undefined) return Math.min(DEFAULT_PAYLOADS, fit);
  if (payloads > fit) {
    f.problem('payloads', `${payloads} random payloads of ${each} bytes each are ${payloads * each} bytes to build before the run; at most ${TOTAL_LIMITS.payloadBytes}: give at most ${fit} payloads`);
  }
  return payloads;
}

/** shapeElements is the element count of a shape, or Infinity once it passes TOTAL_LIMITS.requestElements (no overflow). */
export function shapeElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) if (d === 0) return 0;
  for (const d of shape) {
    n *= d;
    if (n > TOTAL_LIMITS.requestElements) return Infinity;
  }
  return n;
}

function readInput(item: unknown, path: ConfigPath, parent: Fields, baseDir: string): InputSpec | undefined {
  const f = asFields(item, path, parent.problems);
  if (!f) return undefined;
  f.allowOnly(INPUT_KEYS);
  const name = f.string('name', true, TEXT_LIMITS.name);
  const datatype = f.oneOf('datatype', Object.keys(DATATYPES), true);
  const dim = RANGES['request.inputs[].shape[]'];
  const shape = f.list(
    'shape',
    (d, p) =>
      typeof d === 'number' && Number.isSafeInteger(d) && d >= dim.min && d <= dim.max
        ? d
        : void f.problems.add(p, typeof d === 'number' && Number.isSafeInteger(d) && d > dim.max ? `must be <= ${dim.max}, got ${d}` : `must be an integer >= 0, got ${show(d)}`),
    true,
    COUNT_LIMITS.shapeRank,
  );
  let shapeOk = shape !== undefined && Array.isArray(f.obj.shape) && shape.length === f.obj.shape.length;
  if (shapeOk && shapeElements(shape!) > TOTAL_LIMITS.requestElements) {
    f.problem('shape', `[${shape!.join(', ')}] has more than ${TOTAL_LIMITS.requestElements} elements; at most ${TOTAL_LIMITS.requestElements} per request (see "Limits" in docs/scenarios.md)`);
    shapeOk = false;
  }
  const data = readData(f, datatype, shapeOk ? shape : undefined, baseDir);
  if (name === undefined || datatype === undefined || !shapeOk || shape === undefined || data === undefined) return undefined;
  return { name, datatype, shape, data };
}

function readData(f: Fields, datatype: string | undefined, shape: number[] | undefined, baseDir: string): InputData | undefined {
  const v = f.obj.data;
  if (v === undefined || v === null) return { kind: 'random' };
  if (isMapping(v)) return readNpyData(f, datatype, shape, baseDir);
  if (typeof v === 'string' && (DATA_KINDS as readonly string[]).includes(v)) {
    if (datatype === 'BYTES' && v !== 'random') return void f.problem('data', `${v} is only for numeric and BOOL datatypes`);
    return { kind: v as (typeof DATA_KINDS)[number] };
  }
  if (!Array.isArray(v)) return void f.problem('data', `must be random, zeros, ones, a list of values or {npy: file.npy}, got ${show(v)}`);
  const values: (number | string | boolean)[] = [];
  const bad: { path: ConfigPath; message: string }[] = [];
  const walk = (node: unknown, path: ConfigPath): void => {
    if (Array.isArray(node)) return node.forEach((child, i) => walk(child, [...path, i]));
    const wrong = datatype === undefined ? undefined : checkValue(node, datatype);
    if (wrong) bad.push({ path, message: wrong });
    else values.push(node as number | string | boolean);
  };
  walk(v, f.at('data'));
  const first = bad[0];
  if (first) f.problems.add(first.path, `${first.message}${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}`);
  const count = values.length + bad.length;
  const expected = shape?.reduce((a, b) => a * b, 1);
  if (expected !== undefined && count !== expected) {
    f.problem('data', `has ${count} element${count === 1 ? '' : 's'}, but shape [${shape!.join(', ')}] needs ${expected}`);
    return undefined;
  }
  return bad.length > 0 ? undefined : { kind: 'values', values };
}

/** readNpyData reads `data: {npy: file.npy}`: the file's dtype must be the input's datatype and its shape the input's shape. */
function readNpyData(f: Fields, datatype: string | undefined, shape: number[] | undefined, baseDir: string): InputData | undefined {
  const d = f.mapping('data');
  if (!d) return undefined;
  d.allowOnly(['npy']);
  const ref = d.string('npy', true);
  if (ref === undefined) return undefined;
  const file = resolveDataPath(baseDir, ref);
  const read = readBinaryFile(file, FILE_LIMITS.dataBytes);
  const parsed = read.ok ? parseNpy(read.value) : read;
  if (!parsed.ok) return void d.problem('npy', `${file}: ${parsed.message}`);
  const t = parsed.value;
  if (datatype !== undefined && t.datatype !== datatype) return void d.problem('npy', `${file}: holds ${t.datatype}, but the input is ${datatype}`);
  if (shape !== undefined && t.shape.join(',') !== shape.join(',')) return void d.problem('npy', `${file}: has shape [${t.shape.join(', ')}], but the input's shape is [${shape.join(', ')}]`);
  return { kind: 'values', values: t.values };
}

/** checkValue returns what is wrong with one data element for a datatype, or undefined. */
export function checkValue(v: unknown, datatype: string): string | undefined {
  const t = DATATYPES[datatype];
  if (!t) return undefined;
  switch (t.kind) {
    case 'bool':
      return typeof v === 'boolean' ? undefined : `must be true or false for BOOL, got ${show(v)}`;
    case 'bytes':
      return typeof v === 'string' ? undefined : `must be a string for BYTES, got ${show(v)}`;
    case 'float':
      return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= t.max ? undefined : `must be a number within the range of ${datatype}, got ${show(v)}`;
    case 'int':
    case 'uint': {
      const lo = t.kind === 'uint' ? 0 : -(2 ** (t.bits - 1));
      const hi = t.kind === 'uint' ? 2 ** t.bits - 1 : 2 ** (t.bits - 1) - 1;
      const ok = typeof v === 'number' && Number.isInteger(v) && v >= Math.max(lo, Number.MIN_SAFE_INTEGER) && v <= Math.min(hi, Number.MAX_SAFE_INTEGER);
      return ok ? undefined : `must be an integer within the range of ${datatype}, got ${show(v)}`;
    }
  }
}
