/**
 * The request's mix and checks: `request.mix` (weighted templates, each with its own model, inputs, data file and
 * checks, inheriting what it leaves out from the request), `input_data` (perf_analyzer's JSON) and `expect`
 * (accepted statuses, outputs with datatype and shape, expected values with a tolerance). Data files are read and
 * checked here, before the run; what they add up to is bounded by TOTAL_LIMITS.payloadBytes.
 */
import type { ExpectedTensor, InputSpec, RequestSpec, RequestTemplate, ResponseExpect, Tolerance } from '../targets/target-spec.js';
import { payloadBytes } from '../targets/tensor-data.js';
import { DEFAULT_TOLERANCE } from '../targets/response-check.js';
import { readExpected, readJsonData, readSamples, resolveDataPath, type DataFileContext } from './data-files.js';
import { asFields, type Fields, show } from './fields.js';
import { COUNT_LIMITS, RANGES, TEXT_LIMITS, TOTAL_LIMITS } from './limits.js';
import { parseNpy, readBinaryFile } from './npy-file.js';
import { checkValue, DATATYPES, readRequestBody, type RequestBody } from './parse-request.js';
import { FILE_LIMITS } from './limits.js';
import { isMapping, type ConfigPath } from './problems.js';

/** MIX_KEYS are the fields of each template of `request.mix`. */
export const MIX_KEYS = ['name', 'weight', 'model', 'model_version', 'inputs', 'outputs', 'parameters', 'input_data', 'expect'] as const;
/** EXPECT_KEYS are the fields of an `expect:`. */
export const EXPECT_KEYS = ['status', 'outputs', 'data_file', 'tolerance'] as const;
/** EXPECT_OUTPUT_KEYS are the fields of each output of an `expect:`. */
export const EXPECT_OUTPUT_KEYS = ['name', 'datatype', 'shape', 'data'] as const;
export { DEFAULT_TOLERANCE };

/** readMix reads `expect`, `input_data` and `mix`; without any of them the request is sent as before (no mix). */
export function readMix(f: Fields, base: RequestSpec, baseDir: string): { expect?: ResponseExpect; mix?: RequestTemplate[] } {
  const expectF = f.mapping('expect');
  const expectDoc = expectF && readExpectFields(expectF, baseDir);
  const expect = expectDoc?.expect;
  if (!f.has('mix') && !f.has('input_data') && expectF === undefined) return {};
  let mix: RequestTemplate[] | undefined;
  if (f.has('mix')) {
    if (f.has('input_data')) f.problem('input_data', 'give each template of mix its own input_data');
    if (expectDoc?.rows !== undefined) f.problems.add(expectDoc.dataPath, 'expected outputs are per request: give each template of mix its own expect.data_file');
    mix = f.list('mix', (item, path) => readTemplate(item, path, f, base, expectDoc, baseDir), true, COUNT_LIMITS.mix) ?? [];
    if (Array.isArray(f.obj.mix) && f.obj.mix.length === 0) f.problem('mix', 'needs at least one template');
  } else {
    const t = finishTemplate(f, template('request', 1, base), f.string('input_data'), expectDoc, baseDir);
    mix = t === undefined ? [] : [t];
  }
  checkBudget(f, mix, base.payloads);
  return { ...(expect !== undefined && { expect }), mix };
}

/** ExpectDoc is a read `expect:` with its per-sample expected rows, when it names a data file. */
interface ExpectDoc {
  expect: ResponseExpect;
  rows?: ExpectedTensor[][];
  /** The expect mapping's path, and its data_file's. */
  path: ConfigPath;
  dataPath: ConfigPath;
}

function readTemplate(item: unknown, path: ConfigPath, parent: Fields, base: RequestSpec, inherited: ExpectDoc | undefined, baseDir: string): RequestTemplate | undefined {
  const f = asFields(item, path, parent.problems);
  if (!f) return undefined;
  f.allowOnly(MIX_KEYS);
  const i = path[path.length - 1] as number;
  const name = f.string('name', false, TEXT_LIMITS.name) ?? `mix[${i}]`;
  const weight = f.number('weight', RANGES['request.mix[].weight']) ?? 1;
  const body = readRequestBody(f, baseDir);
  const own = f.mapping('expect');
  const expectDoc = own ? readExpectFields(own, baseDir) : inherited;
  const t = template(name, weight, { ...base, ...definedOf(body), inputs: f.has('inputs') ? body.inputs : base.inputs });
  if (t.inputs.length === 0) f.problem('inputs', 'are required (in the template or in the request)');
  return finishTemplate(f, t, f.string('input_data'), expectDoc, baseDir);
}

