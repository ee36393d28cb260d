/**
 * Tensor data for KServe requests, built once before a run: for each payload and input, the values (for JSON
 * bodies) and the same tensor as raw little-endian bytes (for the binary extension and gRPC raw_input_contents;
 * BYTES elements as 4-byte little-endian length + bytes). Random data comes from the seeded generator of src/scenario/random.ts (stream 'payloads'), so the payloads
 * are the same for the same seed: floats uniform in [-1, 1) with four decimals (short JSON, and the same tensor
 * in JSON and binary form), integers in a small range, FP16/BF16 as their bit patterns, short ASCII strings.
 */
import { GauntletError } from '../errors.js';
import { TOTAL_LIMITS } from '../scenario/limits.js';
import { createRandom, type Random } from '../scenario/random.js';
import type { InputSpec, RequestSpec } from './target-spec.js';

/** Value is one tensor element as JSON carries it. */
export type Value = number | boolean | string;

/** TensorData is one input's data in both forms. */
export interface TensorData {
  values: Value[];
  raw: Buffer;
}

/** ELEMENT_BYTES is the size of one element of each fixed-size datatype (BYTES is variable: absent). */
export const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8, FP16: 2, BF16: 2, FP32: 4, FP64: 8,
};

/** elementCount is the number of elements of a shape (1 for a scalar's empty shape). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** MAX_PAYLOAD_BYTES bounds what a client builds before a run: every payload's tensors together (TOTAL_LIMITS.payloadBytes). */
export const MAX_PAYLOAD_BYTES = TOTAL_LIMITS.payloadBytes;

/** payloadBytes is what one payload of these inputs takes to build, about: their raw bytes (a BYTES element counts 16), and at least 64. */
export function payloadBytes(inputs: readonly InputSpec[]): number {
  let each = 64;
  for (const input of inputs) each += Math.max(1, elementCount(input.shape)) * (ELEMENT_BYTES[input.datatype] ?? 16);
  return each;
}

/** payloadCount is how many distinct payloads a request builds: `request.payloads` if any input is random, else one. */
export function payloadCount(request: RequestSpec): number {
  return request.inputs.some((i) => i.data.kind === 'random') ? Math.max(1, request.payloads) : 1;
}

/**
 * checkPayloadBudget throws GAUNTLET_ERR_INVALID_CONFIG when building the request's payloads would take more than
 * MAX_PAYLOAD_BYTES (payloadBytes each), before any is built. The scenario validator applies the same budget
 * (src/scenario/parse-request.ts); this is the second line, for plans made in code.
 */
export function checkPayloadBudget(request: RequestSpec): void {
  const count = payloadCount(request);
  const each = payloadBytes(request.inputs);
  if (!(count * each <= MAX_PAYLOAD_BYTES)) {
    throw config(
      `request.payloads: ${count} payload(s) of about ${each} bytes would take ${(count * each / 2 ** 20).toPrecision(3)} MiB to build, more than ${MAX_PAYLOAD_BYTES / 2 ** 20} MiB: use fewer payloads or smaller inputs`,
    );
  }
}

/** buildPayloads builds the distinct payloads a client cycles through (payloadCount), within MAX_PAYLOAD_BYTES. */
export function buildPayloads(request: RequestSpec, seed: number): TensorData[][] {
  checkPayloadBudget(request);
  const count = payloadCount(request);
  const prng = createRandom(seed, 'payloads');
  const payloads: TensorData[][] = [];
  for (let p = 0; p < count; p++) payloads.push(request.inputs.map((input, i) => makeTensorData(input, prng, `request.inputs[${i}]`)));
  return payloads;
}

