/**
 * Characterizer: LogRecords in (one `add` per record, in roughly time order), a Characterization out (`finish`).
 * Memory is flat in the number of records: per-second counts over the span (bounded, stats-seconds.ts), HDR
 * histograms, and a reorder buffer of the last `slackS` seconds (stats-reorder.ts) that puts records back in
 * arrival order. Every record is handed on once, in that order, through `onOrdered` (trace.csv is written from
 * it), and analysed as it goes out.
 */
import { GauntletError } from '../errors.js';
import { createRandom, type Random } from '../scenario/random.js';
import { CHARACTERIZATION_VERSION, type Characterization } from './characterization.js';
import type { FileReadStats, LogRecord, MalformedLine } from './log-record.js';
import { GapStats } from './analyze-arrivals.js';
import { analyzeBursts } from './analyze-bursts.js';
import { BusiestWindow, findKnee, LatencyByLoad } from './analyze-latency.js';
import { NO_ROUTE, RouteStats, StatusStats } from './analyze-mix.js';
import { analyzeRates } from './analyze-rates.js';
import { classify, suggestSlo } from './analyze-verdict.js';
import { resolveOptions, type CharacterizeOptions, type ResolvedOptions } from './analyze-options.js';
import { ReorderBuffer, type Timed } from './stats-reorder.js';
import { SecondCounts } from './stats-seconds.js';
import { trimmedHistogram, ValueDist } from './stats-dist.js';
import type { Histogram as HdrHistogram } from '../metrics/hdr.js';

export type { CharacterizeOptions } from './analyze-options.js';

/** SPREAD_RESOLUTION_US: records whose timestamps are this coarse or coarser are spread within their second. */
export const SPREAD_RESOLUTION_US = 1_000_000;

/** MAX_START_US: arrival times must lie in [0, MAX_START_US) µs since the epoch (before the year 2255, where µs stay exact). */
export const MAX_START_US = 2 ** 53;

/** CharacterizeContext is what the reader found, for `finish`. */
export interface CharacterizeContext {
  gauntletVersion: string;
  files: FileReadStats[];
  /** Lines read in all files (for the malformed fraction). */
  lines: number;
  malformedCount: number;
  /** The first malformed lines (the reader keeps a few). */
  malformedFirst: MalformedLine[];
  /** Above this fraction of malformed lines, finish throws GAUNTLET_ERR_LOG_FORMAT. */
  maxMalformedFraction: number;
  /** Where the arrival time came from, e.g. "log time − $request_time (nginx logs completion)". */
  arrivalTime: string;
  /** The reader's notes and warnings (a truncated gzip file, ...). */
  notes?: string[];
}

/** Characterizer analyses access-log records in one pass. */
export class Characterizer {
  private readonly o: ResolvedOptions;
  private readonly random: Random;
  private readonly seconds = new SecondCounts();
  private readonly buffer: ReorderBuffer<LogRecord>;
  private readonly gaps = new GapStats();
  private readonly byLoad = new LatencyByLoad();
  private readonly busiest = new BusiestWindow();
  private readonly latency = new ValueDist();
  private readonly requestBytes = new ValueDist({ logBins: true });
  private readonly responseBytes = new ValueDist({ logBins: true });
  private readonly status = new StatusStats();
  private readonly routes = new RouteStats();
  private readonly fields = { latency: false, requestBytes: false, responseBytes: false, status: false, route: false };
  private requests = 0;
  private firstUs = Infinity;
  private lastUs = -Infinity;
  private resolutionUs = 0;
  private spread = false;
  private lastT = Number.NaN;
  private lastRes = 1;
  private unusable = 0;
  private finished = false;

  constructor(options: CharacterizeOptions = {}) {
    this.o = resolveOptions(options);
    this.random = createRandom(this.o.seed, 'characterize-spread');
    this.buffer = new ReorderBuffer<LogRecord>(this.o.slackS, (sec, items) => this.onSecond(sec, items), (item) => this.onLate(item));
  }

  /** add takes one record; one whose startUs is not in [0, MAX_START_US) is counted as unusable and left out. */
  add(r: LogRecord): void {
    if (this.finished) throw new GauntletError('GAUNTLET_ERR_INTERNAL', 'Characterizer.add after finish');
    let t = r.startUs;
    if (!(t >= 0 && t < MAX_START_US)) {
      this.unusable++;
      return;
    }
    const res = r.resolutionUs > 0 && r.resolutionUs <= 86_400e6 ? r.resolutionUs : 1;
    if (res > this.resolutionUs) this.resolutionUs = res;
    if (res >= SPREAD_RESOLUTION_US) {
      // The stamp is truncated to its resolution, so the true time lies in [stamp, stamp + resolution).
      t += Math.floor(this.random.next() * res);
      this.spread = true;
    }
    this.seconds.add(Math.floor(t / 1e6));
    if (t < this.firstUs) this.firstUs = t;
    if (t > this.lastUs) this.lastUs = t;
    this.requests++;
    this.buffer.push(t, r);
  }

  private onSecond(sec: number, items: Timed<LogRecord>[]): void {
    const n = items.length;
    const window = this.busiest.second(sec, n);
    let load: HdrHistogram | undefined;
    for (const item of items) {
      const { t, r } = item;
      const res = r.resolutionUs >= SPREAD_RESOLUTION_US || !(r.resolutionUs > 0) ? 1 : r.resolutionUs;
      if (!Number.isNaN(this.lastT)) this.gaps.add(t - this.lastT, Math.max(res, this.lastRes));
      this.lastT = t;
      this.lastRes = res;
      if (r.latencyUs !== undefined && r.latencyUs >= 0) {
        load ??= this.byLoad.second(n);
        window.add(r.latencyUs);
        load.recordValue(Math.min(Math.max(1, Math.round(r.latencyUs)), 3_600_000_000));
      }
      this.record(t, r, sec);
    }
  }

