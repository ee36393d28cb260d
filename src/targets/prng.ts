/**
 * Prng: a small, fast, seeded pseudo-random generator (xoshiro128**, seeded through splitmix32), so that the
 * payloads a client builds are the same for the same seed on every machine and every run.
 */

/** Prng yields a deterministic stream of numbers from a seed (any finite number; the integer part is used). */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const whole = Math.trunc(Number.isFinite(seed) ? seed : 0);
    let s = (whole >>> 0) ^ Math.imul(Math.floor(whole / 2 ** 32) >>> 0, 0x9e3779b1);
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the one state xoshiro cannot leave
  }

  /** nextU32 returns the next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** float returns a number uniform in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** int returns an integer uniform in [lo, hi) (hi - lo at most 2^32). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
