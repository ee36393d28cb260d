/**
 * Conversions between protocol values (JSON numbers/booleans/strings, gRPC typed contents) and the raw
 * little-endian bytes the server works with. Every failure is an INVALID_ARGUMENT naming the tensor and element.
 */
import { invalid } from './errors.js';
import { type Datatype, DATATYPE_SIZES, type Tensor } from './tensor.js';

export { flattenJson } from './flatten-json.js';

const INT_RANGES: Partial<Record<Datatype, [number, number]>> = {
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
  UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  INT32: [-0x80000000, 0x7fffffff],
};

/** encodeValues turns a flat list of protocol values into the tensor's byte form, checking each element's type and range. */
export function encodeValues(name: string, datatype: Datatype, values: ArrayLike<unknown>): Uint8Array | Uint8Array[] {
  const n = values.length;
  if (datatype === 'BYTES') {
    const out: Uint8Array[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v === 'string') out[i] = Buffer.from(v, 'utf8');
      else if (v instanceof Uint8Array) out[i] = v;
      else throw invalid(`input '${name}': element ${i} of a BYTES tensor must be a string, got ${describe(v)}`);
    }
    return out;
  }
  const size = DATATYPE_SIZES[datatype];
  const buf = Buffer.alloc(n * size);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (datatype === 'BOOL') {
      if (typeof v !== 'boolean') throw invalid(`input '${name}': element ${i} of a BOOL tensor must be true or false, got ${describe(v)}`);
      buf[i] = v ? 1 : 0;
      continue;
    }
    if (datatype === 'INT64' || datatype === 'UINT64') {
      const b = toBigInt(v);
      if (b === undefined) throw invalid(`input '${name}': element ${i} of a ${datatype} tensor must be an integer, got ${describe(v)}`);
      if (datatype === 'UINT64') {
        if (b < 0n || b > 0xffffffffffffffffn) throw invalid(`input '${name}': element ${i} (${b}) is out of range for UINT64`);
        buf.writeBigUInt64LE(b, i * 8);
      } else {
        if (b < -(1n << 63n) || b >= 1n << 63n) throw invalid(`input '${name}': element ${i} (${b}) is out of range for INT64`);
        buf.writeBigInt64LE(b, i * 8);
      }
      continue;
    }
    if (typeof v !== 'number') throw invalid(`input '${name}': element ${i} of a ${datatype} tensor must be a number, got ${describe(v)}`);
    const range = INT_RANGES[datatype];
    if (range) {
      if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
        throw invalid(`input '${name}': element ${i} (${v}) is not an integer in range for ${datatype}`);
      }
    }
    switch (datatype) {
      case 'UINT8': buf.writeUInt8(v, i); break;
      case 'INT8': buf.writeInt8(v, i); break;
      case 'UINT16': buf.writeUInt16LE(v, i * 2); break;
      case 'INT16': buf.writeInt16LE(v, i * 2); break;
      case 'UINT32': buf.writeUInt32LE(v, i * 4); break;
      case 'INT32': buf.writeInt32LE(v, i * 4); break;
      case 'FP32': buf.writeFloatLE(v, i * 4); break;
      case 'FP64': buf.writeDoubleLE(v, i * 8); break;
      case 'FP16': buf.writeUInt16LE(float32ToFloat16Bits(v), i * 2); break;
      case 'BF16': buf.writeUInt16LE(float32ToBfloat16Bits(v), i * 2); break;
    }
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** decodeValues turns a tensor's bytes back into a flat list of JSON values (INT64/UINT64 as numbers). */
export function decodeValues(tensor: Tensor): (number | boolean | string)[] {
  if (Array.isArray(tensor.data)) return tensor.data.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
  const bytes = tensor.data;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = DATATYPE_SIZES[tensor.datatype];
  const n = Math.floor(b.byteLength / size);
  const out: (number | boolean)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    switch (tensor.datatype) {
      case 'BOOL': out[i] = b[i] !== 0; break;
      case 'UINT8': out[i] = b.readUInt8(i); break;
      case 'INT8': out[i] = b.readInt8(i); break;
      case 'UINT16': out[i] = b.readUInt16LE(i * 2); break;
      case 'INT16': out[i] = b.readInt16LE(i * 2); break;
      case 'UINT32': out[i] = b.readUInt32LE(i * 4); break;
      case 'INT32': out[i] = b.readInt32LE(i * 4); break;
      case 'UINT64': out[i] = Number(b.readBigUInt64LE(i * 8)); break;
      case 'INT64': out[i] = Number(b.readBigInt64LE(i * 8)); break;
      case 'FP32': out[i] = b.readFloatLE(i * 4); break;
      case 'FP64': out[i] = b.readDoubleLE(i * 8); break;
      case 'FP16': out[i] = float16BitsToFloat32(b.readUInt16LE(i * 2)); break;
      case 'BF16': out[i] = bfloat16BitsToFloat32(b.readUInt16LE(i * 2)); break;
    }
  }
  return out;
}

/** serializeBytesTensor encodes BYTES elements as the binary extension does: each a 4-byte little-endian length, then the bytes. */
export function serializeBytesTensor(elements: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const e of elements) total += 4 + e.byteLength;
  const out = Buffer.alloc(total);
  let off = 0;
  for (const e of elements) {
    out.writeUInt32LE(e.byteLength, off);
    out.set(e, off + 4);
    off += 4 + e.byteLength;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** parseBytesTensor splits a length-prefixed BYTES buffer into its elements; throws INVALID_ARGUMENT when malformed. */
export function parseBytesTensor(name: string, raw: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let off = 0;
  while (off < raw.byteLength) {
    if (off + 4 > raw.byteLength) throw invalid(`input '${name}': truncated BYTES element length at byte ${off}`);
    const len = view.getUint32(off, true);
    if (off + 4 + len > raw.byteLength) throw invalid(`input '${name}': BYTES element at byte ${off} claims ${len} bytes, past the end of the data`);
    out.push(raw.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d{1,40}$/.test(v)) return BigInt(v); // longer strings are out of range, and BigInt of megabytes of digits blocks for seconds
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  return typeof v;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32ToFloat16Bits rounds a number to IEEE half precision (round to nearest even) and returns its bits. */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** float16BitsToFloat32 expands IEEE half-precision bits to a number. */
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** float32ToBfloat16Bits rounds a number to bfloat16 (round to nearest even) and returns its bits. */
export function float32ToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bfloat16BitsToFloat32 expands bfloat16 bits to a number. */
export function bfloat16BitsToFloat32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}