  private onLate(item: Timed<LogRecord>): void {
    this.record(item.t, item.r, Number.NaN);
  }

  /** record analyses one record as it goes out (sec is NaN for a late one). */
  private record(t: number, r: LogRecord, sec: number): void {
    this.o.onOrdered?.(t, r);
    const f = this.fields;
    if (r.latencyUs !== undefined) {
      f.latency = true;
      this.latency.add(r.latencyUs);
    }
    if (r.requestBytes !== undefined) {
      f.requestBytes = true;
      this.requestBytes.add(r.requestBytes);
    }
    if (r.responseBytes !== undefined) {
      f.responseBytes = true;
      this.responseBytes.add(r.responseBytes);
    }
    if (r.status !== undefined) {
      f.status = true;
      this.status.add(r.status);
    }
    if (r.route !== undefined) f.route = true;
    this.routes.add(r.route ?? NO_ROUTE, sec, r.status, r.latencyUs, r.requestBytes);
  }

  /** finish hands on the records still buffered and returns the characterization. */
  finish(ctx: CharacterizeContext): Characterization {
    if (this.finished) throw new GauntletError('GAUNTLET_ERR_INTERNAL', 'Characterizer.finish called twice');
    this.finished = true;
    this.buffer.flush();
    const fraction = ctx.lines > 0 ? ctx.malformedCount / ctx.lines : 0;
    if (fraction > ctx.maxMalformedFraction) {
      const shown = ctx.malformedFirst.map((m) => `${m.file}:${m.line}: ${m.reason}`);
      throw new GauntletError('GAUNTLET_ERR_LOG_FORMAT', `${ctx.malformedCount} of ${ctx.lines} lines are malformed (${(fraction * 100).toFixed(2)} %, above the ${ctx.maxMalformedFraction * 100} % allowed)`, shown);
    }
    if (this.requests === 0) throw new GauntletError('GAUNTLET_ERR_LOG_EMPTY', `no requests with usable timestamps in ${ctx.files.map((f) => f.name).join(', ') || 'the input'}`);
    const o = this.o;
    const counts = this.seconds.view();
    const minSec = this.seconds.minSec;
    const rates = analyzeRates(counts, minSec, this.firstUs, this.lastUs, this.requests, o.windowS);
    const bursts = analyzeBursts(counts, minSec, this.firstUs, { k: o.burstK, medianWindowS: o.burstMedianWindowS, minDurationS: o.burstMinDurationS });
    const status = this.status.result();
    let latency: Characterization['latency'];
    if (this.fields.latency) {
      const byLoad = this.byLoad.buckets();
      latency = { overall: this.latency.percentiles(1000), busiest10s: this.busiest.result(this.firstUs), byLoad };
      const knee = findKnee(byLoad);
      if (knee) latency.knee = knee;
    }
    const payloads: Characterization['payloads'] = {};
    if (this.fields.requestBytes) payloads.request = { ...this.requestBytes.percentiles(), histogram: trimmedHistogram(this.requestBytes.bins!) };
    if (this.fields.responseBytes) payloads.response = { ...this.responseBytes.percentiles(), histogram: trimmedHistogram(this.responseBytes.bins!) };
    return {
      version: CHARACTERIZATION_VERSION,
      gauntletVersion: ctx.gauntletVersion,
      inputs: { files: ctx.files, timestampResolutionUs: this.resolutionUs, spreadWithinSecond: this.spread, arrivalTime: ctx.arrivalTime, fields: { ...this.fields }, notes: this.notes(ctx) },
      malformed: { count: ctx.malformedCount, fraction: Math.round(fraction * 1e6) / 1e6, maxFraction: ctx.maxMalformedFraction, first: ctx.malformedFirst },
      rates,
      bursts,
      arrivals: this.gaps.result(!this.spread),
      ...(latency ? { latency } : {}),
      payloads,
      status,
      routes: this.fields.route ? this.routes.result(this.requests) : [],
      classification: classify(latency),
      slo: suggestSlo(latency, status, this.fields.status, o.sloHeadroom),
    };
  }

  private notes(ctx: CharacterizeContext): string[] {
    const notes = [...(ctx.notes ?? [])];
    if (this.spread) {
      notes.push(
        `timestamps of ${this.resolutionUs / 1e6} s resolution were spread uniformly at random within their ${this.resolutionUs > SPREAD_RESOLUTION_US ? 'interval' : 'second'} (seed ${this.o.seed}): ${this.resolutionUs > SPREAD_RESOLUTION_US ? 'requests per interval' : 'requests per second'} are measured, but the times within it, and so the inter-arrival gaps and the Poisson/gamma fit, are assumed, not measured`,
      );
    }
    if (this.unusable > 0) notes.push(`${this.unusable} record(s) had an arrival time outside 1970–2255 and were left out`);
    if (this.buffer.late > 0) {
      notes.push(
        `${this.buffer.late} request(s) came more than ${this.o.slackS} s out of time order: they are counted and kept in the trace (out of order), but left out of latency against load, the busiest window's latencies, the inter-arrival gaps and the per-route peaks (a larger reorder slack keeps them in)`,
      );
    }
    return notes;
  }
}
