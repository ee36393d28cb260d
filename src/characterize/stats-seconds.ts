/**
 * SecondCounts: requests per epoch second over the log's span, in a typed array that grows in both directions
 * (records may come a little out of order). The span is bounded by MAX_SPAN_S: a log (or a stray timestamp)
 * that spans more fails clearly instead of growing without bound; characterize one period at a time.
 */
import { GauntletError } from '../errors.js';

/** MAX_SPAN_S bounds the span of the logs characterize reads: 40 days (a 14 MB array of per-second counts). */
export const MAX_SPAN_S = 40 * 86_400;

/** SecondCounts counts requests per epoch second. */
export class SecondCounts {
  private counts = new Uint32Array(4096);
  /** The epoch second of counts[0]. */
  private base = 0;
  private started = false;
  /** The first and last epoch seconds holding a request. */
  minSec = 0;
  maxSec = 0;

  /** add counts one request in epoch second `sec`. */
  add(sec: number): void {
    if (!this.started) {
      this.started = true;
      this.base = sec - 1024;
      this.minSec = this.maxSec = sec;
    }
    if (sec < this.minSec) {
      this.checkSpan(sec, this.maxSec);
      this.minSec = sec;
    } else if (sec > this.maxSec) {
      this.checkSpan(this.minSec, sec);
      this.maxSec = sec;
    }
    let i = sec - this.base;
    if (i < 0 || i >= this.counts.length) i = this.grow(sec);
    this.counts[i]!++;
  }

  /** get is the count of epoch second `sec` (0 outside the span). */
  get(sec: number): number {
    const i = sec - this.base;
    return i >= 0 && i < this.counts.length ? this.counts[i]! : 0;
  }

  /** view is the counts from minSec to maxSec inclusive (a view, not a copy; empty before the first add). */
  view(): Uint32Array {
    if (!this.started) return new Uint32Array(0);
    return this.counts.subarray(this.minSec - this.base, this.maxSec - this.base + 1);
  }

  private checkSpan(lo: number, hi: number): void {
    if (hi - lo <= MAX_SPAN_S) return;
    const iso = (s: number): string => new Date(s * 1000).toISOString();
    throw new GauntletError('GAUNTLET_ERR_LOG_FORMAT', `the logs' timestamps span more than ${MAX_SPAN_S / 86_400} days (${iso(lo)} to ${iso(hi)}): characterize at most ${MAX_SPAN_S / 86_400} days at a time, or check the timestamps`);
  }

  /** grow reallocates so that minSec..maxSec (which include `sec`) fit with room to spare, and returns sec's index. */
  private grow(sec: number): number {
    const needed = this.maxSec - this.minSec + 1;
    const room = Math.min(Math.max(2 * needed, 4096), MAX_SPAN_S + 4096);
    const newBase = sec < this.base ? this.maxSec - room + 1 : this.minSec;
    const next = new Uint32Array(room);
    const from = Math.max(this.base, newBase);
    const to = Math.min(this.base + this.counts.length, newBase + room);
    if (to > from) next.set(this.counts.subarray(from - this.base, to - this.base), from - newBase);
    this.counts = next;
    this.base = newBase;
    return sec - newBase;
  }
}
