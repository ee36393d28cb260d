/**
 * Converts a decoded gRPC `ModelInferRequest` into the core's InferRequest: raw or typed contents become raw
 * little-endian bytes (zero-copy views onto the received message where the layout allows), parameters become
 * plain values. Every inconsistency in the message is an INVALID_ARGUMENT naming the input.
 */
import { invalid } from '../core/errors.js';
import { encodeValues, parseBytesTensor } from '../core/tensor-codec.js';
import { byteSize, type Datatype, elementCount, isDatatype, type Tensor } from '../core/tensor.js';
import type { InferRequest, RequestedOutput } from '../core/types.js';

/** WireLong is a 64-bit integer as proto-loader decodes it (strings on the server, numbers in clients). */
export type WireLong = string | number;

/** WireParameter is a decoded `InferParameter` (`parameter_choice` names the member that is set). */
export interface WireParameter {
  parameter_choice?: string;
  bool_param?: boolean;
  int64_param?: WireLong;
  string_param?: string;
  double_param?: number;
  uint64_param?: WireLong;
}

/** WireContents is a decoded `InferTensorContents`. */
export interface WireContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: WireLong[];
  uint_contents?: number[];
  uint64_contents?: WireLong[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

/** WireInferInput is a decoded `ModelInferRequest.InferInputTensor`. */
export interface WireInferInput {
  name?: string;
  datatype?: string;
  shape?: WireLong[];
  parameters?: Record<string, WireParameter>;
  contents?: WireContents | null;
}

/** WireInferRequest is a decoded `ModelInferRequest`. */
export interface WireInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, WireParameter>;
  inputs?: WireInferInput[];
  outputs?: { name?: string; parameters?: Record<string, WireParameter> }[];
  raw_input_contents?: Uint8Array[];
}

type ContentsField = keyof WireContents;

/** The typed-contents field that carries each datatype; FP16 and BF16 travel only as raw bytes. */
const CONTENTS_FIELD: Readonly<Record<Datatype, ContentsField | undefined>> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
  FP16: undefined,
  BF16: undefined,
};

const ALL_FIELDS = Object.keys({
  bool_contents: 0, int_contents: 0, int64_contents: 0, uint_contents: 0,
  uint64_contents: 0, fp32_contents: 0, fp64_contents: 0, bytes_contents: 0,
} satisfies Record<ContentsField, 0>) as ContentsField[];

/** fromWireParameters turns an `InferParameter` map into plain values: booleans, numbers (bigint past 2^53), strings. */
export function fromWireParameters(params: Record<string, WireParameter> | undefined): Record<string, unknown> | undefined {
  if (!params) return undefined;
  const keys = Object.keys(params);
  if (keys.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const p = params[key]!;
    switch (p.parameter_choice) {
      case 'bool_param': out[key] = p.bool_param ?? false; break;
      case 'string_param': out[key] = p.string_param ?? ''; break;
      case 'double_param': out[key] = p.double_param ?? 0; break;
      case 'int64_param': out[key] = toInteger(p.int64_param); break;
      case 'uint64_param': out[key] = toInteger(p.uint64_param); break;
      default: break; // an unset oneof carries no value
    }
  }
  return out;
}

function toInteger(v: WireLong | undefined): number | bigint {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : BigInt(v);
}

function hasTypedContents(c: WireContents | null | undefined): c is WireContents {
  if (!c) return false;
  return ALL_FIELDS.some((f) => (c[f]?.length ?? 0) > 0);
}

function parseShape(name: string, shape: WireLong[] | undefined): number[] {
  const dims = (shape ?? []).map(Number);
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw invalid(`input '${name}': shape [${(shape ?? []).join(',')}] has an invalid dimension ${String(d)}; dimensions must be integers >= 0`);
    }
  }
  return dims;
}

function fromRaw(name: string, datatype: Datatype, shape: number[], raw: Uint8Array): Uint8Array | Uint8Array[] {
  if (datatype === 'BYTES') {
    const elements = parseBytesTensor(name, raw);
    const want = elementCount(shape);
    if (elements.length !== want) {
      throw invalid(`input '${name}': raw_input_contents holds ${elements.length} BYTES elements, shape [${shape.join(',')}] needs ${want}`);
    }
    return elements;
  }
  const want = byteSize(datatype, shape);
  if (raw.byteLength !== want) {
    throw invalid(`input '${name}': raw_input_contents has ${raw.byteLength} bytes, ${datatype} shape [${shape.join(',')}] needs ${want}`);
  }
  return raw;
}

function fromTyped(name: string, datatype: Datatype, shape: number[], contents: WireContents): Uint8Array | Uint8Array[] {
  const field = CONTENTS_FIELD[datatype];
  if (field === undefined) throw invalid(`input '${name}': ${datatype} data must be sent in raw_input_contents`);
  const stray = ALL_FIELDS.find((f) => f !== field && (contents[f]?.length ?? 0) > 0);
  if (stray) throw invalid(`input '${name}': a ${datatype} input carries its data in ${field}, not ${stray}`);
  const values: ArrayLike<unknown> = contents[field] ?? [];
  const want = elementCount(shape);
  if (values.length !== want) {
    throw invalid(`input '${name}': ${field} has ${values.length} elements, shape [${shape.join(',')}] needs ${want}`);
  }
  return encodeValues(name, datatype, values);
}

/** fromWireRequest validates a decoded ModelInferRequest against itself and builds the core's InferRequest. */
export function fromWireRequest(msg: WireInferRequest, receivedNs: bigint): InferRequest {
  const wireInputs = msg.inputs ?? [];
  const raws = msg.raw_input_contents ?? [];
  const useRaw = raws.length > 0;
  if (useRaw && raws.length !== wireInputs.length) {
    const missing = wireInputs[raws.length]?.name;
    throw invalid(
      `raw_input_contents has ${raws.length} entries for ${wireInputs.length} inputs` +
        (missing !== undefined ? `: input '${missing}' has no data` : ''),
    );
  }
  const inputs: Tensor[] = wireInputs.map((w, i) => {
    const name = w.name ?? '';
    const datatype = w.datatype ?? '';
    if (!isDatatype(datatype)) throw invalid(`input '${name}': unknown datatype '${datatype}'`);
    const shape = parseShape(name, w.shape);
    let data: Uint8Array | Uint8Array[];
    if (useRaw) {
      if (hasTypedContents(w.contents)) {
        throw invalid(`input '${name}': contents must not be set when the request uses raw_input_contents`);
      }
      data = fromRaw(name, datatype, shape, raws[i]!);
    } else if (hasTypedContents(w.contents)) {
      data = fromTyped(name, datatype, shape, w.contents);
    } else if (elementCount(shape) === 0) {
      data = datatype === 'BYTES' ? [] : new Uint8Array(0);
    } else {
      throw invalid(`input '${name}': no data: set contents or raw_input_contents`);
    }
    const tensor: Tensor = { name, datatype, shape, data };
    const parameters = fromWireParameters(w.parameters);
    if (parameters) tensor.parameters = parameters;
    return tensor;
  });
  const request: InferRequest = { inputs, receivedNs };
  if (msg.id) request.id = msg.id;
  const outputs: RequestedOutput[] = (msg.outputs ?? []).map((o) => {
    const out: RequestedOutput = { name: o.name ?? '' };
    const parameters = fromWireParameters(o.parameters);
    if (parameters) out.parameters = parameters;
    return out;
  });
  if (outputs.length > 0) request.outputs = outputs;
  const parameters = fromWireParameters(msg.parameters);
  if (parameters) request.parameters = parameters;
  return request;
}
