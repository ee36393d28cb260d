/**
 * Data files of a request: perf_analyzer's `--input-data` JSON (`{"data": [{"INPUT0": [..] | {"content": [..],
 * "shape": [..]} | {"b64": ".."}, ...}, ...], "validation_data": [...]}`), expected outputs as the same format's
 * `validation_data` or as JSONL (one mapping of output name → tensor per line, in the order of the data), and
 * tensors from `.npy` files (`{"npy": "file.npy"}` in a data file, relative to it). Every problem is reported with
 * the scenario path, the file and the place in the file; nothing here throws.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { ELEMENT_BYTES } from '../targets/tensor-data.js';
import type { ExpectedTensor, InputSpec, RequestSample } from '../targets/target-spec.js';
import { show } from './fields.js';
import { FILE_LIMITS, TOTAL_LIMITS } from './limits.js';
import { decodeLittleEndian, NPY_DTYPES, parseNpy, readBinaryFile } from './npy-file.js';
import { checkValue, DATATYPES } from './parse-request.js';
import type { ConfigPath, Problems } from './problems.js';
import { isMapping } from './problems.js';
import { readTextFile } from './yaml-file.js';

/** Tensor is one tensor read from a data file: its values and, when the file gave one, its shape and datatype. */
export interface Tensor {
  values: (number | string | boolean)[];
  shape?: number[];
  datatype?: string;
}

/** DataFileContext says where a data file's problems are reported. */
export interface DataFileContext {
  problems: Problems;
  /** The scenario field that names the file. */
  path: ConfigPath;
  file: string;
}

/** resolveDataPath makes a data file's path absolute against a folder. */
export function resolveDataPath(baseDir: string, ref: string): string {
  return isAbsolute(ref) ? ref : join(baseDir, ref);
}

/** readJsonData reads a JSON data file (or JSONL: one value per line) within FILE_LIMITS.dataBytes. */
export function readJsonData(ctx: DataFileContext, lines: boolean): unknown {
  const read = readTextFile(ctx.file, FILE_LIMITS.dataBytes);
  if (!read.ok) return void report(ctx, [], read.message);
  if (!lines) {
    try {
      return JSON.parse(read.text);
    } catch (err) {
      return void report(ctx, [], `is not JSON: ${(err as Error).message}`);
    }
  }
  const rows: unknown[] = [];
  const text = read.text.split('\n');
  for (let i = 0; i < text.length; i++) {
    const line = text[i]!.trim();
    if (line === '') continue;
    if (rows.length >= FILE_LIMITS.dataSamples) return void report(ctx, [], `has more than ${FILE_LIMITS.dataSamples} lines; at most ${FILE_LIMITS.dataSamples}`);
    try {
      rows.push(JSON.parse(line));
    } catch (err) {
      return void report(ctx, [], `line ${i + 1}: is not JSON: ${(err as Error).message}`);
    }
  }
  return rows;
}

/**
 * readSamples turns perf_analyzer's `data` list into request samples of the declared inputs (datatype, and the
 * shape when an entry gives none); the elements of each sample are bounded by TOTAL_LIMITS.requestElements.
 */
export function readSamples(ctx: DataFileContext, doc: unknown, declared: InputSpec[]): RequestSample[] | undefined {
  if (!isMapping(doc) || !Array.isArray(doc['data'])) return void report(ctx, [], 'must be perf_analyzer input data: {"data": [{"INPUT": [..]}, ...]}');
  const data = doc['data'] as unknown[];
  if (data.length === 0) return void report(ctx, ['data'], 'has no entries');
  if (data.length > FILE_LIMITS.dataSamples) return void report(ctx, ['data'], `has ${data.length} entries; at most ${FILE_LIMITS.dataSamples}`);
  const samples: RequestSample[] = [];
  let ok = true;
  data.forEach((entry, i) => {
    if (!isMapping(entry)) return void ((ok = false), report(ctx, ['data', i], `must be a mapping of input name → tensor, got ${show(entry)}`));
    for (const name of Object.keys(entry)) {
      if (!declared.some((d) => d.name === name)) ok = fail(ctx, ['data', i, name], `is not a declared input (declared: ${declared.map((d) => d.name).join(', ')})`);
    }
    const inputs: InputSpec[] = [];
    let elements = 0;
    for (const d of declared) {
      if (!(d.name in entry)) {
        ok = fail(ctx, ['data', i], `has no input ${JSON.stringify(d.name)}`);
        continue;
      }
      const t = readTensor(ctx, ['data', i, d.name], entry[d.name], d.datatype, d.shape);
      if (t === undefined) {
        ok = false;
        continue;
      }
      elements += t.values.length;
      inputs.push({ name: d.name, datatype: d.datatype, shape: t.shape ?? d.shape, data: { kind: 'values', values: t.values } });
    }
    if (elements > TOTAL_LIMITS.requestElements) ok = fail(ctx, ['data', i], `adds up to ${elements} tensor elements; at most ${TOTAL_LIMITS.requestElements} per request`);
    samples.push({ inputs });
  });
  return ok ? samples : undefined;
}

