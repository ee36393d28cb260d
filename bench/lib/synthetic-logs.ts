/**
 * Seeded synthetic access logs with a known truth, for characterize's accuracy tests, end-to-end tests and
 * benchmark. A rate profile (base rate, diurnal swing, steps, bursts at known starts and durations) drives
 * Poisson or gamma arrivals by time change (exact for a piecewise-constant rate); each request gets a latency that
 * rises with the load (so a knee exists), sizes from lognormal distributions, a status with known error rates and
 * one of a few routes. The truth is taken from the records as generated (stamps and latencies rounded the way
 * the logs round them). Writers render the records as nginx, Envoy JSON and JSONL lines (synthetic-log-writers.ts).
 */
import type { LogRecord } from '../../src/characterize/log-record.js';
import { gamma, normal } from '../../src/scenario/distributions.js';
import { createRandom, type Random } from '../../src/scenario/random.js';

/** Lognormal is a lognormal distribution by its median and the sigma of its logarithm. */
export interface Lognormal {
  median: number;
  sigma: number;
}

/** SyntheticOptions describe the traffic to generate. */
export interface SyntheticOptions {
  seed: number;
  /** Epoch µs of the first second (default 2026-01-05T12:00:00Z, on a UTC hour). */
  startUs?: number;
  durationS: number;
  baseRps: number;
  /** rate × (1 + amplitude × sin(2π t / periodS)). */
  diurnal?: { amplitude: number; periodS: number };
  /** From atS on, the rate is multiplied by factor (steps compound). */
  steps?: { atS: number; factor: number }[];
  /** During [atS, atS + durationS) the rate is multiplied by factor. */
  bursts?: { atS: number; durationS: number; factor: number }[];
  /** Arrivals: Poisson (default) or gamma renewal with this shape (CV = 1/√shape). */
  gammaShape?: number;
  /** Latency: lognormal around baseMs × (1 + slope × max(0, rate / kneeRps − 1)) (defaults 20 ms, σ 0.3, no rise). */
  latency?: { baseMs: number; sigma: number; kneeRps?: number; slope?: number };
  routes?: { name: string; weight: number; requestBytes: Lognormal }[];
  responseBytes?: Lognormal;
  /** Shares of 503s and 404s (defaults 0.01 and 0.02). */
  errorRate?: number;
  clientErrorRate?: number;
  /** Timestamp resolution in µs: 1000 (ms, default) or 1e6 (stamps truncated to the second). */
  resolutionUs?: number;
}

/** SyntheticTruth is what the generated log holds, exactly. */
export interface SyntheticTruth {
  requests: number;
  /** Epoch second of perSecond[0] (the first second of the profile). */
  startSec: number;
  /** Requests per epoch second, by the records' stamps (before any spreading). */
  perSecond: Uint32Array;
  meanRps: number;
  /** Busiest aligned windows (epoch-aligned), by window length. */
  peaks: Record<1 | 10 | 60, { rps: number; atSec: number }>;
  /** The configured bursts, as epoch seconds. */
  bursts: { startSec: number; durationS: number }[];
  latencyMs: number[];
  requestBytes: number[];
  responseBytes: number[];
  errors: number;
  clientErrors: number;
  byRoute: Record<string, number>;
}

const DEFAULT_START_US = Date.UTC(2026, 0, 5, 12, 0, 0) * 1000;
const DEFAULT_ROUTES = [
  { name: '/v2/models/resnet/infer', weight: 0.6, requestBytes: { median: 600_000, sigma: 0.2 } },
  { name: '/v2/models/bert/infer', weight: 0.3, requestBytes: { median: 2_000, sigma: 0.5 } },
  { name: '/v2/models/tiny/infer', weight: 0.1, requestBytes: { median: 200, sigma: 0.1 } },
];

/** rateAt is the profile's rate in second s (constant within the second). */
export function rateAt(o: SyntheticOptions, s: number): number {
  let r = o.baseRps;
  if (o.diurnal) r *= 1 + o.diurnal.amplitude * Math.sin((2 * Math.PI * s) / o.diurnal.periodS);
  for (const st of o.steps ?? []) if (s >= st.atS) r *= st.factor;
  for (const b of o.bursts ?? []) if (s >= b.atS && s < b.atS + b.durationS) r *= b.factor;
  return Math.max(r, 0);
}

function lognormal(random: Random, d: Lognormal): number {
  return d.median * Math.exp(d.sigma * normal(random));
}