/** finishTemplate adds a template's samples (from input_data) and its expected rows (validation_data or expect.data_file). */
function finishTemplate(f: Fields, t: RequestTemplate, inputData: string | undefined, expectDoc: ExpectDoc | undefined, baseDir: string): RequestTemplate | undefined {
  let rows = expectDoc?.rows;
  let rowsPath = expectDoc?.dataPath ?? f.at('input_data');
  if (inputData !== undefined) {
    if (t.inputs.some((i) => i.data.kind !== 'random')) f.problem('inputs', 'take their data from input_data: give only name, datatype and shape');
    const ctx: DataFileContext = { problems: f.problems, path: f.at('input_data'), file: resolveDataPath(baseDir, inputData) };
    const doc = readJsonData(ctx, false);
    if (doc === undefined) return undefined;
    const samples = readSamples(ctx, doc, t.inputs);
    if (samples === undefined) return undefined;
    t.samples = samples;
    t.inputDataFile = ctx.file;
    if (rows === undefined && isMapping(doc) && doc['validation_data'] !== undefined) rowsPath = f.at('input_data');
    if (rows === undefined && isMapping(doc) && doc['validation_data'] !== undefined) rows = readExpected(ctx, doc['validation_data'], ['validation_data'], outputTypes(expectDoc?.expect));
  }
  if (expectDoc !== undefined) t.expect = expectDoc.expect;
  if (rows !== undefined) {
    const n = t.samples?.length ?? 1;
    if (t.samples === undefined && t.inputs.some((i) => i.data.kind === 'random')) f.problems.add(rowsPath, `template ${t.name}: expected outputs need fixed inputs (data or input_data), not random ones`);
    else if (rows.length !== n) f.problems.add(rowsPath, `template ${t.name}: has ${rows.length} expected entries for ${n} request${n === 1 ? '' : 's'}; give one per request, in order`);
    else t.samples = (t.samples ?? [{ inputs: t.inputs }]).map((s, k) => ({ ...s, expected: rows![k]! }));
  }
  const hasValues = t.expect?.outputs.some((o) => o.values !== undefined) ?? false;
  if (hasValues && t.samples === undefined && t.inputs.some((i) => i.data.kind === 'random')) {
    f.problems.add(expectDoc?.path ?? f.path, `template ${t.name}: expected output data needs fixed inputs (data or input_data), not random ones`);
  }
  return t;
}

/** template makes a template from a request body (only the fields it has). */
function template(name: string, weight: number, b: RequestBody): RequestTemplate {
  return {
    name,
    weight,
    ...(b.model !== undefined && { model: b.model }),
    ...(b.modelVersion !== undefined && { modelVersion: b.modelVersion }),
    inputs: b.inputs,
    ...(b.outputs !== undefined && { outputs: b.outputs }),
    ...(b.parameters !== undefined && { parameters: b.parameters }),
  };
}

/** definedOf drops a body's absent fields, so that spreading it keeps what it leaves out. */
function definedOf(b: RequestBody): Partial<RequestBody> {
  return Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) as Partial<RequestBody>;
}

function outputTypes(expect: ResponseExpect | undefined): Map<string, string | undefined> {
  return new Map((expect?.outputs ?? []).map((o) => [o.name, o.datatype]));
}

/** readExpectFields reads an `expect:` mapping and its data_file (JSON with validation_data, or JSONL). */
function readExpectFields(f: Fields, baseDir: string): ExpectDoc {
  f.allowOnly(EXPECT_KEYS);
  const code = RANGES['request.expect.status[]'];
  const status = f.list('status', (s, p) => (typeof s === 'number' && Number.isInteger(s) && s >= code.min && s <= code.max ? s : void f.problems.add(p, `must be an HTTP status from ${code.min} to ${code.max}, got ${show(s)}`)), false, COUNT_LIMITS.statuses);
  const outputs = f.list('outputs', (o, p) => readExpectedOutput(o, p, f, baseDir), false, COUNT_LIMITS.outputs) ?? [];
  const tol = f.mapping('tolerance');
  tol?.allowOnly(['absolute', 'relative']);
  const tolerance: Tolerance = {
    absolute: tol?.number('absolute', RANGES['request.expect.tolerance.absolute']) ?? DEFAULT_TOLERANCE.absolute,
    relative: tol?.number('relative', RANGES['request.expect.tolerance.relative']) ?? DEFAULT_TOLERANCE.relative,
  };
  const expect: ResponseExpect = { ...(status !== undefined && { status }), outputs, tolerance };
  const dataFile = f.string('data_file');
  let rows: ExpectedTensor[][] | undefined;
  if (dataFile !== undefined) {
    const ctx: DataFileContext = { problems: f.problems, path: f.at('data_file'), file: resolveDataPath(baseDir, dataFile) };
    const jsonl = /\.jsonl$/i.test(dataFile);
    const doc = readJsonData(ctx, jsonl);
    if (doc !== undefined) {
      if (!jsonl && !(isMapping(doc) && Array.isArray(doc['validation_data']))) f.problem('data_file', `${ctx.file}: must be {"validation_data": [...]} (perf_analyzer) or a .jsonl file with one mapping of output name → tensor per line`);
      else rows = readExpected(ctx, jsonl ? doc : (doc as Record<string, unknown>)['validation_data'], jsonl ? [] : ['validation_data'], outputTypes(expect));
    }
  }
  return { expect, ...(rows !== undefined && { rows }), path: f.path, dataPath: f.at('data_file') };
}

