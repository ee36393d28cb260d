/**
 * ONNX ModelProto encoding from plain data. Field numbers are those of `onnx/onnx.proto` (checked against the
 * spec); only the fields a weights-inline inference model needs are written.
 */
import { ProtoWriter } from './protobuf.js';

/** DataType holds the `TensorProto.DataType` enum values used by the model zoo. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  FLOAT16: 10,
} as const;

/** DataTypeCode is one of the `DataType` values. */
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** Dim is one tensor dimension: a fixed size or a symbolic name such as `batch`. */
export type Dim = number | string;

/** TensorData is an initializer: its raw bytes are little-endian elements in row-major order. */
export interface TensorData {
  name: string;
  dataType: DataTypeCode;
  dims: readonly number[];
  raw: Uint8Array;
}

/** Attribute is one node attribute; the key names the `AttributeProto` value field it is written to. */
export type Attribute =
  | { f: number }
  | { i: number }
  | { s: string }
  | { t: TensorData }
  | { floats: readonly number[] }
  | { ints: readonly number[] };

/** NodeData is one graph node (`NodeProto`). */
export interface NodeData {
  name: string;
  opType: string;
  /** Empty string = the default ONNX domain. */
  domain: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: Readonly<Record<string, Attribute>>;
}

/** ValueInfo declares a graph input or output (`ValueInfoProto` with a tensor type). */
export interface ValueInfo {
  name: string;
  elemType: DataTypeCode;
  dims: readonly Dim[];
}

/** GraphData is a whole graph (`GraphProto`), nodes in topological order. */
export interface GraphData {
  name: string;
  nodes: readonly NodeData[];
  initializers: readonly TensorData[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

/** OpsetImport names an operator set the model uses (`OperatorSetIdProto`). */
export interface OpsetImport {
  domain: string;
  version: number;
}

/** ModelData is a whole model (`ModelProto`). */
export interface ModelData {
  irVersion: number;
  opsets: readonly OpsetImport[];
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: GraphData;
}

// AttributeProto.AttributeType values.
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_TENSOR = 4;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

/** encodeTensor writes a `TensorProto`: dims=1, data_type=2, name=8, raw_data=9. */
export function encodeTensor(t: TensorData): ProtoWriter {
  return new ProtoWriter().packedVarints(1, t.dims).varint(2, t.dataType).string(8, t.name).bytes(9, t.raw);
}

/** encodeAttribute writes an `AttributeProto`: name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, type=20. */
export function encodeAttribute(name: string, a: Attribute): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ('f' in a) return w.float(2, a.f).varint(20, ATTR_FLOAT);
  if ('i' in a) return w.varint(3, a.i).varint(20, ATTR_INT);
  if ('s' in a) return w.string(4, a.s).varint(20, ATTR_STRING);
  if ('t' in a) return w.message(5, encodeTensor(a.t)).varint(20, ATTR_TENSOR);
  if ('floats' in a) return w.packedFloats(7, a.floats).varint(20, ATTR_FLOATS);
  return w.packedVarints(8, a.ints).varint(20, ATTR_INTS);
}

/** encodeNode writes a `NodeProto`: input=1, output=2, name=3, op_type=4, attribute=5, domain=7. */
export function encodeNode(n: NodeData): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of n.inputs) w.string(1, input);
  for (const output of n.outputs) w.string(2, output);
  w.string(3, n.name).string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes)) w.message(5, encodeAttribute(name, a));
  if (n.domain !== '') w.string(7, n.domain);
  return w;
}

/**
 * encodeValueInfo writes a `ValueInfoProto` (name=1, type=2) whose `TypeProto` (tensor_type=1) holds
 * `TypeProto.Tensor` (elem_type=1, shape=2) with `TensorShapeProto.dim`=1 entries (dim_value=1 or dim_param=2).
 */
export function encodeValueInfo(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().varint(1, v.elemType).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

/** encodeGraph writes a `GraphProto`: node=1, name=2, initializer=5, input=11, output=12. */
export function encodeGraph(g: GraphData): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const v of g.inputs) w.message(11, encodeValueInfo(v));
  for (const v of g.outputs) w.message(12, encodeValueInfo(v));
  return w;
}

/**
 * encodeModel serialises a `ModelProto`: ir_version=1, producer_name=2, producer_version=3, doc_string=6,
 * graph=7, opset_import=8 (each an `OperatorSetIdProto` with domain=1, version=2).
 */
export function encodeModel(m: ModelData): Uint8Array {
  const w = new ProtoWriter().varint(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion);
  if (m.docString !== undefined) w.string(6, m.docString);
  w.message(7, encodeGraph(m.graph));
  for (const o of m.opsets) w.message(8, new ProtoWriter().string(1, o.domain).varint(2, o.version));
  return w.finish();
}