/** makeTensorData builds one input's data; configuration mistakes throw GAUNTLET_ERR_INVALID_CONFIG naming `where`. */
export function makeTensorData(input: InputSpec, prng: Random, where = 'input'): TensorData {
  const dt = input.datatype;
  if (ELEMENT_BYTES[dt] === undefined && dt !== 'BYTES') throw config(`${where}.datatype: unknown datatype ${JSON.stringify(dt)}`);
  if (!input.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw config(`${where}.shape: must be integers >= 0, got [${input.shape.join(', ')}]`);
  const n = elementCount(input.shape);
  // The scenario validator refuses larger shapes; this guards specs made in code from an allocation they cannot survive.
  if (n > TOTAL_LIMITS.requestElements) throw config(`${where}.shape: [${input.shape.join(', ')}] has ${n} elements; at most ${TOTAL_LIMITS.requestElements}`);
  const data = input.data;
  let values: Value[];
  if (data.kind === 'random') values = Array.from({ length: n }, () => randomValue(dt, prng));
  else if (data.kind === 'zeros' || data.kind === 'ones') {
    const one = data.kind === 'ones';
    const v: Value = dt === 'BOOL' ? one : dt === 'BYTES' ? (one ? '1' : '') : one ? 1 : 0;
    values = new Array<Value>(n).fill(v);
  } else {
    if (data.values.length !== n) throw config(`${where}.data: has ${data.values.length} elements, but shape [${input.shape.join(', ')}] needs ${n}`);
    values = data.values.map((v) => coerce(v, dt));
  }
  return { values, raw: encodeRaw(dt, values) };
}

function randomValue(dt: string, prng: Random): Value {
  switch (dt) {
    case 'FP16':
    case 'BF16':
    case 'FP32':
    case 'FP64':
      return Math.floor((prng.next() * 2 - 1) * 10_000) / 10_000;
    case 'BOOL':
      return (prng.uint32() & 1) === 1;
    case 'BYTES': {
      const len = randomInt(prng, 1, 17);
      let s = '';
      for (let i = 0; i < len; i++) s += ALPHABET[randomInt(prng, 0, ALPHABET.length)];
      return s;
    }
    default:
      return dt.startsWith('U') ? randomInt(prng, 0, 100) : randomInt(prng, -50, 50);
  }
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function coerce(v: Value, dt: string): Value {
  if (dt === 'BYTES') return String(v);
  if (dt === 'BOOL') return typeof v === 'string' ? v === 'true' : Boolean(v);
  const x = typeof v === 'boolean' ? Number(v) : Number(v);
  if (!Number.isFinite(x)) throw config(`data: ${JSON.stringify(v)} is not a number for ${dt}`);
  return x;
}

/** encodeRaw lays values out as little-endian bytes of the datatype. */
export function encodeRaw(dt: string, values: readonly Value[]): Buffer {
  if (dt === 'BYTES') {
    const parts = values.map((v) => Buffer.from(String(v), 'utf8'));
    const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 0));
    let off = 0;
    for (const p of parts) {
      off = out.writeUInt32LE(p.length, off);
      off += p.copy(out, off);
    }
    return out;
  }
  const size = ELEMENT_BYTES[dt]!;
  const out = Buffer.alloc(values.length * size);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const x = typeof v === 'number' ? v : Number(v);
    const off = i * size;
    switch (dt) {
      case 'BOOL': out[off] = v === true || x !== 0 ? 1 : 0; break;
      case 'UINT8': out.writeUInt8(x, off); break;
      case 'UINT16': out.writeUInt16LE(x, off); break;
      case 'UINT32': out.writeUInt32LE(x, off); break;
      case 'UINT64': out.writeBigUInt64LE(BigInt(x), off); break;
      case 'INT8': out.writeInt8(x, off); break;
      case 'INT16': out.writeInt16LE(x, off); break;
      case 'INT32': out.writeInt32LE(x, off); break;
      case 'INT64': out.writeBigInt64LE(BigInt(x), off); break;
      case 'FP16': out.writeUInt16LE(float16Bits(x), off); break;
      case 'BF16': out.writeUInt16LE(bfloat16Bits(x), off); break;
      case 'FP32': out.writeFloatLE(x, off); break;
      default: out.writeDoubleLE(x, off);
    }
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float16Bits is the IEEE 754 half-precision bit pattern nearest to x (round to nearest, ties to even). */
export function float16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // Inf, NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large: Inf
  if (e <= 0) {
    if (e < -10) return sign; // too small: ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++; // a carry into the exponent is still right
  return half;
}

/** bfloat16Bits is the bfloat16 bit pattern nearest to x (the top half of its float32, rounded to nearest even). */
export function bfloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return 0x7fc0 | ((bits >>> 16) & 0x8000); // NaN
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

function config(message: string): GauntletError {
  return new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', message);
}

/** randomInt returns an integer uniform in [lo, hi). */
function randomInt(r: Random, lo: number, hi: number): number {
  return lo + Math.floor(r.next() * (hi - lo));
}