function readExpectedOutput(item: unknown, path: ConfigPath, parent: Fields, baseDir: string): ExpectedTensor | undefined {
  const f = asFields(item, path, parent.problems);
  if (!f) return undefined;
  f.allowOnly(EXPECT_OUTPUT_KEYS);
  const name = f.string('name', true, TEXT_LIMITS.name);
  const datatype = f.oneOf('datatype', Object.keys(DATATYPES));
  const shape = f.list('shape', (d, p) => (typeof d === 'number' && Number.isSafeInteger(d) && d >= -1 && d <= TOTAL_LIMITS.requestElements ? d : void f.problems.add(p, `must be a size (an integer >= 0) or -1 for any, got ${show(d)}`)), false, COUNT_LIMITS.shapeRank);
  let values: (number | string | boolean)[] | undefined;
  const v = f.obj.data;
  if (isMapping(v)) {
    const d = f.mapping('data')!;
    d.allowOnly(['npy']);
    const ref = d.string('npy', true);
    if (ref !== undefined) {
      const file = resolveDataPath(baseDir, ref);
      const read = readBinaryFile(file, FILE_LIMITS.dataBytes);
      const parsed = read.ok ? parseNpy(read.value) : read;
      if (!parsed.ok) d.problem('npy', `${file}: ${parsed.message}`);
      else if (datatype !== undefined && parsed.value.datatype !== datatype) d.problem('npy', `${file}: holds ${parsed.value.datatype}, but the output is declared ${datatype}`);
      else values = parsed.value.values;
    }
  } else if (Array.isArray(v)) {
    const flat = v.flat(32) as unknown[];
    const wrong = flat.findIndex((x) => (datatype !== undefined ? checkValue(x, datatype) !== undefined : !['number', 'string', 'boolean'].includes(typeof x)));
    if (wrong >= 0) f.problems.add(f.at('data', wrong), datatype !== undefined ? checkValue(flat[wrong], datatype)! : `must be a number, string or boolean, got ${show(flat[wrong])}`);
    else values = flat as (number | string | boolean)[];
  } else if (v !== undefined && v !== null) f.problem('data', `must be a list of values or {npy: file.npy}, got ${show(v)}`);
  if (values !== undefined && shape !== undefined && !shape.includes(-1)) {
    const need = shape.reduce((a, b) => a * b, 1);
    if (need !== values.length) f.problem('data', `has ${values.length} elements, but shape [${shape.join(', ')}] needs ${need}`);
  }
  if (name === undefined) return undefined;
  return { name, ...(datatype !== undefined && { datatype }), ...(shape !== undefined && { shape }), ...(values !== undefined && { values }) };
}

/** checkBudget bounds the tensor data the mix builds before a run: every sample, and `payloads` per template of random data. */
function checkBudget(f: Fields, mix: RequestTemplate[], payloads: number): void {
  let total = 0;
  for (const t of mix) {
    if (t.samples !== undefined) for (const s of t.samples) total += payloadBytes(s.inputs);
    else total += payloadBytes(t.inputs) * (t.inputs.some((i) => i.data.kind === 'random') ? payloads : 1);
  }
  if (total > TOTAL_LIMITS.payloadBytes) f.problem(f.has('mix') ? 'mix' : 'input_data', `the requests built before the run add up to about ${total} bytes; at most ${TOTAL_LIMITS.payloadBytes} (see "Limits" in docs/scenarios.md)`);
}

/** mixModels lists the models a request infers on: its own, or each template's. */
export function mixModels(request: { model?: string; mix?: readonly { model?: string }[] }): string[] {
  const models = new Set<string>();
  for (const t of request.mix ?? [request]) if (t.model !== undefined) models.add(t.model);
  return [...models];
}

/** sampleInputs are the inputs a template's sample (or the template itself) sends. */
export function sampleInputs(t: RequestTemplate): InputSpec[][] {
  return t.samples?.map((s) => s.inputs) ?? [t.inputs];
}

/** requestForResults is a request as results.json keeps it: a mix's samples (tensor data) left out, their count kept. */
export function requestForResults(r: RequestSpec): RequestSpec {
  if (r.mix === undefined) return r;
  return {
    ...r,
    mix: r.mix.map(({ samples, ...t }) => ({ ...t, ...(samples !== undefined && { sampleCount: samples.length }) })),
  };
}
