/**
 * A bounded ONNX reader: decodes just what costing a graph needs from ModelProto bytes (nodes, their
 * attributes, initializer dims and types, graph inputs and outputs). Field numbers are those of `onnx/onnx.proto`,
 * as in reference-server/models/onnx.ts, which only encodes. Every length is checked against the bytes left,
 * counts are capped, and the nesting is fixed by the message types read (subgraphs in attributes are skipped),
 * so a hostile or truncated file fails with a clear error instead of a crash or a hang.
 */
import { GauntletError } from '../../errors.js';

/** AttrValue is one decoded node attribute (the fields costing uses). */
export interface AttrValue {
  f?: number;
  i?: number;
  s?: string;
  ints?: number[];
  floats?: number[];
}

/** OnnxNode is one decoded NodeProto. */
export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

/** OnnxTensorInfo is an initializer's or graph value's type and dims (a string for a symbolic dim). */
export interface OnnxTensorInfo {
  name: string;
  elemType: number;
  dims: (number | string)[];
  /** Small INT64/INT32 initializers (shapes, axes): their values, for Reshape and friends. */
  ints?: number[];
}

/** OnnxGraph is the decoded main graph of a model. */
export interface OnnxGraph {
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensorInfo>;
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
}

/** ONNX_READ_LIMITS are the reader's caps: nodes, values per list, dims per tensor, ints kept per initializer. */
export const ONNX_READ_LIMITS = { maxNodes: 200_000, maxListItems: 100_000, maxDims: 64, maxSmallInts: 64 } as const;

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): number {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw bad('truncated varint');
      const b = this.buf[this.pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return Number(BigInt.asIntN(64, result));
    }
    throw bad('varint longer than 10 bytes');
  }
  sub(): Reader {
    const len = this.varint();
    if (len < 0 || this.pos + len > this.end) throw bad(`length ${len} runs past the end of its message`);
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }
  string(): string {
    const r = this.sub();
    return new TextDecoder().decode(this.buf.subarray(r.pos, r.end));
  }
  float(): number {
    if (this.pos + 4 > this.end) throw bad('truncated float');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.sub();
    else if (wire === 5) this.advance(4);
    else throw bad(`unsupported wire type ${wire}`);
  }
  /** ints reads a repeated int field, packed (wire 2) or one value (wire 0). */
  ints(wire: number, into: number[]): void {
    if (wire === 0) return void push(into, this.varint());
    const r = this.sub();
    while (!r.done()) push(into, r.varint());
  }
  private advance(n: number): void {
    if (this.pos + n > this.end) throw bad('truncated fixed-width field');
    this.pos += n;
  }
  /** fields iterates over (field number, wire type) tags until the message ends. */
  *fields(): Generator<[number, number]> {
    while (!this.done()) {
      const tag = this.varint();
      const field = Math.floor(tag / 8);
      if (field < 1) throw bad(`bad field number ${field}`);
      yield [field, tag & 7];
    }
  }
}

function bad(why: string): GauntletError {
  return new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `not a readable ONNX model: ${why}`);
}

function push<T>(list: T[], v: T): void {
  if (list.length >= ONNX_READ_LIMITS.maxListItems) throw bad(`more than ${ONNX_READ_LIMITS.maxListItems} values in a list`);
  list.push(v);
}

function readAttr(r: Reader): [string, AttrValue] {
  let name = '';
  const a: AttrValue = {};
  for (const [field, wire] of r.fields()) {
    if (field === 1 && wire === 2) name = r.string();
    else if (field === 2 && wire === 5) a.f = r.float();
    else if (field === 3 && wire === 0) a.i = r.varint();
    else if (field === 4 && wire === 2) a.s = r.string();
    else if (field === 7 && wire === 2) {
      const s = r.sub();
      a.floats ??= [];
      while (!s.done()) push(a.floats, s.float());
    } else if (field === 7 && wire === 5) push((a.floats ??= []), r.float());
    else if (field === 8) r.ints(wire, (a.ints ??= []));
    else r.skip(wire);
  }
  return [name, a];
}

function readNode(r: Reader): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attrs: {} };
  for (const [field, wire] of r.fields()) {
    if (field === 1 && wire === 2) push(n.inputs, r.string());
    else if (field === 2 && wire === 2) push(n.outputs, r.string());
    else if (field === 3 && wire === 2) n.name = r.string();
    else if (field === 4 && wire === 2) n.opType = r.string();
    else if (field === 5 && wire === 2) {
      const [name, a] = readAttr(r.sub());
      n.attrs[name] = a;
    } else if (field === 7 && wire === 2) n.domain = r.string();
    else r.skip(wire);
  }
  if (n.opType === '') throw bad(`node '${n.name}' has no op_type`);
  return n;
}

