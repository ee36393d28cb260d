/**
 * The output tensors of an infer response, decoded for checking: a KServe v2 HTTP response (JSON `data`, or the
 * binary tensor data extension's bytes after the JSON) and a gRPC ModelInferResponse (raw_output_contents, or
 * typed contents). A response that cannot be decoded gives a message (the outcome BAD_RESPONSE), never a throw.
 */
import { decodeLittleEndian } from '../scenario/npy-file.js';
import { headerValue } from './http1-request.js';
import { ProtoReader, WIRE } from './protobuf.js';
import { ELEMENT_BYTES, elementCount, type Value } from './tensor-data.js';

/** OutputTensor is one decoded output. */
export interface OutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  values: Value[];
}

/** Decoded is the outputs of a response, or why they could not be read. */
export type Decoded = { ok: true; outputs: OutputTensor[] } | { ok: false; message: string };

/** decodeHttpOutputs reads the outputs of a KServe v2 HTTP infer response (head and whole body). */
export function decodeHttpOutputs(head: string, body: Buffer): Decoded {
  const lengthHeader = headerValue(head, 'inference-header-content-length');
  const jsonLength = lengthHeader === undefined ? body.length : Number(lengthHeader);
  if (!Number.isInteger(jsonLength) || jsonLength < 0 || jsonLength > body.length) return bad(`bad inference-header-content-length: ${lengthHeader}`);
  let doc: { outputs?: unknown };
  try {
    doc = JSON.parse(body.toString('utf8', 0, jsonLength)) as { outputs?: unknown };
  } catch (err) {
    return bad(`the response is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc.outputs)) return bad('the response has no outputs');
  const outputs: OutputTensor[] = [];
  let off = jsonLength;
  for (const o of doc.outputs as { name?: unknown; datatype?: unknown; shape?: unknown; data?: unknown; parameters?: { binary_data_size?: unknown } }[]) {
    if (typeof o?.name !== 'string' || typeof o.datatype !== 'string' || !isShape(o.shape)) return bad('an output has no name, datatype or shape');
    const size = o.parameters?.binary_data_size;
    let values: Value[];
    if (typeof size === 'number') {
      if (!Number.isInteger(size) || size < 0 || off + size > body.length) return bad(`output '${o.name}' declares ${size} binary bytes that are not there`);
      const raw = decodeRaw(o.datatype, body.subarray(off, off + size));
      if (typeof raw === 'string') return bad(`output '${o.name}': ${raw}`);
      values = raw;
      off += size;
    } else if (Array.isArray(o.data)) values = (o.data.length > 0 && Array.isArray(o.data[0]) ? o.data.flat(32) : o.data) as Value[];
    else return bad(`output '${o.name}' has no data`);
    outputs.push({ name: o.name, datatype: o.datatype, shape: o.shape, values });
  }
  return { ok: true, outputs };
}

/** decodeGrpcOutputs reads the outputs of a ModelInferResponse (one unframed message). */
export function decodeGrpcOutputs(message: Uint8Array): Decoded {
  try {
    const r = new ProtoReader(message);
    const outputs: (OutputTensor & { typed?: Value[] })[] = [];
    const raws: Uint8Array[] = [];
    while (!r.done()) {
      const { field, wire } = r.tag();
      if (field === 5 && wire === WIRE.LEN) outputs.push(decodeOutput(r.bytes()));
      else if (field === 6 && wire === WIRE.LEN) raws.push(r.bytes());
      else r.skip(wire);
    }
    if (raws.length > 0 && raws.length !== outputs.length) return bad(`the response has ${outputs.length} outputs but ${raws.length} raw buffers`);
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs[i]!;
      const raw = raws[i];
      if (raw !== undefined) {
        const v = decodeRaw(o.datatype, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
        if (typeof v === 'string') return bad(`output '${o.name}': ${v}`);
        o.values = v;
      } else o.values = o.typed ?? [];
      delete o.typed;
    }
    return { ok: true, outputs };
  } catch (err) {
    return bad(`undecodable response: ${(err as Error).message}`);
  }
}

function decodeOutput(bytes: Uint8Array): OutputTensor & { typed?: Value[] } {
  const r = new ProtoReader(bytes);
  const out: OutputTensor & { typed?: Value[] } = { name: '', datatype: '', shape: [], values: [] };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE.LEN) out.name = r.string();
    else if (field === 2 && wire === WIRE.LEN) out.datatype = r.string();
    else if (field === 3 && wire === WIRE.LEN) {
      const p = new ProtoReader(r.bytes());
      while (!p.done()) out.shape.push(p.varint());
    } else if (field === 3 && wire === WIRE.VARINT) out.shape.push(r.varint());
    else if (field === 5 && wire === WIRE.LEN) out.typed = decodeContents(r.bytes());
    else r.skip(wire);
  }
  return out;
}

/** decodeContents reads InferTensorContents (one kind of typed values is filled). */
function decodeContents(bytes: Uint8Array): Value[] {
  const r = new ProtoReader(bytes);
  const values: Value[] = [];
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 8 && wire === WIRE.LEN) values.push(Buffer.from(r.bytes()).toString('utf8'));
    else if ((field === 6 || field === 7) && wire === WIRE.LEN) {
      const b = Buffer.from(r.bytes());
      const size = field === 6 ? 4 : 8;
      for (let i = 0; i + size <= b.length; i += size) values.push(field === 6 ? b.readFloatLE(i) : b.readDoubleLE(i));
    } else if ((field === 2 || field === 3) && wire === WIRE.LEN) {
      for (const v of signedVarints(r.bytes())) values.push(v);
    } else if ((field === 1 || field === 4 || field === 5) && wire === WIRE.LEN) {
      const p = new ProtoReader(r.bytes());
      while (!p.done()) {
        const v = p.varint();
        values.push(field === 1 ? v !== 0 : v);
      }
    } else r.skip(wire);
  }
  return values;
}

/** signedVarints reads packed int32/int64 varints: two's complement in 64 bits, so a negative number takes 10 bytes. */
function signedVarints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let v = 0n;
  let shift = 0n;
  for (const b of bytes) {
    v |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if (b < 0x80) {
      out.push(Number(BigInt.asIntN(64, v)));
      v = 0n;
      shift = 0n;
    } else if (shift > 63n) throw new RangeError('protobuf: varint longer than 10 bytes');
  }
  if (shift !== 0n) throw new RangeError('protobuf: truncated varint');
  return out;
}

/** decodeRaw reads a raw little-endian tensor (BYTES: 4-byte length + bytes per element). */
function decodeRaw(datatype: string, raw: Buffer): Value[] | string {
  if (datatype === 'BYTES') {
    const out: string[] = [];
    let off = 0;
    while (off < raw.length) {
      if (off + 4 > raw.length) return 'truncated BYTES element';
      const n = raw.readUInt32LE(off);
      if (off + 4 + n > raw.length) return 'truncated BYTES element';
      out.push(raw.toString('utf8', off + 4, off + 4 + n));
      off += 4 + n;
    }
    return out;
  }
  const size = ELEMENT_BYTES[datatype];
  if (size === undefined) return `unknown datatype ${JSON.stringify(datatype)}`;
  if (raw.length % size !== 0) return `${raw.length} bytes are not a whole number of ${datatype} elements`;
  return decodeLittleEndian(datatype, raw, raw.length / size);
}

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0) && elementCount(v as number[]) >= 0;
}

function bad(message: string): Decoded {
  return { ok: false, message };
}
