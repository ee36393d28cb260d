/**
 * A small graph-builder API over `onnx.ts`: declare inputs and outputs, add initializers and nodes with
 * generated unique names, then encode the model.
 */
import {
  DataType,
  encodeModel,
  type Attribute,
  type DataTypeCode,
  type Dim,
  type GraphData,
  type NodeData,
  type OpsetImport,
  type TensorData,
  type ValueInfo,
} from './onnx.js';

/** TypedElements are the element arrays an initializer can be made from. */
export type TypedElements = Float32Array | Uint16Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

/** NodeOptions are a node's optional parts: attributes, domain, explicit output names or output count. */
export interface NodeOptions {
  attrs?: Record<string, Attribute>;
  /** Empty (default) = the ONNX domain; e.g. `com.microsoft` for contrib ops. */
  domain?: string;
  /** Output names; default one generated name, or `outputCount` generated names. */
  outputs?: string[];
  outputCount?: number;
}

/** littleEndianBytes returns the bytes of `data` in little-endian order (a view when the platform is LE). */
export function littleEndianBytes(data: TypedElements): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j] ?? 0;
  }
  return out;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** GraphBuilder collects one graph; `toModel()` encodes it as ModelProto bytes. */
export class GraphBuilder {
  private readonly nodes: NodeData[] = [];
  private readonly initializers: TensorData[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();

  constructor(readonly name: string) {}

  /** input declares a graph input and returns its name. */
  input(name: string, elemType: DataTypeCode, dims: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push({ name, elemType, dims });
    return name;
  }

  /** output declares a graph output; some node must produce a value of that name (see `rename`). */
  output(name: string, elemType: DataTypeCode, dims: readonly Dim[]): void {
    this.outputs.push({ name, elemType, dims });
  }

  /** initializer adds a constant tensor and returns its (unique) name. */
  initializer(hint: string, dataType: DataTypeCode, dims: readonly number[], data: TypedElements): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new RangeError(`${hint}: ${data.length} elements for dims [${dims.join(', ')}]`);
    const name = this.unique(hint);
    this.initializers.push({ name, dataType, dims: [...dims], raw: littleEndianBytes(data) });
    return name;
  }

  /** int64s adds a 1-D INT64 initializer (shapes, axes) and returns its name. */
  int64s(hint: string, values: readonly number[]): string {
    return this.initializer(hint, DataType.INT64, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** node adds a node and returns its output names. */
  node(opType: string, inputs: readonly string[], opts: NodeOptions = {}): string[] {
    const name = this.unique(opType);
    const outputs = opts.outputs ?? Array.from({ length: opts.outputCount ?? 1 }, (_, i) => `${name}_out${i}`);
    for (const o of outputs) this.claim(o);
    this.nodes.push({
      name,
      opType,
      domain: opts.domain ?? '',
      inputs: [...inputs],
      outputs,
      attributes: opts.attrs ?? {},
    });
    return outputs;
  }

  /** op adds a single-output node and returns its output name. */
  op(opType: string, inputs: readonly string[], attrs?: Record<string, Attribute>, domain?: string): string {
    const [out] = this.node(opType, inputs, { attrs: attrs ?? {}, domain: domain ?? '' });
    if (out === undefined) throw new Error(`${opType}: no output`);
    return out;
  }

  /** rename renames the value `from` to `to` everywhere (to give the last node's output the graph output's name). */
  rename(from: string, to: string): void {
    this.claim(to);
    const swap = (names: readonly string[]): string[] => names.map((n) => (n === from ? to : n));
    for (let i = 0; i < this.nodes.length; i++) {
      const n = this.nodes[i];
      if (n !== undefined) this.nodes[i] = { ...n, inputs: swap(n.inputs), outputs: swap(n.outputs) };
    }
  }

  /** graph returns the collected graph as plain data. */
  graph(): GraphData {
    return {
      name: this.name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
    };
  }

  /** toModel encodes the graph as ModelProto bytes. */
  toModel(meta: { irVersion: number; opsets: readonly OpsetImport[]; docString?: string }): Uint8Array {
    return encodeModel({
      irVersion: meta.irVersion,
      opsets: meta.opsets,
      producerName: 'gauntlet',
      producerVersion: '1',
      ...(meta.docString === undefined ? {} : { docString: meta.docString }),
      graph: this.graph(),
    });
  }

  private claim(name: string): void {
    if (this.used.has(name)) throw new Error(`duplicate value name ${name}`);
    this.used.add(name);
  }

  private unique(hint: string): string {
    let n = this.counters.get(hint) ?? 0;
    let name = n === 0 ? hint : `${hint}_${n}`;
    while (this.used.has(name)) name = `${hint}_${++n}`;
    this.counters.set(hint, n + 1);
    this.used.add(name);
    return name;
  }
}
