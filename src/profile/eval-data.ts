/**
 * --eval-data: the user's evaluation set for `gauntlet profile`, instead of the seeded one. JSONL (one sample a
 * line: `{"inputs": {"<input>": [...]}, "label": 3}`, or `{"input": [...], "label": 3}` for a one-input model) or
 * .npy (the one input's samples, `[N, ...dims]`; labels from --eval-labels, an integer .npy of shape [N]).
 * Every sample must match the model's per-sample dims; any mismatch is an error naming the file and the line.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseNpy, readBinaryFile } from '../scenario/npy-file.js';
import { GauntletError } from '../errors.js';
import type { TensorInfo } from './profile-record.js';
import type { FeedSpec } from './worker-protocol.js';

/** EVAL_DATA_MAX_BYTES bounds an --eval-data or --eval-labels file; EVAL_DATA_MAX_SAMPLES its samples. */
export const EVAL_DATA_MAX_BYTES = 64 * 2 ** 20;
export const EVAL_DATA_MAX_SAMPLES = 100_000;

/** EvalSet is an evaluation set: its samples as one feed per input, and the labels when there are any. */
export interface EvalSet {
  samples: number;
  feeds: FeedSpec[];
  labels: number[] | null;
}

const fail = (message: string): never => {
  throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', message);
};

function typed(type: string, values: number[]): ArrayBufferView {
  if (type === 'float32') return Float32Array.from(values);
  if (type === 'int32') return Int32Array.from(values);
  if (type === 'int64') return BigInt64Array.from(values.map((v) => BigInt(Math.trunc(v))));
  return fail(`input type ${type} is not supported by --eval-data (float32, int32, int64)`);
}

function flatten(v: unknown, out: number[], where: string, depth = 0): void {
  if (depth > 32) fail(`${where}: nested more than 32 deep`);
  if (Array.isArray(v)) for (const x of v) flatten(x, out, where, depth + 1);
  else if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  else fail(`${where}: ${JSON.stringify(v)?.slice(0, 40)} is not a finite number`);
}

function label(v: unknown, where: string): number {
  if (!Number.isInteger(v) || (v as number) < 0) fail(`${where}.label: must be an integer class index >= 0, got ${JSON.stringify(v)}`);
  return v as number;
}

function fromJsonl(file: string, inputs: readonly TensorInfo[], dims: Map<string, number[]>): EvalSet {
  const values = new Map<string, number[]>(inputs.map((i) => [i.name, []]));
  const labels: number[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  let samples = 0;
  let hasLabels: boolean | undefined;
  for (const [n, text] of lines.entries()) {
    if (text.trim() === '') continue;
    const where = `${file}:${n + 1}`;
    if (++samples > EVAL_DATA_MAX_SAMPLES) fail(`${file}: more than ${EVAL_DATA_MAX_SAMPLES} samples`);
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      return fail(`${where}: not JSON (${(err as Error).message})`);
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) fail(`${where}: expected an object with "inputs" (or "input") and an optional "label"`);
    const given = row.inputs ?? (row.input !== undefined && inputs.length === 1 ? { [inputs[0]!.name]: row.input } : undefined);
    if (given === null || typeof given !== 'object' || Array.isArray(given)) return fail(`${where}: expected "inputs": {${inputs.map((i) => `"${i.name}": [...]`).join(', ')}}`);
    for (const input of inputs) {
      const want = (dims.get(input.name) ?? []).reduce((a, b) => a * b, 1);
      const flat: number[] = [];
      const v = (given as Record<string, unknown>)[input.name];
      if (v === undefined) fail(`${where}.inputs.${input.name}: missing`);
      flatten(v, flat, `${where}.inputs.${input.name}`);
      if (flat.length !== want) fail(`${where}.inputs.${input.name}: ${flat.length} values, but the model takes [${(dims.get(input.name) ?? []).join(', ')}] = ${want} per sample`);
      // A loop, not push(...flat): a sample of an image model has ~150k values, past what a call's arguments take.
      const into = values.get(input.name)!;
      for (const x of flat) into.push(x);
    }
    hasLabels ??= row.label !== undefined;
    if (hasLabels !== (row.label !== undefined)) fail(`${where}: either every line has a "label" or none does`);
    if (row.label !== undefined) labels.push(label(row.label, where));
  }
  if (samples === 0) fail(`${file}: no samples`);
  const feeds = inputs.map((i) => ({ name: i.name, type: i.datatype, dims: [samples, ...(dims.get(i.name) ?? [])], data: typed(i.datatype, values.get(i.name)!) }));
  return { samples, feeds, labels: labels.length > 0 ? labels : null };
}

