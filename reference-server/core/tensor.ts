/**
 * Tensor data types and byte layout shared by the protocol front ends, the scheduler and the instances.
 *
 * Inside the server a tensor's contents are always raw little-endian bytes (`Uint8Array`), the layout of the
 * KServe binary extension and of gRPC `raw_input_contents`; BYTES tensors hold one `Uint8Array` per element.
 * Front ends convert JSON / typed contents to this form once, on the way in and on the way out.
 */

/** Datatype is a KServe v2 tensor datatype name. */
export type Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'BF16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/** DATATYPE_SIZES maps each fixed-size datatype to its element size in bytes; BYTES is variable (0). */
export const DATATYPE_SIZES: Readonly<Record<Datatype, number>> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  BF16: 2,
  FP32: 4,
  FP64: 8,
  BYTES: 0,
};

/** isDatatype tells whether a string names a KServe v2 datatype. */
export function isDatatype(s: unknown): s is Datatype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DATATYPE_SIZES, s);
}

/** Tensor is one named tensor with its contents as raw bytes (fixed-size types) or one buffer per element (BYTES). */
export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  /** Raw little-endian bytes for fixed-size datatypes; for BYTES, one buffer per element in row-major order. */
  data: Uint8Array | Uint8Array[];
  /** Request/response parameters carried through untouched (e.g. `binary_data`). */
  parameters?: Record<string, unknown>;
}

/** elementCount is the product of a shape's dimensions (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** byteSize is the number of bytes a fixed-size tensor of this datatype and shape occupies. */
export function byteSize(datatype: Datatype, shape: readonly number[]): number {
  return DATATYPE_SIZES[datatype] * elementCount(shape);
}
