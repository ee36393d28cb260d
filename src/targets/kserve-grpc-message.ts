/**
 * KServe v2 gRPC messages as bytes: a ModelInferRequest encoded once per payload (tensors in raw_input_contents)
 * and framed for gRPC, and just enough decoding of a ModelInferResponse to check that outputs came back.
 * Field numbers are those of inference.ModelInferRequest / ModelInferResponse in grpc_service.proto.
 */
import { ProtoReader, ProtoWriter, WIRE } from './protobuf.js';
import type { RequestSpec } from './target-spec.js';
import type { TensorData } from './tensor-data.js';

/** MODEL_INFER_PATH is the HTTP/2 path of the ModelInfer RPC. */
export const MODEL_INFER_PATH = '/inference.GRPCInferenceService/ModelInfer';

const REQ = { modelName: 1, modelVersion: 2, parameters: 4, inputs: 5, outputs: 6, rawInputContents: 7 } as const;
const INPUT = { name: 1, datatype: 2, shape: 3 } as const;
const OUTPUT = { name: 1 } as const;
const PARAM = { bool: 1, int64: 2, string: 3, double: 4 } as const;
const RES = { modelName: 1, outputs: 5, rawOutputContents: 6 } as const;
const RES_OUTPUT = { name: 1, datatype: 2, shape: 3, contents: 5 } as const;

/** encodeModelInferRequest encodes one ModelInferRequest (not framed). */
export function encodeModelInferRequest(model: string, version: string | undefined, request: RequestSpec, tensors: TensorData[]): Buffer {
  const w = new ProtoWriter().string(REQ.modelName, model);
  if (version !== undefined && version !== '') w.string(REQ.modelVersion, version);
  for (const [key, value] of Object.entries(request.parameters ?? {})) {
    const p = new ProtoWriter();
    if (typeof value === 'boolean') p.bool(PARAM.bool, value);
    else if (typeof value === 'string') p.string(PARAM.string, value);
    else if (Number.isSafeInteger(value)) p.int64(PARAM.int64, value);
    else p.double(PARAM.double, value);
    w.message(REQ.parameters, new ProtoWriter().string(1, key).message(2, p)); // a map entry: key = 1, value = 2
  }
  request.inputs.forEach((input) => {
    const t = new ProtoWriter().string(INPUT.name, input.name).string(INPUT.datatype, input.datatype);
    if (input.shape.length > 0) t.packedVarints(INPUT.shape, input.shape);
    w.message(REQ.inputs, t);
  });
  for (const name of request.outputs ?? []) w.message(REQ.outputs, new ProtoWriter().string(OUTPUT.name, name));
  for (const t of tensors) w.bytes(REQ.rawInputContents, t.raw);
  return w.finish();
}

/** frameGrpc prefixes a message with gRPC's 5 bytes: not compressed (0), then the length as a big-endian uint32. */
export function frameGrpc(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** unframeGrpc splits a response body into its messages; compressed or truncated frames throw. */
export function unframeGrpc(body: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  let off = 0;
  while (off < body.length) {
    if (off + 5 > body.length) throw new RangeError('gRPC: truncated message prefix');
    if (body[off] !== 0) throw new RangeError('gRPC: the response is compressed, which was not asked for');
    const n = body.readUInt32BE(off + 1);
    if (off + 5 + n > body.length) throw new RangeError('gRPC: truncated message');
    messages.push(body.subarray(off + 5, off + 5 + n));
    off += 5 + n;
  }
  return messages;
}

/** InferOutputSummary describes one output of a ModelInferResponse. */
export interface InferOutputSummary {
  name: string;
  datatype: string;
  shape: number[];
  hasContents: boolean;
}

/** InferResponseSummary is what `check()` needs of a ModelInferResponse. */
export interface InferResponseSummary {
  modelName: string;
  outputs: InferOutputSummary[];
  rawOutputContents: number;
}

/** decodeModelInferResponse reads a ModelInferResponse's model name, outputs and number of raw output buffers. */
export function decodeModelInferResponse(message: Uint8Array): InferResponseSummary {
  const r = new ProtoReader(message);
  const summary: InferResponseSummary = { modelName: '', outputs: [], rawOutputContents: 0 };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === RES.modelName && wire === WIRE.LEN) summary.modelName = r.string();
    else if (field === RES.outputs && wire === WIRE.LEN) summary.outputs.push(decodeOutput(r.bytes()));
    else if (field === RES.rawOutputContents && wire === WIRE.LEN) {
      r.bytes();
      summary.rawOutputContents++;
    } else r.skip(wire);
  }
  return summary;
}

function decodeOutput(bytes: Uint8Array): InferOutputSummary {
  const r = new ProtoReader(bytes);
  const out: InferOutputSummary = { name: '', datatype: '', shape: [], hasContents: false };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === RES_OUTPUT.name && wire === WIRE.LEN) out.name = r.string();
    else if (field === RES_OUTPUT.datatype && wire === WIRE.LEN) out.datatype = r.string();
    else if (field === RES_OUTPUT.shape && wire === WIRE.LEN) {
      const packed = r.bytes();
      const p = new ProtoReader(packed);
      while (!p.done()) out.shape.push(p.varint());
    } else if (field === RES_OUTPUT.shape && wire === WIRE.VARINT) out.shape.push(r.varint());
    else if (field === RES_OUTPUT.contents && wire === WIRE.LEN) {
      r.bytes();
      out.hasContents = true;
    } else r.skip(wire);
  }
  return out;
}

/** checkInferSummary returns what is wrong with a decoded response, or undefined when every output is there. */
export function checkInferSummary(s: InferResponseSummary, wanted: string[] | undefined): string | undefined {
  if (s.outputs.length === 0) return 'the response has no outputs';
  for (const name of wanted ?? []) if (!s.outputs.some((o) => o.name === name)) return `output '${name}' is missing from the response`;
  const withData = s.rawOutputContents > 0 ? s.rawOutputContents === s.outputs.length : s.outputs.every((o) => o.hasContents);
  if (!withData) return `the response has ${s.outputs.length} outputs but data for ${s.rawOutputContents > 0 ? s.rawOutputContents : 'not all'} of them`;
  return undefined;
}
