/**
 * NumPy `.npy` files as tensors: the header (magic, version, a Python dict literal with descr, fortran_order and
 * shape) is read and bounded here, without a library, and the data decoded into the values a request carries.
 * Only little-endian (or single-byte) plain dtypes in C order are taken: f8, f4, f2, i8, i4, i2, i1, u8, u4, u2, u1
 * and bool; anything else is a problem with the file's name, never a crash.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TOTAL_LIMITS } from './limits.js';
import type { Parsed } from './units.js';

/** NPY_HEADER_BYTES bounds an .npy header (numpy writes a few hundred bytes; version 1 allows at most 65535). */
export const NPY_HEADER_BYTES = 65_535;

/** NPY_DTYPES maps the .npy dtypes gauntlet reads to KServe datatypes and their element size. */
export const NPY_DTYPES: Readonly<Record<string, { datatype: string; bytes: number }>> = {
  f8: { datatype: 'FP64', bytes: 8 },
  f4: { datatype: 'FP32', bytes: 4 },
  f2: { datatype: 'FP16', bytes: 2 },
  i8: { datatype: 'INT64', bytes: 8 },
  i4: { datatype: 'INT32', bytes: 4 },
  i2: { datatype: 'INT16', bytes: 2 },
  i1: { datatype: 'INT8', bytes: 1 },
  u8: { datatype: 'UINT64', bytes: 8 },
  u4: { datatype: 'UINT32', bytes: 4 },
  u2: { datatype: 'UINT16', bytes: 2 },
  u1: { datatype: 'UINT8', bytes: 1 },
  b1: { datatype: 'BOOL', bytes: 1 },
};

/** NpyTensor is a decoded .npy array. */
export interface NpyTensor {
  datatype: string;
  shape: number[];
  values: (number | boolean)[];
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

/** parseNpy decodes the bytes of an .npy file, or says what is wrong with them. */
export function parseNpy(bytes: Buffer): Parsed<NpyTensor> {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) return bad('is not an .npy file (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  if (major < 1 || major > 3) return bad(`has .npy format version ${major}; versions 1 to 3 are read`);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.length >= 12 ? bytes.readUInt32LE(8) : Infinity;
  const start = 8 + lenBytes;
  if (headerLength > NPY_HEADER_BYTES) return bad(`has a ${headerLength}-byte header; at most ${NPY_HEADER_BYTES}`);
  if (start + headerLength > bytes.length) return bad('is truncated inside its header');
  const header = bytes.toString('latin1', start, start + headerLength);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return bad('has a header without descr, fortran_order and shape');
  if (fortran === 'True') return bad('is in Fortran order; save it in C order (numpy.ascontiguousarray)');
  const m = /^([<>|=])?([a-z]\d+)$/.exec(descr === '?' || descr === '|b1' ? '|b1' : descr);
  const dtype = m ? NPY_DTYPES[m[2]!] : undefined;
  if (!m || dtype === undefined) return bad(`has dtype ${JSON.stringify(descr)}; supported: ${Object.keys(NPY_DTYPES).join(', ')} (little-endian)`);
  if (m[1] === '>' && dtype.bytes > 1) return bad(`has big-endian dtype ${JSON.stringify(descr)}; save it little-endian (array.astype('<${m[2]}'))`);
  const shape: number[] = [];
  for (const part of shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (!/^\d{1,10}L?$/.test(part)) return bad(`has a shape with ${JSON.stringify(part)}, not a size`);
    shape.push(Number.parseInt(part, 10));
  }
  if (shape.length > 32) return bad(`has ${shape.length} dimensions; at most 32`);
  let count = 1;
  for (const d of shape) count *= d;
  if (count > TOTAL_LIMITS.requestElements) return bad(`has ${count} elements; at most ${TOTAL_LIMITS.requestElements} (see "Limits" in docs/scenarios.md)`);
  const dataStart = start + headerLength;
  const want = count * dtype.bytes;
  if (bytes.length - dataStart !== want) return bad(`has ${bytes.length - dataStart} data bytes, but shape (${shape.join(', ')}) of ${m[2]} needs ${want}`);
  const values = decodeLittleEndian(dtype.datatype, bytes.subarray(dataStart), count);
  if (typeof values === 'string') return bad(values);
  return { ok: true, value: { datatype: dtype.datatype, shape, values } };
}

/** decodeLittleEndian reads `count` little-endian elements of a datatype, or says why it cannot (a 64-bit integer beyond 2^53). */
export function decodeLittleEndian(datatype: string, buf: Buffer, count: number): (number | boolean)[] | string {
  const out = new Array<number | boolean>(count);
  for (let i = 0; i < count; i++) {
    switch (datatype) {
      case 'FP64': out[i] = buf.readDoubleLE(i * 8); break;
      case 'FP32': out[i] = buf.readFloatLE(i * 4); break;
      case 'FP16': out[i] = halfToNumber(buf.readUInt16LE(i * 2)); break;
      case 'BF16': out[i] = bf16ToNumber(buf.readUInt16LE(i * 2)); break;
      case 'INT32': out[i] = buf.readInt32LE(i * 4); break;
      case 'INT16': out[i] = buf.readInt16LE(i * 2); break;
      case 'INT8': out[i] = buf.readInt8(i); break;
      case 'UINT32': out[i] = buf.readUInt32LE(i * 4); break;
      case 'UINT16': out[i] = buf.readUInt16LE(i * 2); break;
      case 'UINT8': out[i] = buf[i]!; break;
      case 'BOOL': out[i] = buf[i] !== 0; break;
      case 'INT64':
      case 'UINT64': {
        const big = datatype === 'INT64' ? buf.readBigInt64LE(i * 8) : buf.readBigUInt64LE(i * 8);
        const n = Number(big);
        if (!Number.isSafeInteger(n)) return `element ${i} (${big}) is beyond ±2^53, which gauntlet cannot carry exactly`;
        out[i] = n;
        break;
      }
      default:
        return `cannot decode ${datatype}`;
    }
  }
  return out;
}

/** halfToNumber is the value of an IEEE 754 half-precision bit pattern. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const bf = new Float32Array(1);
const bfBits = new Uint32Array(bf.buffer);

/** bf16ToNumber is the value of a bfloat16 bit pattern. */
export function bf16ToNumber(h: number): number {
  bfBits[0] = h << 16;
  return bf[0]!;
}

/** readBinaryFile reads a whole file of at most maxBytes bytes, or says why it cannot. */
export function readBinaryFile(file: string, maxBytes: number): Parsed<Buffer> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return bad(`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return bad('is not a regular file');
    if (stat.size > maxBytes) return bad(`is ${stat.size} bytes; at most ${maxBytes} (see "Limits" in docs/scenarios.md)`);
    const buf = Buffer.alloc(stat.size);
    let length = 0;
    while (length < buf.length) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return { ok: true, value: buf.subarray(0, length) };
  } catch (err) {
    return bad(`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  } finally {
    closeSync(fd);
  }
}

function bad<T>(message: string): Parsed<T> {
  return { ok: false, message };
}
