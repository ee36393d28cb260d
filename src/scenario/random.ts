/**
 * Seeded pseudo-random numbers of our own, so a scenario's send times are the same on every machine and Node
 * version. The generator is xoshiro128** (Blackman and Vigna): 128 bits of state, 32-bit outputs, fast with
 * Math.imul. Its state is filled from splitmix64 (computed with BigInt, once per stream), started at a value mixed
 * from the scenario seed and a stream key. Every phase uses the stream keyed by its index, so adding or editing
 * one phase never changes the send times of another; other users pick a string key (e.g. 'payloads').
 */

/** Random is a stream of uniform pseudo-random numbers. */
export interface Random {
  /** next returns a float in [0, 1) with 53 random bits. */
  next(): number;
  /** uint32 returns an integer in [0, 2^32). */
  uint32(): number;
}

const MASK64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;

/** mix64 is splitmix64's output function: a bijection on 64-bit integers that spreads every input bit. */
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** streamKey turns a stream name into 64 bits: indices as they are, strings hashed (FNV-1a) with the top bit set. */
function streamKey(stream: number | string): bigint {
  if (typeof stream === 'number') return BigInt.asUintN(64, BigInt(Math.trunc(stream)));
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(stream)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & MASK64;
  return h | (1n << 63n);
}

/** Xoshiro128 is the xoshiro128** generator. */
class Xoshiro128 implements Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(words: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = words;
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** xoshiro128FromState returns the bare generator started from four 32-bit words (not all zero); for tests and tools. */
export function xoshiro128FromState(words: readonly [number, number, number, number]): Random {
  return new Xoshiro128(words);
}

/** createRandom returns the stream `stream` (a phase index, or a name) of the scenario seed `seed`. */
export function createRandom(seed: number, stream: number | string = 0): Random {
  let state = mix64(mix64(BigInt.asUintN(64, BigInt(Math.trunc(seed)))) ^ streamKey(stream));
  const words: number[] = [];
  for (let i = 0; i < 2; i++) {
    state = (state + GOLDEN_GAMMA) & MASK64;
    const z = mix64(state);
    words.push(Number(z & 0xffffffffn), Number(z >> 32n));
  }
  // xoshiro must not start from all zeros; splitmix64 gives that for no practical input, but be sure.
  if (words.join() === '0,0,0,0') words[0] = 1;
  return new Xoshiro128(words as [number, number, number, number]);
}
