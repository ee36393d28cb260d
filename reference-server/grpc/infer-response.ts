/**
 * Converts the core's InferResponse into a gRPC `ModelInferResponse`. As Triton does, every output's data goes
 * in `raw_output_contents` (BYTES length-prefixed), never in typed contents.
 */
import { serializeBytesTensor } from '../core/tensor-codec.js';
import type { InferResponse } from '../core/types.js';
import type { WireParameter } from './infer-request.js';

/** WireOutputTensor is the `ModelInferResponse.InferOutputTensor` we send. */
export interface WireOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters: Record<string, WireParameter>;
}

/** WireInferResponse is the `ModelInferResponse` we send. */
export interface WireInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, WireParameter>;
  outputs: WireOutputTensor[];
  raw_output_contents: Uint8Array[];
}

/** toWireParameter turns a plain value into an `InferParameter`; values with no protocol form give undefined. */
export function toWireParameter(value: unknown): WireParameter | undefined {
  switch (typeof value) {
    case 'boolean':
      return { bool_param: value };
    case 'string':
      return { string_param: value };
    case 'bigint':
      return value >= 1n << 63n ? { uint64_param: value.toString() } : { int64_param: value.toString() };
    case 'number':
      return Number.isSafeInteger(value) ? { int64_param: value } : { double_param: value };
    default:
      return undefined;
  }
}

/** toWireParameters turns a plain parameter record into an `InferParameter` map, dropping values with no protocol form. */
export function toWireParameters(params: Record<string, unknown> | undefined): Record<string, WireParameter> {
  const out: Record<string, WireParameter> = {};
  if (!params) return out;
  for (const [key, value] of Object.entries(params)) {
    const p = toWireParameter(value);
    if (p) out[key] = p;
  }
  return out;
}

/** toWireResponse builds the ModelInferResponse for a core response; `requestId` is echoed when the core did not set one. */
export function toWireResponse(response: InferResponse, requestId: string): WireInferResponse {
  const outputs: WireOutputTensor[] = [];
  const raw: Uint8Array[] = [];
  for (const t of response.outputs) {
    outputs.push({ name: t.name, datatype: t.datatype, shape: t.shape, parameters: toWireParameters(t.parameters) });
    raw.push(Array.isArray(t.data) ? serializeBytesTensor(t.data) : t.data);
  }
  return {
    model_name: response.modelName,
    model_version: response.modelVersion,
    id: response.id ?? requestId,
    parameters: {},
    outputs,
    raw_output_contents: raw,
  };
}
