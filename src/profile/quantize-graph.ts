/**
 * quantizeGraph: int8 and int4 variants of an arbitrary ONNX model, with the bundled models' own quantizer
 * (reference-server/models/quantize.ts). Every MatMul whose B is a 2-D float initializer, and every plain Gemm
 * (alpha = beta = 1, no transA; transB and a 1-D bias taken) on such weights, becomes a
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
    else if (wire === 5) {
      f.bytes = buf.subarray(at, at + 4);
      at += 4;
    }
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
  const out = [Uint8Array.from([...encodeVarint(field * 8 + 2), ...encodeVarint(length)])];
  pushAll(out, chunks);
  return out;
}

/** pushAll appends in a loop: a graph's chunks (one per node) can outnumber what a call's arguments take. */
function pushAll(into: Uint8Array[], chunks: Uint8Array[]): void {
  for (const c of chunks) into.push(c);
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

interface FloatTensor {
  dims: number[];
  data: Float32Array;
}

/** floatTensor reads a TensorProto of floats stored inline (raw_data or float_data), else undefined. */
function floatTensor(t: Field[]): FloatTensor | undefined {
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
    else if (f.field === 4 && f.bytes !== undefined && f.wire === 2) {
      const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
      for (let i = 0; i + 4 <= f.bytes.length; i += 4) floats.push(dv.getFloat32(i, true));
    } else if (f.field === 14 && f.value === 1n) return undefined; // external data
  }
  if (type !== DataType.FLOAT) return undefined;
  const count = dims.reduce((a, b) => a * b, 1);
  if (raw !== undefined) {
    if (raw.length !== count * 4) return undefined;
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(raw);
    return { dims, data };
  }
  return floats.length === count ? { dims, data: Float32Array.from(floats) } : undefined;
}

/** Linear is a MatMul or Gemm node that quantizeGraph can rewrite: weights [K, N] and an optional bias [N]. */
interface Linear {
  k: number;
  n: number;
  w: Float32Array;
  bias?: string;
}

function attributes(node: Field[]): Map<string, { f?: number; i?: number }> {
  const out = new Map<string, { f?: number; i?: number }>();
  for (const a of node.filter((x) => x.field === 5)) {
    const af = fields(a.bytes!);
    const name = text(af.find((x) => x.field === 1)?.bytes);
    const fb = af.find((x) => x.field === 2)?.bytes;
    const i = af.find((x) => x.field === 3)?.value;
    out.set(name, { f: fb === undefined ? undefined : new DataView(fb.buffer, fb.byteOffset, 4).getFloat32(0, true), i: i === undefined ? undefined : Number(BigInt.asIntN(64, i)) });
  }
  return out;
}

/** linearOf says whether a node is a MatMul on 2-D float weights, or a plain Gemm (alpha = beta = 1, no transA, a 1-D bias). */
function linearOf(op: string, domain: string, node: Field[], inputs: string[], inits: Map<string, Field[]>): Linear | undefined {
  if (domain !== '' || (op !== 'MatMul' && op !== 'Gemm')) return undefined;
  const bInit = inits.get(inputs[1] ?? '');
  const b = bInit === undefined ? undefined : floatTensor(bInit);
  if (b === undefined || b.dims.length !== 2) return undefined;
  if (op === 'MatMul') return inputs.length === 2 ? { k: b.dims[0]!, n: b.dims[1]!, w: b.data } : undefined;
  const attrs = attributes(node);
  if ((attrs.get('alpha')?.f ?? 1) !== 1 || (attrs.get('beta')?.f ?? 1) !== 1 || (attrs.get('transA')?.i ?? 0) !== 0) return undefined;
  const transB = (attrs.get('transB')?.i ?? 0) !== 0;
  const [k, n] = transB ? [b.dims[1]!, b.dims[0]!] : [b.dims[0]!, b.dims[1]!];
  let w = b.data;
  if (transB) {
    w = new Float32Array(k * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) w[c * n + r] = b.data[r * k + c]!;
  }
  const lin: Linear = { k, n, w };
  if (inputs[2] !== undefined && inputs[2] !== '') {
    const cInit = inits.get(inputs[2]);
    const c = cInit === undefined ? undefined : floatTensor(cInit);
    if (c === undefined || c.dims.length !== 1 || c.dims[0] !== n) return undefined;
    lin.bias = inputs[2];
  }
  return lin;
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
    const m = linearOf(op, domain, node, inputs, inits);
    if (m === undefined || m.k < 16) {
      w.push(f.raw);
      continue;
    }
    const bias = m.bias === undefined ? [] : [m.bias];
    const base = `${inputs[1]}.${op === 'Gemm' ? 'gemm.' : ''}${precision}`;
    // Weights shared by several MatMuls are quantized once.
    const fresh = !done.has(base);
    done.add(base);
    if (precision === 'int8') {
      const q = quantizeInt8PerColumn(m.w, m.k, m.n);
      if (fresh) added.push(encodeTensor({ name: `${base}.q`, dataType: DataType.INT8, dims: [m.k, m.n], raw: bytesOf(q.q) }));
      if (fresh) added.push(encodeTensor({ name: `${base}.scale`, dataType: DataType.FLOAT, dims: [m.n], raw: bytesOf(q.scales) }));
      w.push(...lenField(1, [encodeNode({ name: `${name}.${precision}`, opType: 'DynamicQuantizeMatMul', domain: MS_DOMAIN, inputs: [inputs[0]!, `${base}.q`, `${base}.scale`, ...(bias.length > 0 ? ['', ...bias] : [])], outputs, attributes: {} }).finish()]));
    } else {
      const q = quantizeInt4Blockwise(m.w, m.k, m.n, QUANTIZE_BLOCK_SIZE);
      if (fresh) added.push(encodeTensor({ name: `${base}.q4`, dataType: DataType.UINT8, dims: [m.n, q.kBlocks, QUANTIZE_BLOCK_SIZE / 2], raw: q.packed }));
      if (fresh) added.push(encodeTensor({ name: `${base}.scales`, dataType: DataType.FLOAT, dims: [m.n, q.kBlocks], raw: bytesOf(q.scales) }));
      if (fresh) added.push(encodeTensor({ name: `${base}.zp`, dataType: DataType.UINT8, dims: [m.n, Math.ceil(q.kBlocks / 2)], raw: q.zeroPoints }));
      const attributes = { K: { i: m.k }, N: { i: m.n }, bits: { i: 4 }, block_size: { i: QUANTIZE_BLOCK_SIZE } };
      w.push(...lenField(1, [encodeNode({ name: `${name}.${precision}`, opType: 'MatMulNBits', domain: MS_DOMAIN, inputs: [inputs[0]!, `${base}.q4`, `${base}.scales`, `${base}.zp`, ...(bias.length > 0 ? ['', ...bias] : [])], outputs, attributes }).finish()]));
    }
    quantized++;
  }
  // The fp32 weights stay (another node may use them); ORT drops initializers no node reads.
  for (const t of added) pushAll(w, lenField(5, [t.finish()]));
  const out: Uint8Array[] = [];
  const hasMs = top.some((f) => f.field === 8 && text(fields(f.bytes!).find((x) => x.field === 1)?.bytes) === MS_DOMAIN);
  for (const f of top) {
    if (f === graphField) pushAll(out, lenField(7, w));
    else out.push(f.raw);
  }
  if (!hasMs && quantized > 0) out.push(...lenField(8, [new ProtoWriter().string(1, MS_DOMAIN).varint(2, 1).finish()]));
  return { model: concat(out), quantized };
}