function readNpy(file: string): { shape: number[]; values: number[] } {
  const bytes = readBinaryFile(file, EVAL_DATA_MAX_BYTES);
  if (!bytes.ok) return fail(`${file}: ${bytes.message}`);
  const parsed = parseNpy(bytes.value);
  if (!parsed.ok) return fail(`${file}: ${parsed.message}`);
  return { shape: parsed.value.shape, values: parsed.value.values.map(Number) };
}

function fromNpy(file: string, labelsFile: string | undefined, inputs: readonly TensorInfo[], dims: Map<string, number[]>): EvalSet {
  if (inputs.length !== 1) fail(`${file}: an .npy evaluation set feeds a one-input model; this one has ${inputs.length} inputs (use JSONL)`);
  const input = inputs[0]!;
  const per = dims.get(input.name) ?? [];
  const npy = readNpy(file);
  const [samples, ...rest] = npy.shape;
  if (samples === undefined || samples === 0 || rest.join(',') !== per.join(',')) fail(`${file}: shape (${npy.shape.join(', ')}) does not match the model's input '${input.name}': expected (N, ${per.join(', ')})`);
  if (samples! > EVAL_DATA_MAX_SAMPLES) fail(`${file}: more than ${EVAL_DATA_MAX_SAMPLES} samples`);
  let labels: number[] | null = null;
  if (labelsFile !== undefined) {
    const l = readNpy(labelsFile);
    if (l.shape.length !== 1 || l.shape[0] !== samples) fail(`${labelsFile}: shape (${l.shape.join(', ')}) does not match ${samples} samples: expected (${samples},)`);
    labels = l.values.map((v, i) => label(v, `${labelsFile}[${i}]`));
  }
  return { samples: samples!, feeds: [{ name: input.name, type: input.datatype, dims: [samples!, ...per], data: typed(input.datatype, npy.values) }], labels };
}

/** loadEvalData reads `file` (.npy or JSONL) as an evaluation set for `inputs` at per-sample `dims`. */
export function loadEvalData(file: string, labelsFile: string | undefined, inputs: readonly TensorInfo[], dims: Map<string, number[]>): EvalSet {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return fail(`--eval-data ${file}: no such file`);
  }
  if (size > EVAL_DATA_MAX_BYTES) fail(`${file}: ${size} bytes; at most ${EVAL_DATA_MAX_BYTES}`);
  if (file.toLowerCase().endsWith('.npy')) return fromNpy(file, labelsFile, inputs, dims);
  if (labelsFile !== undefined) fail('--eval-labels goes with an .npy --eval-data; JSONL lines carry their own "label"');
  return fromJsonl(file, inputs, dims);
}

/** top1Accuracy is the share of samples whose arg-max of `output` (samples × classes) is their label. */
export function top1Accuracy(output: Float32Array, labels: readonly number[]): number {
  const per = output.length / labels.length;
  let right = 0;
  for (let s = 0; s < labels.length; s++) {
    let arg = 0;
    for (let i = 1; i < per; i++) if ((output[s * per + i] ?? 0) > (output[s * per + arg] ?? 0)) arg = i;
    if (arg === labels[s]) right++;
  }
  return right / labels.length;
}
