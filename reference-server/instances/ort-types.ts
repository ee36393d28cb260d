/**
 * Mapping between KServe datatypes and ONNX Runtime tensor types, and typed-array views over raw bytes.
 */
import type { Datatype } from '../core/tensor.js';

const TO_ORT: Partial<Record<Datatype, string>> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

/** ortType maps a KServe datatype to ONNX Runtime's tensor type name (undefined when ORT has none, e.g. BF16). */
export function ortType(datatype: Datatype): string | undefined {
  return TO_ORT[datatype];
}

/** datatypeOfOrt maps an ONNX Runtime tensor type name back to the KServe datatype. */
export function datatypeOfOrt(type: string): Datatype | undefined {
  for (const [k, v] of Object.entries(TO_ORT)) if (v === type) return k as Datatype;
  return undefined;
}

type Ctor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): ArrayBufferView; BYTES_PER_ELEMENT: number };

const VIEWS: Record<string, Ctor> = {
  bool: Uint8Array,
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  float16: Uint16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  uint64: BigUint64Array,
  int64: BigInt64Array,
  float64: Float64Array,
};

/**
 * ownTypedArray returns a typed array of ORT type `type` holding the bytes in memory of its own: onnxruntime-node
 * rejects arrays over a SharedArrayBuffer, so shared bytes are copied once; unshared, aligned bytes are viewed.
 */
export function ownTypedArray(type: string, buffer: ArrayBufferLike, byteOffset: number, byteLength: number): ArrayBufferView {
  const C = VIEWS[type];
  if (!C) throw new Error(`no typed array for ONNX Runtime type '${type}'`);
  const n = byteLength / C.BYTES_PER_ELEMENT;
  if (!(buffer instanceof SharedArrayBuffer) && byteOffset % C.BYTES_PER_ELEMENT === 0) return new C(buffer as ArrayBuffer, byteOffset, n);
  const copy = new ArrayBuffer(byteLength);
  new Uint8Array(copy).set(new Uint8Array(buffer, byteOffset, byteLength));
  return new C(copy, 0, n);
}
