/**
 * The results.json format (schemaVersion 1). Reports and gates read only this file (and the .hlog), never live
 * state. Times are microseconds, rates per second; docs/results.md documents every field.
 */
import type { ErrorSample } from '../load/messages.js';
import type { LatencySummary } from '../metrics/hdr.js';
import type { ServerInterval } from '../metrics/server-scrape.js';
import type { Plan } from '../scenario/plan.js';

/** RESULTS_SCHEMA_VERSION is bumped on any incompatible change to the format. */
export const RESULTS_SCHEMA_VERSION = 1;

/** PhaseResult is one phase's measurements. */
export interface PhaseResult {
  name: string;
  kind: 'open' | 'closed';
  startS: number;
  durationS: number;
  /** Requests per second the plan asked for (open loop), or that were started (closed loop). */
  offeredRps: number;
  /** Requests per second actually sent. */
  achievedRps: number;
  /** Successful responses per second. */
  throughputRps: number;
  scheduled: number;
  sent: number;
  /** Requests that got an outcome (success or error), DROPPED not included. */
  completed: number;
  ok: number;
  dropped: number;
  /** Sends more than 1 ms late. */
  lateSends: number;
  /** Failed requests by code, DROPPED included. */
  errors: Record<string, number>;
  /** Failed ÷ (sent + dropped). */
  errorRate: number;
  /** Intended send → response, successful requests (µs): the latency users see. */
  latencyUs: LatencySummary;
  /** Actual send → response, successful requests (µs). */
  serviceTimeUs: LatencySummary;
  /** Actual send → first response byte (µs). */
  ttfbUs: LatencySummary;
  /** Actual − intended send time (µs). */
  sendLagUs: LatencySummary;
  /** Compressed base64 HDR histogram of latencyUs. */
  histogram: string;
  /** Compressed base64 HDR histogram of serviceTimeUs. */
  serviceHistogram: string;
  /** The server's own view of the phase (mean over its seconds), when its metrics were scraped. */
  server?: { meanBatch: number; queueUs: number; computeInferUs: number; requestUs: number; requestsPerS: number };
}

/** SloCheck is one threshold checked for one phase. */
export interface SloCheck {
  phase: string;
  metric: string;
  threshold: number;
  actual: number;
  pass: boolean;
  unit: 'ms' | 'ratio' | 'rps';
}

/** IntervalResult is one second of one phase. */
export interface IntervalResult {
  /** Seconds since the run's start. */
  t: number;
  phase: string;
  offeredRps: number;
  sentRps: number;
  okRps: number;
  errors: Record<string, number>;
  latencyUs: LatencySummary;
  serviceTimeUs: LatencySummary;
  sendLagP99Us: number;
  lateSends: number;
}

/** ResultsFile is the whole results.json. */
export interface ResultsFile {
  schemaVersion: number;
  tool: { name: 'gauntlet'; version: string };
  scenario: { name: string; file?: string; description?: string; seed: number; peakRps?: number; durationScale: number };
  plan: Plan;
  target: { name: string; protocol: string; url: string; model?: string; embedded: boolean; costPerHour?: number };
  startedAt: string;
  endedAt?: string;
  /** running while the run goes (the file is rewritten each second), then complete, interrupted or failed. */
  status: 'running' | 'complete' | 'interrupted' | 'failed';
  interrupted: boolean;
  /** False when the measurement cannot be trusted; invalidReasons says why. */
  valid: boolean;
  invalidReasons: string[];
  generator: { workers: number; sendLagUs: LatencySummary; lateSends: number; lateFraction: number };
  totals: { scheduled: number; sent: number; ok: number; failed: number; dropped: number; lost: number };
  phases: PhaseResult[];
  slo: { pass: boolean; checks: SloCheck[] };
  intervals: IntervalResult[];
  server?: { metricsUrl: string; model?: string; intervals: ServerInterval[]; scrapeError?: string };
  errorSamples: ErrorSample[];
  /** Fault timeline (failure drills). */
  faults: unknown[];
  /** Files next to results.json. */
  files: { hlog: string };
}
