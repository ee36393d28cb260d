/**
 * Characterization: what `gauntlet characterize` found in access logs (characterization.json). Times are
 * seconds since the log's first request unless a field says otherwise (`…Iso` are ISO 8601 UTC); latencies are
 * milliseconds (`…Ms`), sizes bytes, rates per second. docs/characterize.md documents every field.
 */
import type { FileReadStats, MalformedLine } from './log-record.js';

/** CHARACTERIZATION_VERSION is the version of characterization.json's layout. */
export const CHARACTERIZATION_VERSION = 1;

/** Percentiles are a distribution's percentiles (milliseconds for latencies, bytes for sizes). */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Histogram is counts between edges: bin i holds values in [edges[i], edges[i+1]). */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** Peak is the busiest aligned window of one length. */
export interface Peak {
  windowS: number;
  /** Requests in the window divided by its length. */
  rps: number;
  /** The window's start (seconds since the first request, aligned to the window's length in epoch time). */
  atS: number;
  atIso: string;
}

/** Burst is a run of seconds whose rate is above k × the rolling median. */
export interface Burst {
  startS: number;
  startIso: string;
  durationS: number;
  peakRps: number;
  /** The rolling median the burst stood above, at its start. */
  baselineRps: number;
  requests: number;
}

/** LoadBucket is the latency of the seconds whose rate fell in [fromRps, toRps). */
export interface LoadBucket {
  fromRps: number;
  toRps: number;
  seconds: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
}

/** RouteShare is the traffic of one route or model. */
export interface RouteShare {
  name: string;
  requests: number;
  share: number;
  peakRps: number;
  errorRate: number;
  p99Ms?: number;
  requestBytesP50?: number;
}

/** Characterization is characterization.json. */
export interface Characterization {
  version: typeof CHARACTERIZATION_VERSION;
  gauntletVersion: string;
  /** Set when reading stopped early (Ctrl-C, SIGTERM): the rest describes what was read up to then. */
  interrupted?: boolean;
  inputs: {
    files: FileReadStats[];
    /** The coarsest timestamp resolution among the records, in microseconds. */
    timestampResolutionUs: number;
    /** Set when timestamps of 1 s resolution were spread within their second (uniformly, seeded). */
    spreadWithinSecond: boolean;
    /** Where the arrival time came from, e.g. "log time − $request_time (nginx logs completion)". */
    arrivalTime: string;
    /** Which fields the logs carried: latency, request bytes, response bytes, status, route. */
    fields: { latency: boolean; requestBytes: boolean; responseBytes: boolean; status: boolean; route: boolean };
    notes: string[];
  };
  malformed: {
    count: number;
    fraction: number;
    /** Above this fraction of lines the characterization is refused (exit 2). */
    maxFraction: number;
    first: MalformedLine[];
  };
  rates: {
    requests: number;
    spanS: number;
    firstIso: string;
    lastIso: string;
    meanRps: number;
    /** Busiest aligned 1 s, 10 s and 60 s windows (and --window's, when another). */
    peaks: Peak[];
    /** The window --window picked; its peak is the scenario's peak_rps. */
    peakWindowS: number;
    peakRps: number;
    /** peakRps / meanRps. */
    peakToAverage: number;
    /** Requests per second, one value per `bucketS` seconds from the first request (at most a bounded count of buckets). */
    series: { bucketS: number; rps: number[] };
    /** Mean rate per hour of day (UTC), when the log spans 24 hours or more. */
    hourOfDay?: { hour: number; meanRps: number; requests: number }[];
  };
  bursts: {
    /** A second is in a burst when its rate is above k × the rolling median of the `medianWindowS` seconds around it. */
    k: number;
    medianWindowS: number;
    /** Runs shorter than this are not bursts. */
    minDurationS: number;
    rule: string;
    count: number;
    /** The bursts, in time order (the first MAX_BURSTS; `count` has them all). */
    list: Burst[];
    durationS?: { p50: number; p90: number; max: number; mean: number };
    durationHistogram?: Histogram;
    /** Median gap between burst starts. */
    medianGapS?: number;
  };
  arrivals: {
    /** Gaps measured from timestamps of this resolution; false when 1 s stamps were spread (then the fit is assumed, not measured). */
    measured: boolean;
    meanGapMs: number;
    interArrivalCv: number;
    fit: {
      best: 'poisson' | 'gamma';
      /** Gamma's shape (1 is Poisson); the scenario's gamma burstiness is 1 / shape (the gaps' squared CV). */
      gammaShape: number;
      burstiness: number;
      logLikelihood: { poisson: number; gamma: number };
      rule: string;
    };
    /** Inter-arrival gaps, in milliseconds. */
    histogram: Histogram;
  };
  latency?: {
    overall: Percentiles;
    busiest10s: Percentiles & { atS: number; atIso: string; rps: number };
    byLoad: LoadBucket[];
    knee?: { rps: number; p99Ms: number; rule: string };
  };
  payloads: {
    request?: Percentiles & { histogram: Histogram };
    response?: Percentiles & { histogram: Histogram };
  };
  status: {
    requests: number;
    /** Server errors (HTTP 5xx, gRPC statuses that do not blame the request) / requests with a status. */
    errorRate: number;
    clientErrorRate: number;
    byStatus: { status: string; count: number; share: number }[];
  };
  routes: RouteShare[];
  classification: { kind: 'throughput-constrained' | 'latency-constrained' | 'unknown'; rule: string; reasons: string[] };
  slo: { p50Ms?: number; p95Ms?: number; p99Ms?: number; errorRate?: number; headroom: number; rule: string };
}
