/**
 * The traffic mix: statuses (server and client error rates, the mix of codes) and per-route or per-model
 * shares. Both are bounded: a log with thousands of distinct routes (ids in paths) or statuses keeps the first
 * MAX_TRACKED_ROUTES / MAX_TRACKED_STATUSES by name and counts the rest under `(other)`.
 */
import type { Characterization, RouteShare } from './characterization.js';
import { isClientErrorStatus, isErrorStatus } from './log-record.js';
import { round3 } from './analyze-rates.js';
import { ValueDist } from './stats-dist.js';

/** MAX_TRACKED_ROUTES bounds the routes tracked one by one (the first seen; later new ones count as `(other)`). */
export const MAX_TRACKED_ROUTES = 500;
/** MAX_ROUTES bounds the route rows reported, busiest first (the rest are summed in an `(other)` row). */
export const MAX_ROUTES = 50;
/** MAX_TRACKED_STATUSES bounds the statuses counted one by one (later new ones count as `(other)`). */
export const MAX_TRACKED_STATUSES = 200;
/** MAX_STATUSES bounds the status rows reported, commonest first (the rest are summed in an `(other)` row). */
export const MAX_STATUSES = 20;
const OTHER = '(other)';
/** NO_ROUTE names the requests without a route when others have one. */
export const NO_ROUTE = '(none)';
/** MAX_NAME_CHARS bounds a route or status name as kept and reported (longer ones are cut, with `…`). */
export const MAX_NAME_CHARS = 200;

/** boundedName cuts a name to MAX_NAME_CHARS. */
function boundedName(name: string): string {
  return name.length <= MAX_NAME_CHARS ? name : `${name.slice(0, MAX_NAME_CHARS - 1)}…`;
}

/** StatusStats counts statuses. */
export class StatusStats {
  private readonly counts = new Map<string, number>();
  withStatus = 0;
  errors = 0;
  clientErrors = 0;

  add(status: string): void {
    this.withStatus++;
    if (isErrorStatus(status)) this.errors++;
    else if (isClientErrorStatus(status)) this.clientErrors++;
    const name = boundedName(status);
    const key = this.counts.has(name) || this.counts.size < MAX_TRACKED_STATUSES ? name : OTHER;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  result(): Characterization['status'] {
    const n = this.withStatus;
    const sorted = [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const top = sorted.filter(([s]) => s !== OTHER).slice(0, MAX_STATUSES);
    const rest = n - top.reduce((a, [, c]) => a + c, 0);
    const rows = top.map(([status, count]) => ({ status, count, share: round6(count / n) }));
    if (rest > 0) rows.push({ status: OTHER, count: rest, share: round6(rest / n) });
    return { requests: n, errorRate: n ? round6(this.errors / n) : 0, clientErrorRate: n ? round6(this.clientErrors / n) : 0, byStatus: rows };
  }
}

interface RouteAcc {
  requests: number;
  errors: number;
  withStatus: number;
  latency: ValueDist;
  requestBytes: ValueDist;
  sec: number;
  inSec: number;
  peak: number;
}

/** RouteStats tracks each route's requests, errors, latency, request sizes and busiest second. */
export class RouteStats {
  private readonly routes = new Map<string, RouteAcc>();

  /** add counts one request; `sec` is its epoch second when in order (NaN for a late record, left out of peaks). */
  add(name: string, sec: number, status: string | undefined, latencyUs: number | undefined, requestBytes: number | undefined): void {
    const route = boundedName(name);
    let acc = this.routes.get(route);
    if (!acc) {
      const key = this.routes.size < MAX_TRACKED_ROUTES ? route : OTHER;
      acc = this.routes.get(key);
      if (!acc) this.routes.set(key, (acc = { requests: 0, errors: 0, withStatus: 0, latency: new ValueDist({ compact: true }), requestBytes: new ValueDist({ compact: true }), sec: Number.NaN, inSec: 0, peak: 0 }));
    }
    acc.requests++;
    if (status !== undefined) {
      acc.withStatus++;
      if (isErrorStatus(status)) acc.errors++;
    }
    if (latencyUs !== undefined) acc.latency.add(latencyUs);
    if (requestBytes !== undefined) acc.requestBytes.add(requestBytes);
    if (!Number.isNaN(sec)) {
      if (sec !== acc.sec) {
        acc.sec = sec;
        acc.inSec = 0;
      }
      if (++acc.inSec > acc.peak) acc.peak = acc.inSec;
    }
  }

  /** result is the MAX_ROUTES busiest routes and an `(other)` row for the rest (its peak is its busiest member's). */
  result(total: number): RouteShare[] {
    const sorted = [...this.routes].sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : 1));
    const top = sorted.filter(([name]) => name !== OTHER).slice(0, MAX_ROUTES);
    const rest = sorted.filter(([name]) => !top.some(([t]) => t === name));
    const rows = top.map(([name, acc]) => row(name, acc, total));
    if (rest.length > 0) {
      const other: RouteAcc = { requests: 0, errors: 0, withStatus: 0, latency: new ValueDist({ compact: true }), requestBytes: new ValueDist({ compact: true }), sec: 0, inSec: 0, peak: 0 };
      for (const [, acc] of rest) {
        other.requests += acc.requests;
        other.errors += acc.errors;
        other.withStatus += acc.withStatus;
        mergeInto(other.latency, acc.latency);
        mergeInto(other.requestBytes, acc.requestBytes);
        other.peak = Math.max(other.peak, acc.peak);
      }
      rows.push(row(OTHER, other, total));
    }
    return rows;
  }
}

function mergeInto(to: ValueDist, from: ValueDist): void {
  to.hist.add(from.hist);
  to.zeros += from.zeros;
  to.count += from.count;
  to.sum += from.sum;
  to.max = Math.max(to.max, from.max);
}

function row(name: string, acc: RouteAcc, total: number): RouteShare {
  const r: RouteShare = { name, requests: acc.requests, share: round6(acc.requests / total), peakRps: acc.peak, errorRate: acc.withStatus ? round6(acc.errors / acc.withStatus) : 0 };
  if (acc.latency.count) r.p99Ms = round3(acc.latency.quantile(99) / 1000);
  if (acc.requestBytes.count) r.requestBytesP50 = acc.requestBytes.quantile(50);
  return r;
}

/** round6 rounds a fraction to 6 decimals. */
export function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
