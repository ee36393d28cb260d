/**
 * ReorderBuffer: puts records that come roughly in time order (nginx logs completion times; several files are
 * merged) back into arrival order, holding only the last `slackS` seconds. Epoch second t is final once a record
 * of second t + 1 + slackS or later has been seen; its records are then sorted and handed on, one second at a
 * time, in ascending order. A record for a second already final is "late": it is handed on at once, out of order,
 * and counted, so that every record still goes out exactly once.
 */

/** Timed is a record with its arrival time in µs (after any spreading within its second). */
export interface Timed<R> {
  t: number;
  r: R;
}

/** ReorderBuffer holds the open seconds; `onSecond` gets each final second's records sorted by time, `onLate` each late record. */
export class ReorderBuffer<R> {
  private readonly ring: Timed<R>[][];
  /** The last epoch second handed on (all seconds up to it are final). */
  private finalSec = Number.NaN;
  private maxSec = Number.NaN;
  late = 0;

  constructor(
    private readonly slackS: number,
    private readonly onSecond: (sec: number, items: Timed<R>[]) => void,
    private readonly onLate: (item: Timed<R>) => void,
  ) {
    this.ring = Array.from({ length: slackS + 2 }, () => []);
  }

  /** push adds one record, handing on every second that it makes final. */
  push(t: number, r: R): void {
    const sec = Math.floor(t / 1e6);
    if (Number.isNaN(this.finalSec)) {
      this.finalSec = sec - this.slackS - 1;
      this.maxSec = sec;
    }
    if (sec <= this.finalSec) {
      this.late++;
      this.onLate({ t, r });
      return;
    }
    if (sec > this.maxSec) {
      this.maxSec = sec;
      this.flushTo(sec - this.slackS - 1);
    }
    this.ring[this.slot(sec)]!.push({ t, r });
  }

  /** flush hands on every second still open (at the end of the input). */
  flush(): void {
    if (!Number.isNaN(this.maxSec)) this.flushTo(this.maxSec);
  }

  /** flushTo hands on the open seconds up to and including `sec`, in order. */
  private flushTo(sec: number): void {
    // A jump forward of more than the ring's length leaves only empty seconds in between: skip them.
    if (sec - this.finalSec > this.ring.length) {
      const skipTo = sec - this.ring.length;
      for (let s = this.finalSec + 1; s <= this.finalSec + this.ring.length; s++) this.emit(s);
      this.finalSec = Math.max(this.finalSec + this.ring.length, skipTo);
    }
    for (let s = this.finalSec + 1; s <= sec; s++) this.emit(s);
    if (sec > this.finalSec) this.finalSec = sec;
  }

  private slot(sec: number): number {
    const n = this.ring.length;
    return ((sec % n) + n) % n;
  }

  private emit(sec: number): void {
    const slot = this.slot(sec);
    const items = this.ring[slot]!;
    if (items.length === 0) return;
    this.ring[slot] = [];
    if (!insertionSorted(items)) items.sort((a, b) => a.t - b.t);
    this.onSecond(sec, items);
  }
}

/**
 * insertionSorted sorts nearly sorted items in place (completion order puts a start a few places late) and says
 * whether it finished; past 16 moves per item it gives up, leaving a permutation for a full sort. Stable.
 */
function insertionSorted<R>(items: Timed<R>[]): boolean {
  let budget = 16 * items.length;
  for (let i = 1; i < items.length; i++) {
    const x = items[i]!;
    let j = i - 1;
    if (items[j]!.t <= x.t) continue;
    while (j >= 0 && items[j]!.t > x.t) {
      items[j + 1] = items[j]!;
      j--;
      if (--budget < 0) {
        items[j + 1] = x;
        return false;
      }
    }
    items[j + 1] = x;
  }
  return true;
}