/**
 * readExpected turns `validation_data` (or JSONL rows) into expected outputs, one list per sample; `datatypes`
 * are the declared output datatypes (needed for b64 and npy-free typing), by name.
 */
export function readExpected(ctx: DataFileContext, rows: unknown, where: (string | number)[], datatypes: ReadonlyMap<string, string | undefined>): ExpectedTensor[][] | undefined {
  if (!Array.isArray(rows)) return void report(ctx, where, 'must be a list of mappings of output name → tensor');
  if (rows.length > FILE_LIMITS.dataSamples) return void report(ctx, where, `has ${rows.length} entries; at most ${FILE_LIMITS.dataSamples}`);
  const out: ExpectedTensor[][] = [];
  let ok = true;
  rows.forEach((row, i) => {
    if (!isMapping(row)) return void ((ok = false), report(ctx, [...where, i], `must be a mapping of output name → tensor, got ${show(row)}`));
    const expected: ExpectedTensor[] = [];
    const tensors = isResponse(row) ? responseTensors(row) : Object.entries(row);
    if (tensors === undefined) return void ((ok = false), report(ctx, [...where, i, 'outputs'], 'must be a list of {name, datatype, shape, data} (a KServe v2 response)'));
    for (const [name, v] of tensors) {
      const datatype = datatypes.get(name);
      const t = readTensor(ctx, [...where, i, name], v, datatype, undefined);
      if (t === undefined) ok = false;
      else expected.push({ name, values: t.values, ...(t.shape && { shape: t.shape }), ...((t.datatype ?? datatype) !== undefined && { datatype: (t.datatype ?? datatype)! }) });
    }
    out.push(expected);
  });
  return ok ? out : undefined;
}

/** isResponse tells a recorded KServe v2 response (`{"outputs": [{name, datatype, shape, data}], ...}`) from a mapping of output name → tensor. */
function isResponse(row: Record<string, unknown>): boolean {
  return Array.isArray(row['outputs']) && (row['outputs'] as unknown[]).every((o) => isMapping(o) && typeof o['name'] === 'string');
}

/** responseTensors turns a recorded response's outputs into (name, {content, shape}) pairs; undefined when one has no data. */
function responseTensors(row: Record<string, unknown>): [string, unknown][] | undefined {
  const out: [string, unknown][] = [];
  for (const o of row['outputs'] as Record<string, unknown>[]) {
    if (!Array.isArray(o['data'])) return undefined;
    out.push([o['name'] as string, { content: o['data'], ...(o['shape'] !== undefined && { shape: o['shape'] }) }]);
  }
  return out;
}

/**
 * readTensor reads one tensor of a data file: a (nested) list, `{"content": [..], "shape": [..]}`, `{"b64": ".."}`
 * (raw little-endian bytes; needs the datatype) or `{"npy": "file.npy"}`; values are checked against the datatype
 * and their count against the shape when both are known.
 */
