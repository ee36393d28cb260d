/**
 * quantizeGraph: int8 and int4 variants of an arbitrary ONNX model, with the bundled models' own quantizer
 * (reference-server/models/quantize.ts). Every MatMul whose B is a 2-D float initializer becomes a
 * DynamicQuantizeMatMul (int8, 7-bit per-column weights) or a MatMulNBits (int4, blocks of 32); everything else is
 * copied byte for byte. The protobuf is read field by field (no schema library): only ModelProto.graph,
 * GraphProto.node / .initializer and ModelProto.opset_import are looked into.
 */
import { quantizeInt4Blockwise, quantizeInt8PerColumn } from '../../reference-server/models/quantize.js';
import { encodeNode, encodeTensor, DataType } from '../../reference-server/models/onnx.js';
import { ProtoWriter } from '../../reference-server/models/protobuf.js';

/** QUANTIZE_BLOCK_SIZE is the int4 block size along K (as the bundled int4 variants). */
export const QUANTIZE_BLOCK_SIZE = 32;
const MS_DOMAIN = 'com.microsoft';

interface Field {
  field: number;
  wire: number;
  /** The whole field, tag included, to copy it unchanged. */
  raw: Uint8Array;
  /** LENGTH_DELIMITED: the payload; VARINT: the value. */
  bytes?: Uint8Array;
  value?: bigint;
}

function varint(buf: Uint8Array, at: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    const b = buf[at++];
    if (b === undefined) throw new Error('truncated varint');
    v |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [v, at];
    shift += 7n;
  }
  throw new Error('varint longer than 10 bytes');
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const start = at;
    const [tag, next] = varint(buf, at);
    at = next;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    const f: Field = { field, wire, raw: buf };
    if (wire === 0) [f.value, at] = varint(buf, at);
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const [len, body] = varint(buf, at);
      at = body + Number(len);
      f.bytes = buf.subarray(body, at);
    } else throw new Error(`unsupported wire type ${wire}`);
    if (at > buf.length) throw new Error('truncated field');
    f.raw = buf.subarray(start, at);
    out.push(f);
  }
  return out;
}

