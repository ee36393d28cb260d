/**
 * What a trace phase replays: the window of the trace (`from`/`to`, rebased so its first send is at the phase's
 * start), and per line which request variant to send (a model and a size class). Sizes are quantized per model to
 * at most SIZE_CLASSES classes, so the client pre-encodes a bounded set of requests before the run: the exact
 * sizes when a model has that few distinct ones, else log-spaced bins between its smallest and largest size, each
 * class sending the mean size of its lines. Lines with neither size nor model send the scenario's request
 * (NO_PICK). The per-line picks are a typed array, indexed by the line's place in the window, so every load worker
 * finds the variant of the arrivals it sends whichever share of them it has.
 */
import { NO_BYTES, NO_MODEL, type RawTrace, type TraceModel } from './parse-trace.js';

/** SIZE_CLASSES is the most request sizes one model of a trace is quantized to. */
export const SIZE_CLASSES = 32;
/** NO_PICK marks a line that sends the scenario's request as a phase without a trace would. */
export const NO_PICK = 0xffff;

/** TraceVariant is one request a trace sends: to a model (absent: the scenario's), of a size (absent: as declared). */
export interface TraceVariant {
  model?: string;
  modelVersion?: string;
  /** The request body's target size in bytes (the mean of the lines in its size class). */
  requestBytes?: number;
}

/**
 * PickArray is a Uint16Array of variant indices that is written to JSON as a list (results.json keeps the plan);
 * a worker receives it as a plain Uint16Array (structured clone).
 */
export class PickArray extends Uint16Array {
  toJSON(): number[] {
    return Array.from(this);
  }
}

/** TraceWindow is the part of the trace to replay, as offsets from its start (seconds; `toS` exclusive). */
export interface TraceWindow {
  fromS?: number;
  toS?: number;
}

/** ReplayLines is the windowed trace: offsets rebased to the window's first send, and the variant of each line. */
export interface ReplayLines {
  offsetsS: number[];
  variants?: TraceVariant[];
  picks?: PickArray;
}

/** windowOf is the window's lines [start, end) of an ascending offset list. */
export function windowOf(offsetsS: readonly number[], w: TraceWindow): { start: number; end: number } {
  const start = w.fromS === undefined ? 0 : firstIndex(offsetsS, (t) => t >= w.fromS!);
  const end = w.toS === undefined ? offsetsS.length : firstIndex(offsetsS, (t) => t >= w.toS!);
  return { start, end: Math.max(start, end) };
}

/** replayLines cuts the window out of a trace (rebased when a window is given) and quantizes its sizes per model. */
export function replayLines(trace: RawTrace, w: TraceWindow): ReplayLines {
  const { start, end } = windowOf(trace.offsetsS, w);
  const windowed = w.fromS !== undefined || w.toS !== undefined;
  const base = windowed && end > start ? trace.offsetsS[start]! : 0;
  const offsetsS = start === 0 && end === trace.offsetsS.length && base === 0 ? trace.offsetsS : trace.offsetsS.slice(start, end).map((t) => t - base);
  const bytes = trace.bytes?.subarray(start, end);
  const modelOf = trace.modelOf?.subarray(start, end);
  if (!bytes && !modelOf) return { offsetsS };
  const n = end - start;
  const groups = trace.models.length + 1; // one per model, and the last for lines without a model
  const groupOf = (i: number): number => (modelOf && modelOf[i] !== NO_MODEL ? modelOf[i]! : groups - 1);
  // Per group: its sizes' classes (value → class), found in a first pass, then the class of each line.
  const classes = Array.from({ length: groups }, () => new SizeClasses());
  for (let i = 0; i < n; i++) if (bytes && bytes[i] !== NO_BYTES) classes[groupOf(i)]!.see(bytes[i]!);
  for (const c of classes) c.fix();
  if (bytes) for (let i = 0; i < n; i++) if (bytes[i] !== NO_BYTES) classes[groupOf(i)]!.add(bytes[i]!);
  const variants: TraceVariant[] = [];
  const variantOf = new Map<string, number>();
  const picks = new PickArray(n);
  for (let i = 0; i < n; i++) {
    const g = groupOf(i);
    const model: TraceModel | undefined = g < groups - 1 ? trace.models[g] : undefined;
    const cls = bytes && bytes[i] !== NO_BYTES ? classes[g]!.classOf(bytes[i]!) : -1;
    if (model === undefined && cls < 0) {
      picks[i] = NO_PICK;
      continue;
    }
    const key = `${g}/${cls}`;
    let v = variantOf.get(key);
    if (v === undefined) {
      v = variants.length;
      variantOf.set(key, v);
      const requestBytes = cls >= 0 ? classes[g]!.meanOf(cls) : undefined;
      variants.push({ ...(model && { model: model.model }), ...(model?.version !== undefined && { modelVersion: model.version }), ...(requestBytes !== undefined && { requestBytes }) });
    }
    picks[i] = v;
  }
  return variants.length > 0 ? { offsetsS, variants, picks } : { offsetsS };
}

