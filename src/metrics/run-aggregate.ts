/**
 * RunAggregate merges the load workers' per-second intervals into the run's view: exact per-phase histograms
 * (HDR add) and counts, and one finished row per (second, phase). Only the last few seconds are kept as live
 * histograms; older seconds are reduced to a summary and a compressed histogram, so memory stays flat over
 * long runs.
 */
import { addByKey } from '../util/add-counts.js';
import type { Counts, IntervalSnapshot } from '../load/interval-recorder.js';
import type { PhasePlan } from '../scenario/plan.js';
import { encodeHistogram, type Histogram, type LatencySummary, newHistogram, recordUs, summarize } from './hdr.js';
import { StallLog } from './stalls.js';
import { rowSummary, type TokenRowSummary, TokenHists } from './token-aggregate.js';
import { STALL_SLEEP_MS, STALL_US } from '../load/messages.js';

export type { Counts } from '../load/interval-recorder.js';

/** Hists are the four histograms kept for a phase or an interval. */
export interface Hists {
  latency: Histogram;
  service: Histogram;
  lag: Histogram;
  ttfb: Histogram;
}

/** IntervalRow is one finished (second, phase) row. */
export interface IntervalRow extends Counts {
  second: number;
  phase: number;
  latencyUs: LatencySummary;
  serviceTimeUs: LatencySummary;
  sendLagUs: LatencySummary;
  /** Compressed latency histogram of the row (for the .hlog and reports). */
  histogram: string;
  /** The second's token figures, when responses carried tokens (LLM targets). */
  tokens?: TokenRowSummary;
}

const emptyCounts = (): Counts => ({ scheduled: 0, sent: 0, dropped: 0, late: 0, ok: 0, errors: {} });
const emptyHists = (): Hists => ({ latency: newHistogram(), service: newHistogram(), lag: newHistogram(), ttfb: newHistogram() });

/** addCounts adds b into a. */
export function addCounts(a: Counts, b: Counts): void {
  a.scheduled += b.scheduled;
  a.sent += b.sent;
  a.dropped += b.dropped;
  a.late += b.late;
  a.ok += b.ok;
  addByKey(a.errors, b.errors);
}

/** errorCount is the number of failed requests (every error code, DROPPED included). */
export function errorCount(c: Counts): number {
  let n = 0;
  for (const v of Object.values(c.errors)) n += v;
  return n;
}

/** RunAggregate is the main thread's merged view of a run. */
export class RunAggregate {
  readonly phaseCounts: Counts[];
  readonly phaseHists: Hists[];
  /** Each phase's token histograms, once a response of it carried tokens (LLM targets). */
  readonly phaseTokens: (TokenHists | undefined)[];
  readonly rows: IntervalRow[] = [];
  /** The machine's stalls (fed by the stall watchdog) and the late sends they explain. */
  readonly stalls = new StallLog(STALL_SLEEP_MS * 1000, STALL_US);
  private readonly open = new Map<number, Map<number, { counts: Counts; hists: Hists; tokens?: TokenHists }>>();
  /** Per worker: every second before this one has been reported. */
  private readonly watermarks: number[];

  constructor(
    readonly phases: PhasePlan[],
    workers = 1,
    /** Called with each row as it is finished (to append it and its token histograms, if any, to the .hlog). */
    private readonly onRow: (row: IntervalRow, hist: Histogram, tokens?: TokenHists) => void = () => {},
  ) {
    this.phaseCounts = phases.map(emptyCounts);
    this.phaseTokens = phases.map(() => undefined);
    this.phaseHists = phases.map(emptyHists);
    this.watermarks = Array.from({ length: workers }, () => 0);
  }

  /**
   * add merges snapshots from worker `worker`, which promises that it has now reported every second before
   * `throughSecond`; a second becomes a row once every worker has passed it.
   */
  add(snapshots: IntervalSnapshot[], worker = 0, throughSecond?: number): void {
    for (const s of snapshots) {
      const counts: Counts = { scheduled: s.scheduled, sent: s.sent, dropped: s.dropped, late: s.late, ok: s.ok, errors: s.errors };
      addCounts(this.phaseCounts[s.phase]!, counts);
      let bySecond = this.open.get(s.second);
      if (!bySecond) this.open.set(s.second, (bySecond = new Map()));
      let cell = bySecond.get(s.phase);
      if (!cell) bySecond.set(s.phase, (cell = { counts: emptyCounts(), hists: emptyHists() }));
      addCounts(cell.counts, counts);
      // Each value goes straight into the phase's and the second's histograms: no temporary histograms to add.
      const phase = this.phaseHists[s.phase]!;
      recordAll(s.latency, phase.latency, cell.hists.latency);
      recordAll(s.service, phase.service, cell.hists.service);
      recordAll(s.lag, phase.lag, cell.hists.lag);
      recordAll(s.ttfb, phase.ttfb, cell.hists.ttfb);
      if (s.tokens) TokenHists.addInto(s.tokens, (this.phaseTokens[s.phase] ??= new TokenHists()), (cell.tokens ??= new TokenHists()));
      if (s.lateSpans.length) this.stalls.addLateSends(s.lateSpans);
    }
    if (throughSecond !== undefined) {
      this.watermarks[worker] = Math.max(this.watermarks[worker] ?? 0, throughSecond);
      this.finish(Math.min(...this.watermarks) - 1);
    }
  }

  /** finish turns every open second up to `throughSecond` (all when undefined) into rows. */
  finish(throughSecond?: number): void {
    for (const second of [...this.open.keys()].sort((a, b) => a - b)) {
      if (throughSecond !== undefined && second > throughSecond) break;
      for (const [phase, { counts, hists, tokens }] of [...this.open.get(second)!].sort((a, b) => a[0] - b[0])) {
        const row: IntervalRow = {
          second,
          phase,
          ...counts,
          latencyUs: summarize(hists.latency),
          serviceTimeUs: summarize(hists.service),
          sendLagUs: summarize(hists.lag),
          histogram: encodeHistogram(hists.latency),
          ...(tokens && { tokens: rowSummary(tokens) }),
        };
        this.rows.push(row);
        this.onRow(row, hists.latency, tokens);
      }
      this.open.delete(second);
    }
  }

  /** totals adds up every phase's counts. */
  totals(): Counts {
    const t = emptyCounts();
    for (const c of this.phaseCounts) addCounts(t, c);
    return t;
  }

  /** lagAll merges every phase's send-lag histogram. */
  lagAll(): Histogram {
    const h = newHistogram();
    for (const p of this.phaseHists) h.add(p.lag);
    return h;
  }
}

function recordAll(values: Float64Array, a: Histogram, b: Histogram): void {
  for (const v of values) {
    recordUs(a, v);
    recordUs(b, v);
  }
}