function encodeVarint(v: number): number[] {
  const out: number[] = [];
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** lenField encodes a length-delimited field from its payload chunks. */
function lenField(field: number, chunks: Uint8Array[]): Uint8Array[] {
  const length = chunks.reduce((a, c) => a + c.length, 0);
  return [Uint8Array.from([...encodeVarint(field * 8 + 2), ...encodeVarint(length)]), ...chunks];
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b ?? new Uint8Array());

interface FloatMatrix {
  k: number;
  n: number;
  data: Float32Array;
}

/** floatMatrix reads a TensorProto that is a 2-D float tensor stored inline (raw_data or float_data), else undefined. */
function floatMatrix(t: Field[]): FloatMatrix | undefined {
  const dims: number[] = [];
  let type = 0;
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  for (const f of t) {
    if (f.field === 1 && f.value !== undefined) dims.push(Number(f.value));
    else if (f.field === 1 && f.bytes !== undefined) {
      for (let at = 0; at < f.bytes.length; ) {
        const [v, next] = varint(f.bytes, at);
        dims.push(Number(v));
        at = next;
      }
    } else if (f.field === 2) type = Number(f.value ?? 0);
    else if (f.field === 9) raw = f.bytes;
    else if (f.field === 4 && f.bytes !== undefined) {
      const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
      for (let i = 0; i + 4 <= f.bytes.length; i += 4) floats.push(dv.getFloat32(i, true));
    } else if (f.field === 14 && f.value === 1n) return undefined; // external data
  }
  if (type !== DataType.FLOAT || dims.length !== 2) return undefined;
  const [k, n] = dims as [number, number];
  let data: Float32Array;
  if (raw !== undefined) {
    if (raw.length !== k * n * 4) return undefined;
    data = new Float32Array(k * n);
    new Uint8Array(data.buffer).set(raw);
  } else if (floats.length === k * n) data = Float32Array.from(floats);
  else return undefined;
  return { k, n, data };
}

/** QuantizedGraph is the rewritten model and how many MatMuls were quantized. */
export interface QuantizedGraph {
  model: Uint8Array;
  quantized: number;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** quantizeGraph returns `model` with every MatMul on a 2-D float initializer quantized to `precision`. */
export function quantizeGraph(model: Uint8Array, precision: 'int8' | 'int4'): QuantizedGraph {
  const top = fields(model);
  const graphField = top.find((f) => f.field === 7 && f.bytes !== undefined);
  if (graphField === undefined) throw new Error('no graph in the model');
  const graph = fields(graphField.bytes!);
  const inits = new Map<string, Field[]>();
  for (const f of graph) {
    if (f.field !== 5) continue;
    const t = fields(f.bytes!);
    inits.set(text(t.find((x) => x.field === 8)?.bytes), t);
  }
  const w: Uint8Array[] = [];
  const added: ProtoWriter[] = [];
  let quantized = 0;
  const done = new Set<string>();
  for (const f of graph) {
    if (f.field !== 1) {
      w.push(f.raw);
      continue;
    }
    const node = fields(f.bytes!);
    const op = text(node.find((x) => x.field === 4)?.bytes);
    const domain = text(node.find((x) => x.field === 7)?.bytes);
    const inputs = node.filter((x) => x.field === 1).map((x) => text(x.bytes));
    const outputs = node.filter((x) => x.field === 2).map((x) => text(x.bytes));
    const name = text(node.find((x) => x.field === 3)?.bytes) || `matmul_${quantized}`;
    const b = op === 'MatMul' && domain === '' && inputs.length === 2 ? inits.get(inputs[1]!) : undefined;
    const m = b === undefined ? undefined : floatMatrix(b);
    if (m === undefined || m.k < 16) {
      w.push(f.raw);
      continue;
    }
    const base = `${inputs[1]}.${precision}`;
    // Weights shared by several MatMuls are quantized once.
    const fresh = !done.has(base);
    done.add(base);
    if (precision === 'int8') {
      const q = quantizeInt8PerColumn(m.data, m.k, m.n);
      if (fresh) added.push(encodeTensor({ name: `${base}.q`, dataType: DataType.INT8, dims: [m.k, m.n], raw: bytesOf(q.q) }));
      if (fresh) added.push(encodeTensor({ name: `${base}.scale`, dataType: DataType.FLOAT, dims: [m.n], raw: bytesOf(q.scales) }));
      w.push(...lenField(1, [encodeNode({ name: `${name}.${precision}`, opType: 'DynamicQuantizeMatMul', domain: MS_DOMAIN, inputs: [inputs[0]!, `${base}.q`, `${base}.scale`], outputs, attributes: {} }).finish()]));
    } else {
      const q = quantizeInt4Blockwise(m.data, m.k, m.n, QUANTIZE_BLOCK_SIZE);
      if (fresh) added.push(encodeTensor({ name: `${base}.q4`, dataType: DataType.UINT8, dims: [m.n, q.kBlocks, QUANTIZE_BLOCK_SIZE / 2], raw: q.packed }));
      if (fresh) added.push(encodeTensor({ name: `${base}.scales`, dataType: DataType.FLOAT, dims: [m.n, q.kBlocks], raw: bytesOf(q.scales) }));
      if (fresh) added.push(encodeTensor({ name: `${base}.zp`, dataType: DataType.UINT8, dims: [m.n, Math.ceil(q.kBlocks / 2)], raw: q.zeroPoints }));
      const attributes = { K: { i: m.k }, N: { i: m.n }, bits: { i: 4 }, block_size: { i: QUANTIZE_BLOCK_SIZE } };
      w.push(...lenField(1, [encodeNode({ name: `${name}.${precision}`, opType: 'MatMulNBits', domain: MS_DOMAIN, inputs: [inputs[0]!, `${base}.q4`, `${base}.scales`, `${base}.zp`], outputs, attributes }).finish()]));
    }
    quantized++;
  }
  // The fp32 weights stay (another node may use them); ORT drops initializers no node reads.
  for (const t of added) w.push(...lenField(5, [t.finish()]));
  const out: Uint8Array[] = [];
  const hasMs = top.some((f) => f.field === 8 && text(fields(f.bytes!).find((x) => x.field === 1)?.bytes) === MS_DOMAIN);
  for (const f of top) {
    if (f === graphField) out.push(...lenField(7, w));
    else out.push(f.raw);
  }
  if (!hasMs && quantized > 0) out.push(...lenField(8, [new ProtoWriter().string(1, MS_DOMAIN).varint(2, 1).finish()]));
  return { model: concat(out), quantized };
}
