/**
 * ResidentBatch keeps the running sequences' pasts laid out as the graph's past inputs ([rows, heads, slots,
 * headDim] per layer, keys and values), from one decode call to the next, so a decode step writes only its new
 * keys and values instead of copying every sequence's whole past again (that copy cost more than the forward pass
 * at batch 16). Each row's past fills slots 0 .. length − 1; the slots after it are free (masked). The per-
 * sequence KvCaches stay the reference: a row is (re)filled from its cache when it joins, when the layout grows,
 * or when it is out of step with the cache.
 */
import type { KvCache, KvShape } from './kv-cache.js';

/** SLOT_STEP is the granularity the slot count grows by (masked slots cost a little attention, never a result). */
const SLOT_STEP = 64;

/** ResidentBatch is the decode group's past, in rows. */
export class ResidentBatch {
  private rows: number[] = [];
  private lengths: number[] = [];
  private caches: KvCache[] = [];
  private slotCount = 0;
  private rowCapacity = 0;
  private buffers: Float32Array[] = [];

  constructor(
    private readonly shape: KvShape,
    private readonly maxContext: number,
  ) {}

  /** slots is the past length of the graph's input (every row's, padding included). */
  get slots(): number {
    return this.slotCount;
  }

  /** rowCount is the number of resident rows. */
  get rowCount(): number {
    return this.rows.length;
  }

  /**
   * prepare makes the rows exactly the sequences of `group` (dropping the others), with room for `seq` new tokens
   * after each past, and returns each group member's row.
   */
  prepare(group: readonly { seqId: number; cache: KvCache }[], seq: number): number[] {
    const wanted = new Set(group.map((g) => g.seqId));
    for (let r = this.rows.length - 1; r >= 0; r--) if (!wanted.has(this.rows[r] ?? -1)) this.removeRow(r);
    const needed = Math.max(...group.map((g) => g.cache.length)) + seq;
    if (needed > this.slotCount || group.length > this.rowCapacity) {
      this.slotCount = Math.max(this.slotCount, Math.min(this.maxContext, Math.ceil(needed / SLOT_STEP) * SLOT_STEP), needed);
      this.rowCapacity = Math.max(group.length, 2 * this.rowCapacity);
      const size = this.rowCapacity * this.shape.heads * this.slotCount * this.shape.headDim;
      this.buffers = Array.from({ length: 2 * this.shape.layers }, () => new Float32Array(size));
      this.rows = [];
      this.lengths = [];
      this.caches = [];
    }
    return group.map((g) => {
      let row = this.rows.indexOf(g.seqId);
      if (row < 0) {
        row = this.rows.length;
        this.rows.push(g.seqId);
        this.lengths.push(-1);
        this.caches.push(g.cache);
      }
      if (this.lengths[row] !== g.cache.length || this.caches[row] !== g.cache) this.fill(row, g.cache);
      return row;
    });
  }

  /** view returns layer `layer`'s keys or values as the graph input's data ([rowCount, heads, slots, headDim]). */
  view(layer: number, which: 'key' | 'value'): Float32Array {
    const buffer = this.buffers[2 * layer + (which === 'key' ? 0 : 1)];
    if (buffer === undefined) throw new RangeError(`layer ${layer}`);
    return buffer.subarray(0, this.rows.length * this.shape.heads * this.slotCount * this.shape.headDim);
  }

  /** write stores row `row`'s `count` new keys and values (from the step's [rows, heads, seq, headDim] outputs) after its past. */
  write(layer: number, key: Float32Array, value: Float32Array, row: number, seq: number, count: number): void {
    const { heads, headDim } = this.shape;
    const at = this.lengths[row] ?? 0;
    for (const [src, which] of [[key, 0], [value, 1]] as const) {
      const dest = this.buffers[2 * layer + which];
      if (dest === undefined) throw new RangeError(`layer ${layer}`);
      for (let h = 0; h < heads; h++) {
        const from = (row * heads + h) * seq * headDim;
        dest.set(src.subarray(from, from + count * headDim), ((row * heads + h) * this.slotCount + at) * headDim);
      }
    }
  }

  /** commit advances row `row`'s length once every layer has been written. */
  commit(row: number, count: number): void {
    this.lengths[row] = (this.lengths[row] ?? 0) + count;
  }

  /** remove drops a sequence's row (released); the buffers go when the last row does. */
  remove(seqId: number): void {
    const row = this.rows.indexOf(seqId);
    if (row >= 0) this.removeRow(row);
    if (this.rows.length === 0) this.clear();
  }

  /** clear drops every row and the buffers. */
  clear(): void {
    this.rows = [];
    this.lengths = [];
    this.caches = [];
    this.buffers = [];
    this.slotCount = 0;
    this.rowCapacity = 0;
  }

  private fill(row: number, cache: KvCache): void {
    for (let l = 0; l < this.shape.layers; l++) {
      for (const [which, i] of [['key', 0], ['value', 1]] as const) {
        const dest = this.buffers[2 * l + i];
        if (dest !== undefined) cache.copyRow(l, which, dest, row, this.slotCount, 0);
      }
    }
    this.lengths[row] = cache.length;
    this.caches[row] = cache;
  }

  /** removeRow moves the last row into `row` (one row's copy, not a re-layout). */
  private removeRow(row: number): void {
    const last = this.rows.length - 1;
    if (row !== last) {
      const block = this.shape.heads * this.slotCount * this.shape.headDim;
      for (const b of this.buffers) b.copyWithin(row * block, last * block, (last + 1) * block);
      this.rows[row] = this.rows[last] ?? -1;
      this.lengths[row] = this.lengths[last] ?? 0;
      this.caches[row] = this.caches[last] as KvCache;
    }
    this.rows.pop();
    this.lengths.pop();
    this.caches.pop();
  }
}
