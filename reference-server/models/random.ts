/**
 * Deterministic pseudo-random weights: a mulberry32 generator per tensor, seeded from the build seed and the
 * tensor's name, so changing one layer's size leaves every other tensor's values unchanged.
 */

/** Rng is a mulberry32 generator: 32-bit state, uniform doubles in [0, 1), standard normals by Box–Muller. */
export class Rng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** next returns a uniform double in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** normal returns a standard normal sample. */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = 1 - this.next(); // (0, 1]: keeps log finite
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/** seedFor derives a 32-bit stream seed from a build seed and a label (FNV-1a over the label, mixed with the seed). */
export function seedFor(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** normalArray returns `count` normal samples with mean `mean` and standard deviation `std`. */
export function normalArray(rng: Rng, count: number, std: number, mean = 0): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = mean + std * rng.normal();
  return out;
}

/** WeightInit is how a tensor's values are drawn: He (ReLU/GELU layers), Xavier (linear outputs) or a fixed std. */
export type WeightInit =
  | { kind: 'he'; fanIn: number }
  | { kind: 'xavier'; fanIn: number; fanOut: number }
  | { kind: 'normal'; std: number; mean?: number };

/** Weights draws every tensor of one model from its own stream: `seedFor(seed, family + '/' + name)`. */
export class Weights {
  constructor(
    private readonly seed: number,
    private readonly family: string,
  ) {}

  /** tensor returns `count` values for the tensor `name`, drawn as `init` says. */
  tensor(name: string, count: number, init: WeightInit): Float32Array {
    const rng = new Rng(seedFor(this.seed, `${this.family}/${name}`));
    switch (init.kind) {
      case 'he':
        return normalArray(rng, count, Math.sqrt(2 / init.fanIn));
      case 'xavier':
        return normalArray(rng, count, Math.sqrt(2 / (init.fanIn + init.fanOut)));
      case 'normal':
        return normalArray(rng, count, init.std, init.mean ?? 0);
    }
  }
}
