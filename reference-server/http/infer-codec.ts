/**
 * The KServe v2 HTTP inference body, JSON and with the binary tensor data extension: parsing a request body into
 * an InferRequest and encoding an InferResponse. A body with `Inference-Header-Content-Length: N` carries N bytes
 * of JSON followed by the binary tensors, in input order, each `parameters.binary_data_size` bytes long.
 */
import { invalid } from '../core/errors.js';
import { isDatatype, type Tensor } from '../core/tensor.js';
import { decodeValues, encodeValues, flattenJson, parseBytesTensor, serializeBytesTensor } from '../core/tensor-codec.js';
import type { InferRequest, InferResponse, RequestedOutput } from '../core/types.js';

/** HEADER_LENGTH is the binary extension's header naming the JSON part's length. */
export const HEADER_LENGTH = 'inference-header-content-length';

/** parseInferBody parses an infer request body; `jsonLength` is the binary extension header's value, if present. */
export function parseInferBody(body: Buffer, jsonLength: string | undefined, receivedNs: bigint): InferRequest {
  let jsonEnd = body.length;
  if (jsonLength !== undefined) {
    if (!/^\d+$/.test(jsonLength.trim())) throw invalid(`Inference-Header-Content-Length must be a non-negative integer, got ${JSON.stringify(jsonLength)}`);
    jsonEnd = Number(jsonLength);
    if (jsonEnd > body.length) {
      throw invalid(`Inference-Header-Content-Length is ${jsonEnd}, but the body has only ${body.length} bytes`);
    }
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8', 0, jsonEnd));
  } catch (err) {
    throw invalid(`failed to parse the request JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('the request body must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (!Array.isArray(d['inputs'])) throw invalid("the request must have an 'inputs' array");
  const binary = body.subarray(jsonEnd);
  let offset = 0;
  const inputs = d['inputs'].map((raw, i) => {
    const { tensor, used } = parseInput(raw, i, binary, offset);
    offset += used;
    return tensor;
  });
  if (offset !== binary.length) {
    throw invalid(`the body has ${binary.length - offset} bytes of binary data after the last input that uses it`);
  }
  const req: InferRequest = { inputs, receivedNs };
  if (d['id'] !== undefined) {
    if (typeof d['id'] !== 'string') throw invalid("'id' must be a string");
    req.id = d['id'];
  }
  const params = d['parameters'];
  if (params !== undefined) {
    if (!isObject(params)) throw invalid("'parameters' must be an object");
    req.parameters = params;
  }
  if (d['outputs'] !== undefined) req.outputs = parseOutputs(d['outputs'], isObject(params) && params['binary_data_output'] === true);
  return req;
}

function parseInput(raw: unknown, i: number, binary: Buffer, offset: number): { tensor: Tensor; used: number } {
  if (!isObject(raw)) throw invalid(`inputs[${i}] must be an object`);
  const name = raw['name'];
  if (typeof name !== 'string' || name === '') throw invalid(`inputs[${i}] must have a non-empty string 'name'`);
  const datatype = raw['datatype'];
  if (!isDatatype(datatype)) throw invalid(`input '${name}' has an unknown datatype ${JSON.stringify(datatype)}`);
  const shape = raw['shape'];
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 0)) {
    throw invalid(`input '${name}' has an invalid shape ${JSON.stringify(shape)}: it must be a list of integers >= 0`);
  }
  const params = raw['parameters'];
  if (params !== undefined && !isObject(params)) throw invalid(`input '${name}': 'parameters' must be an object`);
  const size = isObject(params) ? params['binary_data_size'] : undefined;
  const tensor: Tensor = { name, datatype, shape: shape as number[], data: new Uint8Array(0) };
  if (size !== undefined) {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw invalid(`input '${name}': binary_data_size must be an integer >= 0`);
    if (raw['data'] !== undefined) throw invalid(`input '${name}' has both 'data' and binary_data_size`);
    if (offset + size > binary.length) {
      throw invalid(`input '${name}' needs ${size} bytes of binary data, but only ${binary.length - offset} are left in the body`);
    }
    const bytes = new Uint8Array(binary.buffer, binary.byteOffset + offset, size);
    tensor.data = datatype === 'BYTES' ? parseBytesTensor(name, bytes) : bytes;
    return { tensor, used: size };
  }
  if (raw['data'] === undefined) throw invalid(`input '${name}' has neither 'data' nor binary_data_size`);
  tensor.data = encodeValues(name, datatype, flattenJson(raw['data'], name, shape as number[]));
  return { tensor, used: 0 };
}

function parseOutputs(raw: unknown, binaryDefault: boolean): RequestedOutput[] {
  if (!Array.isArray(raw)) throw invalid("'outputs' must be an array");
  return raw.map((o, i) => {
    if (!isObject(o) || typeof o['name'] !== 'string') throw invalid(`outputs[${i}] must be an object with a string 'name'`);
    const p = o['parameters'];
    if (p !== undefined && !isObject(p)) throw invalid(`output '${o['name']}': 'parameters' must be an object`);
    const parameters: Record<string, unknown> = { binary_data: binaryDefault, ...(p ?? {}) };
    if (typeof parameters['binary_data'] !== 'boolean') throw invalid(`output '${o['name']}': binary_data must be true or false`);
    if (parameters['classification'] !== undefined) throw invalid(`output '${o['name']}': the classification extension is not supported`);
    return { name: o['name'], parameters };
  });
}

/** EncodedResponse is an HTTP infer response body and the value of its Inference-Header-Content-Length (if binary). */
export interface EncodedResponse {
  body: Buffer | Buffer[];
  length: number;
  jsonLength?: number;
}

/** encodeInferResponse encodes a response; outputs asked for with binary_data go after the JSON as raw bytes. */
export function encodeInferResponse(res: InferResponse, req: InferRequest): EncodedResponse {
  const wantBinary = (name: string): boolean => {
    const o = req.outputs?.find((x) => x.name === name);
    if (o) return o.parameters?.['binary_data'] === true;
    return req.parameters?.['binary_data_output'] === true;
  };
  const parts: Buffer[] = [];
  const outputs = res.outputs.map((t) => {
    const base = { name: t.name, datatype: t.datatype, shape: t.shape };
    if (!wantBinary(t.name)) return { ...base, data: decodeValues(t) };
    const raw = Array.isArray(t.data) ? serializeBytesTensor(t.data) : t.data;
    parts.push(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    return { ...base, parameters: { binary_data_size: raw.byteLength } };
  });
  const doc: Record<string, unknown> = { model_name: res.modelName, model_version: res.modelVersion };
  if (res.id !== undefined) doc['id'] = res.id;
  doc['outputs'] = outputs;
  const json = Buffer.from(JSON.stringify(doc), 'utf8');
  if (parts.length === 0) return { body: json, length: json.length };
  const length = parts.reduce((n, p) => n + p.length, json.length);
  return { body: [json, ...parts], length, jsonLength: json.length };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
