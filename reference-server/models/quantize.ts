/**
 * Weight quantization for the int8 and int4 variants, in the layouts ONNX Runtime's `com.microsoft`
 * `DynamicQuantizeMatMul` and `MatMulNBits` expect. Weights come in as row-major `[K, N]` (MatMul's B).
 */

/**
 * INT8_WEIGHT_LEVEL is the largest int8 weight magnitude we emit (7 bits, not 127).
 *
 * Subtleness ahead: on x86 CPUs without VNNI, ORT's u8×s8 kernel adds pairs of products into int16 with
 * saturation (`vpmaddubsw`); with weights using the full ±127 range those sums saturate and outputs drift
 * (cosine ≈ 0.88 measured). ±63 keeps every pair sum in range (cosine ≈ 0.9997).
 */
export const INT8_WEIGHT_LEVEL = 63;

/** Int8Weights is a symmetric per-column (per output feature) int8 quantization: w ≈ q * scales[n]. */
export interface Int8Weights {
  /** Row-major [K, N]. */
  q: Int8Array;
  /** [N]. */
  scales: Float32Array;
}

/** quantizeInt8PerColumn quantizes `w` ([K, N]) symmetrically per column to ±`level`. */
export function quantizeInt8PerColumn(w: Float32Array, k: number, n: number, level = INT8_WEIGHT_LEVEL): Int8Weights {
  const scales = new Float32Array(n);
  for (let col = 0; col < n; col++) {
    let max = 0;
    for (let row = 0; row < k; row++) max = Math.max(max, Math.abs(w[row * n + col] ?? 0));
    scales[col] = max > 0 ? Math.fround(max / level) : 1;
  }
  const q = new Int8Array(k * n);
  for (let row = 0; row < k; row++) {
    for (let col = 0; col < n; col++) {
      const v = Math.round((w[row * n + col] ?? 0) / (scales[col] ?? 1));
      q[row * n + col] = Math.max(-level, Math.min(level, v));
    }
  }
  return { q, scales };
}

/**
 * Int4Weights is MatMulNBits' input set for bits=4: per output column n, K is cut into blocks of `blockSize`
 * (the last one zero-padded); each block has a float scale and a 4-bit zero point, w ≈ (q − zp) * scale.
 */
export interface Int4Weights {
  blockSize: number;
  /** ceil(K / blockSize). */
  kBlocks: number;
  /** `B`: [N, kBlocks, blockSize / 2]; element 2j of a block in the low nibble of byte j, 2j+1 in the high nibble. */
  packed: Uint8Array;
  /** `scales`: [N, kBlocks]. */
  scales: Float32Array;
  /** `zero_points`: [N, ceil(kBlocks / 2)], packed per row like `B` (block 2i low nibble, 2i+1 high nibble). */
  zeroPoints: Uint8Array;
}

/** quantizeInt4Blockwise quantizes `w` ([K, N]) asymmetrically to 4 bits in blocks along K. */
export function quantizeInt4Blockwise(w: Float32Array, k: number, n: number, blockSize = 32): Int4Weights {
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) throw new RangeError(`block size ${blockSize}`);
  const kBlocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const zpStride = Math.ceil(kBlocks / 2);
  const packed = new Uint8Array(n * kBlocks * blob);
  const scales = new Float32Array(n * kBlocks);
  const zeroPoints = new Uint8Array(n * zpStride);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < kBlocks; b++) {
      const start = b * blockSize;
      const end = Math.min(k, start + blockSize);
      // The range always holds 0 so that zero (and the zero padding) is exact.
      let lo = 0;
      let hi = 0;
      for (let row = start; row < end; row++) {
        const v = w[row * n + col] ?? 0;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const scale = hi > lo ? Math.fround((hi - lo) / 15) : 1;
      const zp = Math.max(0, Math.min(15, Math.round(-lo / scale)));
      scales[col * kBlocks + b] = scale;
      const zpByte = col * zpStride + (b >> 1);
      zeroPoints[zpByte] = (zeroPoints[zpByte] ?? 0) | (b & 1 ? zp << 4 : zp);
      for (let i = 0; i < blockSize; i++) {
        const row = start + i;
        const v = row < k ? (w[row * n + col] ?? 0) : 0;
        const q = Math.max(0, Math.min(15, Math.round(v / scale) + zp));
        const at = (col * kBlocks + b) * blob + (i >> 1);
        packed[at] = (packed[at] ?? 0) | (i & 1 ? q << 4 : q);
      }
    }
  }
  return { blockSize, kBlocks, packed, scales, zeroPoints };
}

/** dequantizeInt4 rebuilds the row-major [K, N] weights that `q` stands for (for checks against ORT). */
export function dequantizeInt4(q: Int4Weights, k: number, n: number): Float32Array {
  const out = new Float32Array(k * n);
  const blob = q.blockSize / 2;
  const zpStride = Math.ceil(q.kBlocks / 2);
  for (let col = 0; col < n; col++) {
    for (let row = 0; row < k; row++) {
      const b = Math.floor(row / q.blockSize);
      const i = row % q.blockSize;
      const byte = q.packed[(col * q.kBlocks + b) * blob + (i >> 1)] ?? 0;
      const nibble = i & 1 ? byte >> 4 : byte & 0x0f;
      const zpByte = q.zeroPoints[col * zpStride + (b >> 1)] ?? 0;
      const zp = b & 1 ? zpByte >> 4 : zpByte & 0x0f;
      out[row * n + col] = (nibble - zp) * (q.scales[col * q.kBlocks + b] ?? 0);
    }
  }
  return out;
}