function readTensor(ctx: DataFileContext, where: (string | number)[], v: unknown, datatype: string | undefined, declaredShape: number[] | undefined): Tensor | undefined {
  let shape: number[] | undefined;
  let values: unknown[] | undefined;
  let fromDatatype: string | undefined;
  if (Array.isArray(v)) values = flatten(v);
  else if (isMapping(v) && 'content' in v) {
    values = Array.isArray(v['content']) ? flatten(v['content']) : undefined;
    if (values === undefined) return void report(ctx, [...where, 'content'], 'must be a list of values');
    if ('shape' in v) {
      shape = readShape(v['shape']);
      if (shape === undefined) return void report(ctx, [...where, 'shape'], `must be a list of sizes (integers >= 0, at most 32), got ${show(v['shape'])}`);
    }
  } else if (isMapping(v) && typeof v['b64'] === 'string') {
    const dt = datatype === undefined ? undefined : DATATYPES[datatype];
    if (datatype === undefined || dt === undefined || datatype === 'BYTES') return void report(ctx, where, `b64 data needs a declared fixed-size datatype${datatype ? `, not ${datatype}` : ''}`);
    const raw = Buffer.from(v['b64'], 'base64');
    const size = ELEMENT_BYTES[datatype] ?? 1;
    if (raw.length % size !== 0) return void report(ctx, [...where, 'b64'], `has ${raw.length} bytes, not a whole number of ${datatype} elements`);
    const decoded = decodeLittleEndian(datatype, raw, raw.length / size);
    if (typeof decoded === 'string') return void report(ctx, [...where, 'b64'], decoded);
    values = decoded;
    if ('shape' in v) shape = readShape(v['shape']);
  } else if (isMapping(v) && typeof v['npy'] === 'string') {
    const file = resolveDataPath(dirname(ctx.file), v['npy']);
    const read = readBinaryFile(file, FILE_LIMITS.dataBytes);
    const parsed = read.ok ? parseNpy(read.value) : read;
    if (!parsed.ok) return void report(ctx, [...where, 'npy'], `${file}: ${parsed.message}`);
    values = parsed.value.values;
    shape = parsed.value.shape;
    fromDatatype = parsed.value.datatype;
    if (datatype !== undefined && datatype !== fromDatatype) return void report(ctx, [...where, 'npy'], `${file}: holds ${fromDatatype} (${npyName(fromDatatype)}), but the tensor is declared ${datatype}`);
  } else return void report(ctx, where, `must be a list of values, {"content": [..], "shape": [..]}, {"b64": ".."} or {"npy": "file.npy"}, got ${show(v)}`);
  if (values === undefined) return void report(ctx, where, `nests deeper than 32 levels`);
  if (values.length > TOTAL_LIMITS.requestElements) return void report(ctx, where, `has ${values.length} elements; at most ${TOTAL_LIMITS.requestElements}`);
  const dt = datatype ?? fromDatatype;
  if (dt !== undefined) {
    const wrong = values.findIndex((x) => checkValue(x, dt) !== undefined);
    if (wrong >= 0) return void report(ctx, where, `element ${wrong}: ${checkValue(values[wrong], dt)}`);
  } else if (!values.every((x) => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean')) {
    return void report(ctx, where, 'must hold numbers, strings or booleans');
  }
  const s = shape ?? declaredShape;
  if (s !== undefined) {
    const need = s.reduce((a, b) => a * b, 1);
    if (need !== values.length) return void report(ctx, where, `has ${values.length} element${values.length === 1 ? '' : 's'}, but shape [${s.join(', ')}] needs ${need}`);
  }
  return { values: values as (number | string | boolean)[], ...(shape && { shape }), ...(fromDatatype && { datatype: fromDatatype }) };
}

function npyName(datatype: string): string {
  return Object.entries(NPY_DTYPES).find(([, d]) => d.datatype === datatype)?.[0] ?? datatype;
}

/** flatten flattens nested lists up to 32 levels deep (undefined past that: user data is never recursed without bound). */
function flatten(v: unknown[]): unknown[] | undefined {
  const out: unknown[] = [];
  const stack: { list: unknown[]; i: number }[] = [{ list: v, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.list.length) {
      stack.pop();
      continue;
    }
    const x = top.list[top.i++];
    if (Array.isArray(x)) {
      if (stack.length >= 32) return undefined;
      stack.push({ list: x, i: 0 });
    } else {
      if (out.length > TOTAL_LIMITS.requestElements) return out;
      out.push(x);
    }
  }
  return out;
}

function readShape(v: unknown): number[] | undefined {
  if (!Array.isArray(v) || v.length > 32) return undefined;
  return v.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 && d <= TOTAL_LIMITS.requestElements) ? (v as number[]) : undefined;
}

/** fail reports a problem and returns false. */
function fail(ctx: DataFileContext, where: (string | number)[], message: string): false {
  report(ctx, where, message);
  return false;
}

/** report adds a problem at the scenario path, naming the file and the place inside it. */
function report(ctx: DataFileContext, where: (string | number)[], message: string): undefined {
  const key = (k: string): string => (k.length > 60 ? show(k) : k);
  const inside = where.length === 0 ? '' : `${where.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? key(k) : `.${key(k)}`)).join('')}: `;
  ctx.problems.add(ctx.path, `${ctx.file}: ${inside}${message}`);
  return undefined;
}
