/**
 * KvCache: one sequence's keys and values for every layer, kept as [heads, capacity, headDim] FP32 arrays that
 * double when full, so appending a token is amortised O(1) and a batch can copy each head's rows in one block.
 */

/** KvShape is what every cache of one model shares. */
export interface KvShape {
  layers: number;
  heads: number;
  headDim: number;
}

const INITIAL_CAPACITY = 32;

/** KvCache holds one sequence's cached keys and values. */
export class KvCache {
  length = 0;
  private capacity: number;
  private keys: Float32Array[];
  private values: Float32Array[];

  constructor(
    private readonly shape: KvShape,
    capacity = INITIAL_CAPACITY,
  ) {
    this.capacity = capacity;
    const size = shape.heads * capacity * shape.headDim;
    this.keys = Array.from({ length: shape.layers }, () => new Float32Array(size));
    this.values = Array.from({ length: shape.layers }, () => new Float32Array(size));
  }

  /**
   * copyInto writes this cache into `dest` ([batch, heads, past, headDim]) at batch row `row`, right-aligned:
   * its tokens fill the last `length` of the `past` slots; the slots before them (left-padding) are zeroed.
   */
  copyInto(layer: number, which: 'key' | 'value', dest: Float32Array, row: number, past: number): void {
    this.copyRow(layer, which, dest, row, past, past - this.length);
  }

  /** copyRow writes this cache into `dest` ([rows, heads, slots, headDim]) at row `row`, from slot `first` on; slots before `first` are zeroed. */
  copyRow(layer: number, which: 'key' | 'value', dest: Float32Array, row: number, slots: number, first: number): void {
    const { heads, headDim } = this.shape;
    const src = (which === 'key' ? this.keys : this.values)[layer];
    if (src === undefined) throw new RangeError(`layer ${layer}`);
    for (let h = 0; h < heads; h++) {
      const from = h * this.capacity * headDim;
      const pad = (row * heads + h) * slots * headDim;
      const to = pad + first * headDim;
      dest.fill(0, pad, to);
      dest.set(src.subarray(from, from + this.length * headDim), to);
    }
  }

  /**
   * append adds `count` tokens taken from `present` ([batch, heads, total, headDim]) at batch row `row`, slots
   * `start` .. `start + count - 1`, for one layer's keys and values; `commit` then advances the length.
   */
  append(layer: number, presentKey: Float32Array, presentValue: Float32Array, row: number, total: number, start: number, count: number): void {
    this.reserve(this.length + count);
    const { heads, headDim } = this.shape;
    for (const [src, dest] of [[presentKey, this.keys[layer]], [presentValue, this.values[layer]]] as const) {
      if (dest === undefined) throw new RangeError(`layer ${layer}`);
      for (let h = 0; h < heads; h++) {
        const from = ((row * heads + h) * total + start) * headDim;
        dest.set(src.subarray(from, from + count * headDim), (h * this.capacity + this.length) * headDim);
      }
    }
  }

  /** commit advances the length by `count` once every layer has been appended. */
  commit(count: number): void {
    this.length += count;
  }

  private reserve(needed: number): void {
    if (needed <= this.capacity) return;
    let capacity = this.capacity;
    while (capacity < needed) capacity *= 2;
    const { heads, headDim } = this.shape;
    const grow = (old: Float32Array): Float32Array => {
      const next = new Float32Array(heads * capacity * headDim);
      for (let h = 0; h < heads; h++) {
        const from = h * this.capacity * headDim;
        next.set(old.subarray(from, from + this.length * headDim), h * capacity * headDim);
      }
      return next;
    };
    this.keys = this.keys.map(grow);
    this.values = this.values.map(grow);
    this.capacity = capacity;
  }
}