function readTensor(r: Reader): OnnxTensorInfo {
  const t: OnnxTensorInfo = { name: '', elemType: 0, dims: [] };
  const dims: number[] = [];
  const int64s: number[] = [];
  let raw: Uint8Array | undefined;
  for (const [field, wire] of r.fields()) {
    if (field === 1) r.ints(wire, dims);
    else if (field === 2 && wire === 0) t.elemType = r.varint();
    else if ((field === 7 || field === 5) && dims.reduce((a, b) => a * b, 1) <= ONNX_READ_LIMITS.maxSmallInts) r.ints(wire, int64s);
    else if (field === 8 && wire === 2) t.name = r.string();
    else if (field === 9 && wire === 2) {
      const s = r.sub();
      raw = r.buf.subarray(s.pos, s.end);
    } else r.skip(wire);
  }
  if (dims.length > ONNX_READ_LIMITS.maxDims) throw bad(`tensor '${t.name}' has ${dims.length} dims`);
  t.dims = dims;
  const count = dims.reduce((a, b) => a * b, 1);
  if (count <= ONNX_READ_LIMITS.maxSmallInts && (t.elemType === 7 || t.elemType === 6)) {
    if (raw !== undefined) {
      const size = t.elemType === 7 ? 8 : 4;
      if (raw.length === count * size) {
        const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
        t.ints = Array.from({ length: count }, (_, i) => (size === 8 ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true)));
      }
    } else if (int64s.length === count) t.ints = int64s;
  }
  return t;
}

function readValueInfo(r: Reader): OnnxTensorInfo {
  const v: OnnxTensorInfo = { name: '', elemType: 0, dims: [] };
  for (const [field, wire] of r.fields()) {
    if (field === 1 && wire === 2) v.name = r.string();
    else if (field === 2 && wire === 2) readType(r.sub(), v);
    else r.skip(wire);
  }
  return v;
}

/** readType reads TypeProto.tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_value (1) | dim_param (2). */
function readType(type: Reader, v: OnnxTensorInfo): void {
  for (const [field, wire] of type.fields()) {
    if (field !== 1 || wire !== 2) {
      type.skip(wire);
      continue;
    }
    const tensor = type.sub();
    for (const [tf, tw] of tensor.fields()) {
      if (tf === 1 && tw === 0) v.elemType = tensor.varint();
      else if (tf === 2 && tw === 2) {
        const shape = tensor.sub();
        for (const [sf, sw] of shape.fields()) {
          if (sf !== 1 || sw !== 2) {
            shape.skip(sw);
            continue;
          }
          const dim = shape.sub();
          let d: number | string = '?';
          for (const [df, dw] of dim.fields()) {
            if (df === 1 && dw === 0) d = dim.varint();
            else if (df === 2 && dw === 2) d = dim.string();
            else dim.skip(dw);
          }
          if (v.dims.length >= ONNX_READ_LIMITS.maxDims) throw bad(`value '${v.name}' has more than ${ONNX_READ_LIMITS.maxDims} dims`);
          v.dims.push(d);
        }
      } else tensor.skip(tw);
    }
  }
}

function readGraph(r: Reader): OnnxGraph {
  const g: OnnxGraph = { nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  for (const [field, wire] of r.fields()) {
    if (field === 1 && wire === 2) {
      if (g.nodes.length >= ONNX_READ_LIMITS.maxNodes) throw bad(`more than ${ONNX_READ_LIMITS.maxNodes} nodes`);
      g.nodes.push(readNode(r.sub()));
    } else if (field === 5 && wire === 2) {
      const t = readTensor(r.sub());
      g.initializers.set(t.name, t);
    } else if (field === 11 && wire === 2) push(g.inputs, readValueInfo(r.sub()));
    else if (field === 12 && wire === 2) push(g.outputs, readValueInfo(r.sub()));
    else r.skip(wire);
  }
  return g;
}

/**
 * readOnnxGraph decodes the main graph of ModelProto bytes (graph = field 7); it throws a GauntletError
 * (GAUNTLET_ERR_INVALID_ARGUMENT) for bytes that are not a well-formed model with a graph and nodes.
 */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  const r = new Reader(bytes, 0, bytes.length);
  let graph: OnnxGraph | undefined;
  let irVersion: number | undefined;
  for (const [field, wire] of r.fields()) {
    if (field === 1 && wire === 0) irVersion = r.varint();
    else if (field === 7 && wire === 2) graph = readGraph(r.sub());
    else r.skip(wire);
  }
  if (irVersion === undefined || graph === undefined) throw bad('no ir_version or no graph (is it an ONNX file?)');
  if (graph.nodes.length === 0) throw bad('the graph has no nodes');
  // Graph inputs that are also initializers (older exporters) are weights, not inputs.
  graph.inputs = graph.inputs.filter((i) => !graph.initializers.has(i.name));
  return graph;
}
