/**
 * IEEE 754 binary16 conversion, written out so the float16 model variants do not depend on
 * `Float16Array` (absent in Node 20).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** toFloat16Bits converts one number to binary16 bits, rounding to nearest, ties to even; overflow gives ±Inf. */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | (mantissa !== 0 ? 0x7e00 : 0x7c00);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): value = m * 2^-24 with m = full mantissa >> (14 - e).
    const shift = 14 - e;
    if (shift > 24) return sign;
    const full = mantissa | 0x800000;
    return sign | roundShift(full, shift);
  }
  // A carry out of the mantissa correctly bumps the exponent (and turns the largest finite into Inf).
  return sign | (((e << 10) | (mantissa >>> 13)) + roundBit(mantissa, 13, (mantissa >>> 13) & 1));
}

function roundShift(value: number, shift: number): number {
  const q = value >>> shift;
  return q + roundBit(value, shift, q & 1);
}

/** roundBit is 1 when the `shift` dropped low bits of `value` round the kept part up (ties to even). */
function roundBit(value: number, shift: number, keptLowBit: number): number {
  const rem = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rem > half || (rem === half && keptLowBit === 1) ? 1 : 0;
}

/** fromFloat16Bits converts binary16 bits to a number exactly. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** toFloat16Array converts a Float32Array to binary16 bits. */
export function toFloat16Array(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i] ?? 0);
  return out;
}