/** SizeClasses quantizes one model's sizes: exact when it has at most SIZE_CLASSES distinct ones, else log-spaced bins. */
class SizeClasses {
  private distinct: Map<number, number> | undefined = new Map();
  private min = Infinity;
  private max = -Infinity;
  private sums: number[] = [];
  private counts: number[] = [];

  see(b: number): void {
    if (b < this.min) this.min = b;
    if (b > this.max) this.max = b;
    if (this.distinct && !this.distinct.has(b)) {
      if (this.distinct.size >= SIZE_CLASSES) this.distinct = undefined;
      else this.distinct.set(b, this.distinct.size);
    }
  }

  fix(): void {
    if (this.distinct) {
      // Exact classes, numbered by size.
      const sizes = [...this.distinct.keys()].sort((a, b) => a - b);
      this.distinct = new Map(sizes.map((s, k) => [s, k]));
    }
    const k = this.distinct ? this.distinct.size : SIZE_CLASSES;
    this.sums = new Array<number>(k).fill(0);
    this.counts = new Array<number>(k).fill(0);
  }

  classOf(b: number): number {
    if (this.distinct) return this.distinct.get(b)!;
    // Log-spaced bins over [min + 1, max + 1] (the + 1 lets a size of 0 in).
    const lo = Math.log(this.min + 1);
    const span = Math.log(this.max + 1) - lo;
    return span > 0 ? Math.min(SIZE_CLASSES - 1, Math.floor(((Math.log(b + 1) - lo) / span) * SIZE_CLASSES)) : 0;
  }

  add(b: number): void {
    const c = this.classOf(b);
    this.sums[c]! += b;
    this.counts[c]!++;
  }

  meanOf(c: number): number {
    return Math.round(this.sums[c]! / Math.max(1, this.counts[c]!));
  }
}

/** firstIndex is the first index of an ascending array where `past` holds (its length when nowhere). */
export function firstIndex(times: ArrayLike<number>, past: (t: number) => boolean): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (past(times[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** loopPeriodS is how far apart a looped trace's replays start: its span plus one mean gap (so the rate carries on across the seam). */
export function loopPeriodS(offsetsS: readonly number[]): number {
  const n = offsetsS.length;
  if (n < 2) return 0;
  const span = offsetsS[n - 1]! - offsetsS[0]!;
  return (span * n) / (n - 1);
}

/** ReplayTimes are the send times of a trace phase (seconds since its start): the lines over speed, looped. */
export interface ReplayTimes {
  /** How many sends the phase makes (its loops, or as many as start before the phase's end with `loop: true`). */
  readonly count: number;
  /** Lines per loop (arrival i replays line i % lines). */
  readonly lines: number;
  /** timeOf is the send time of arrival i (0 ≤ i < count). */
  timeOf(i: number): number;
  /** countBefore is how many sends are due before tS (at or before it, when inclusive), at most count. */
  countBefore(tS: number, inclusive?: boolean): number;
}

/** replayTimes lays a trace's lines out in time: divided by speed, then repeated `loop` times (true: until durationS). */
export function replayTimes(offsetsS: readonly number[], speed: number, loop: number | true | undefined, durationS: number): ReplayTimes {
  const n = offsetsS.length;
  const periodS = loopPeriodS(offsetsS);
  const loops = loop === true ? Infinity : Math.max(1, loop ?? 1);
  const first = offsetsS[0] ?? 0;
  const unbounded = (u: number, inclusive: boolean): number => {
    // u is trace time (seconds × speed). Find the loop u falls in, then the line within it.
    if (n === 0 || (inclusive ? u < first : u <= first)) return 0;
    let k = periodS > 0 ? Math.floor((u - first) / periodS) : 0;
    if (!Number.isFinite(k)) return Infinity;
    k = Math.min(k, loops - 1);
    for (;;) {
      const within = u - k * periodS;
      const j = firstIndex(offsetsS, (t) => (inclusive ? t > within : t >= within));
      // Rounding may put u a loop early: then the next loop may still have sends before it.
      if (j === n && k + 1 < loops && periodS > 0 && (inclusive ? first + (k + 1) * periodS <= u : first + (k + 1) * periodS < u)) k++;
      else return k * n + j;
    }
  };
  const count = loop === true ? unbounded(durationS * speed, false) : n * loops;
  return {
    count,
    lines: n,
    timeOf: (i) => (offsetsS[i % n]! + Math.floor(i / n) * periodS) / speed,
    countBefore: (tS, inclusive = false) => Math.min(count, unbounded(tS * speed, inclusive)),
  };
}