/** generateSyntheticLog makes the records (in arrival order) and their truth. */
export function generateSyntheticLog(o: SyntheticOptions): { records: LogRecord[]; truth: SyntheticTruth } {
  const random = createRandom(o.seed, 'synthetic-log');
  const startUs = o.startUs ?? DEFAULT_START_US;
  const startSec = Math.floor(startUs / 1e6);
  const res = o.resolutionUs ?? 1000;
  const routes = o.routes ?? DEFAULT_ROUTES;
  const weightSum = routes.reduce((a, r) => a + r.weight, 0);
  const lat = { kneeRps: Infinity, slope: 0, ...(o.latency ?? { baseMs: 20, sigma: 0.3 }) };
  const errorRate = o.errorRate ?? 0.01;
  const clientErrorRate = o.clientErrorRate ?? 0.02;
  const perSecond = new Uint32Array(o.durationS + 2);
  const truth: SyntheticTruth = { requests: 0, startSec, perSecond, meanRps: 0, peaks: { 1: { rps: 0, atSec: 0 }, 10: { rps: 0, atSec: 0 }, 60: { rps: 0, atSec: 0 } }, bursts: (o.bursts ?? []).map((b) => ({ startSec: startSec + b.atS, durationS: b.durationS })), latencyMs: [], requestBytes: [], responseBytes: [], errors: 0, clientErrors: 0, byRoute: {} };
  const records: LogRecord[] = [];
  const draw = (): number => (o.gammaShape ? gamma(random, o.gammaShape) / o.gammaShape : -Math.log(1 - random.next()));
  // Time change: a unit-rate renewal process in "operational time", mapped through the piecewise-constant rate.
  let s = 0;
  let t = 0;
  for (;;) {
    let need = draw();
    while (s < o.durationS) {
      const r = rateAt(o, s);
      const room = (s + 1 - t) * r;
      if (r > 0 && need <= room) {
        t += need / r;
        break;
      }
      need -= room;
      s++;
      t = s;
    }
    if (s >= o.durationS) break;
    const trueUs = startUs + Math.floor(t * 1e6);
    const stampUs = Math.floor(trueUs / res) * res;
    const rate = rateAt(o, s);
    const medianMs = lat.baseMs * (1 + lat.slope * Math.max(0, rate / lat.kneeRps - 1));
    const latencyMs = Math.max(0, Math.round(medianMs * Math.exp(lat.sigma * normal(random))));
    let pick = random.next() * weightSum;
    const route = routes.find((x) => (pick -= x.weight) < 0) ?? routes[routes.length - 1]!;
    const requestBytes = Math.round(lognormal(random, route.requestBytes));
    const responseBytes = Math.round(lognormal(random, o.responseBytes ?? { median: 4_000, sigma: 0.5 }));
    const u = random.next();
    const status = u < errorRate ? '503' : u < errorRate + clientErrorRate ? '404' : '200';
    records.push({ startUs: stampUs, resolutionUs: res, latencyUs: latencyMs * 1000, requestBytes, responseBytes, status, route: route.name });
    truth.requests++;
    perSecond[Math.floor(stampUs / 1e6) - startSec]!++;
    truth.latencyMs.push(latencyMs);
    truth.requestBytes.push(requestBytes);
    truth.responseBytes.push(responseBytes);
    if (status === '503') truth.errors++;
    if (status === '404') truth.clientErrors++;
    truth.byRoute[route.name] = (truth.byRoute[route.name] ?? 0) + 1;
  }
  truth.meanRps = truth.requests / o.durationS;
  for (const w of [1, 10, 60] as const) truth.peaks[w] = alignedPeak(perSecond, startSec, w);
  return { records, truth };
}

/** alignedPeak is the busiest window of w seconds aligned in epoch time, by plain summing. */
function alignedPeak(perSecond: Uint32Array, startSec: number, w: number): { rps: number; atSec: number } {
  const sums = new Map<number, number>();
  perSecond.forEach((c, i) => {
    const k = Math.floor((startSec + i) / w) * w;
    sums.set(k, (sums.get(k) ?? 0) + c);
  });
  let best = { rps: -1, atSec: 0 };
  for (const [k, n] of [...sums].sort((a, b) => a[0] - b[0])) if (n / w > best.rps) best = { rps: n / w, atSec: k };
  return best;
}

/** percentileOf is the nearest-rank percentile p (0–100) of the values. */
export function percentileOf(values: readonly number[], p: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}
/** The writers, re-exported so one import gives generator and writers. */
export * from './synthetic-log-writers.js';
