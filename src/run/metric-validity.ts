/**
 * Per-metric validity: can the generator's own lateness explain a figure? A send that goes out late is still
 * timed from its intended time, so its lag is part of the latency recorded; a send that never went out in its
 * phase's time is missing from the throughput. Each figure of a phase is judged by how much of it the generator
 * could account for, not by one absolute rule for the whole run (docs/results.md, "Validity").
 */
import type { LatencySummary } from '../metrics/hdr.js';

/** ValidityStatus: valid (the lag cannot matter), marginal (it could, a little), invalid (it could be much of it). */
export type ValidityStatus = 'valid' | 'marginal' | 'invalid';

/** VALIDITY_METRICS are the figures judged per phase: the gated metrics and every SLO metric, SLO names. */
export const VALIDITY_METRICS = ['throughput', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'error_rate'] as const;
/** ValidityMetric is one of VALIDITY_METRICS. */
export type ValidityMetric = (typeof VALIDITY_METRICS)[number];

/** MetricValidity is one figure's verdict, with its numbers. */
export interface MetricValidity {
  status: ValidityStatus;
  /** The most the generator could have added to the figure (latency, error rate) or taken from it (throughput). */
  generatorPart: number;
  /** The unit of generatorPart: ms for latency, rps for throughput, ratio for the error rate. */
  unit: 'ms' | 'rps' | 'ratio';
  /** generatorPart ÷ the figure (throughput: ÷ the offered rate); 0 when both are 0. */
  share: number;
  /** The numbers in words: "p99 6.10 ms, of which up to 0.90 ms (14.8 %) could be the generator's send lag …". */
  reason: string;
}

/** PhaseValidity is a phase's verdict per figure (a latency figure is absent when the phase had no success). */
export type PhaseValidity = Partial<Record<ValidityMetric, MetricValidity>>;

/**
 * VALID_SHARE: a figure is valid while the generator's part is at most this share of it: half the gate's default
 * minimum effect (docs/gates.md), so the lag cannot pass for the smallest change a gate counts. The error rate's
 * limit is absolute (0.0025, half its 0.005 minimum effect).
 */
export const VALID_SHARE: Readonly<Record<ValidityMetric, number>> = { throughput: 0.025, p50: 0.025, p90: 0.05, p95: 0.05, p99: 0.05, 'p99.9': 0.05, max: 0.05, error_rate: 0.0025 };
/** INVALID_SHARE: a figure more than a quarter of which the generator could account for is invalid. */
export const INVALID_SHARE = 0.25;

const LATENCY_KEY: Record<string, keyof LatencySummary> = { p50: 'p50', p90: 'p90', p95: 'p95', p99: 'p99', 'p99.9': 'p999', max: 'max' };
/** The send-lag percentile one step further into the tail than each latency percentile (see judgePhase). */
const TAIL_KEY: Record<string, [keyof LatencySummary, string]> = { p50: ['p90', 'p90'], p90: ['p95', 'p95'], p95: ['p99', 'p99'], p99: ['p999', 'p99.9'], 'p99.9': ['max', 'max'], max: ['max', 'max'] };

/** ValidityInput is what the rule reads of one phase (from a run's aggregate, or from a results file). */
export interface ValidityInput {
  kind: 'open' | 'closed';
  latencyUs: LatencySummary;
  serviceTimeUs: LatencySummary;
  sendLagUs: LatencySummary;
  scheduled: number;
  /** Sends and drops within the phase's time and the second after it. */
  handledInTime: number;
  /** DROPPED counted after that: arrivals the generator gave up unsent. */
  givenUp: number;
  /** sent + dropped: the error rate's denominator. */
  attempted: number;
  offeredRps: number;
  errorRate: number;
}

/** PhaseRow is the part of a per-second row the rule reads: the second on the run's clock, sends and drops. */
export interface PhaseRow {
  second: number;
  sent: number;
  dropped: number;
}

/** inTimeEnd is the first second not in a phase's time: sends after its end's second plus one are late past it. */
export function inTimeEnd(p: { startS: number; durationS: number }): number {
  return Math.ceil(p.startS + p.durationS) + 1;
}

/** rowCounts splits a phase's rows into what was handled in its time and what the generator gave up after it. */
export function rowCounts(p: { startS: number; durationS: number }, rows: readonly PhaseRow[]): { handledInTime: number; givenUp: number } {
  const end = inTimeEnd(p);
  let handledInTime = 0;
  let givenUp = 0;
  for (const r of rows) {
    if (r.second < end) handledInTime += r.sent + r.dropped;
    else givenUp += r.dropped;
  }
  return { handledInTime, givenUp };
}

/**
 * judgePhase judges every figure of one phase. Latency: per request, latency = send lag + client-side wait +
 * service time, so what the lag adds at a percentile is at most latency minus service time there (which also
 * holds the wait for a free connection, the target's doing), and at most about the lag itself when the late sends
 * were also slow ones. The lag is read one step further into the tail (p99.9 for p99): sends late more rarely
 * than the percentile's own tail can still move it when they were slow ones. The smaller of the two is the
 * generator's part.
 * Throughput: the share of the plan not sent (or dropped) within the phase's time. Error rate: arrivals the
 * generator gave up unsent (they count as DROPPED). Closed-loop phases have no send lag.
 */
export function judgePhase(p: ValidityInput): PhaseValidity {
  const out: PhaseValidity = {};
  if (p.latencyUs.count > 0) {
    for (const metric of ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max'] as const) {
      const k = LATENCY_KEY[metric]!;
      const [tail, tailName] = TAIL_KEY[metric]!;
      const value = p.latencyUs[k];
      const lag = p.sendLagUs[tail];
      const partUs = Math.max(0, Math.min(lag, value - p.serviceTimeUs[k]));
      const share = value > 0 ? partUs / value : 0;
      const reason = `${metric} ${msText(value)}, of which up to ${msText(partUs)} (${pctText(share)}) could be the generator's send lag (send lag ${tailName} ${msText(lag)}, service time ${metric} ${msText(p.serviceTimeUs[k])})`;
      out[metric] = { status: statusOf(metric, share), generatorPart: partUs / 1000, unit: 'ms', share, reason };
    }
  }
  const unsent = p.kind === 'open' && p.scheduled > 0 ? Math.max(0, p.scheduled - p.handledInTime) / p.scheduled : 0;
  out.throughput = {
    status: statusOf('throughput', unsent),
    generatorPart: unsent * p.offeredRps,
    unit: 'rps',
    share: unsent,
    reason:
      p.kind === 'closed'
        ? 'closed loop: each request starts when one ends, so there is no send lag'
        : `${pctText(unsent)} of the ${p.scheduled} planned requests were not sent within the phase's time (up to ${rpsText(unsent * p.offeredRps)} of ${rpsText(p.offeredRps)} offered)`,
  };
  const givenUp = p.attempted > 0 ? p.givenUp / p.attempted : 0;
  const errorShare = p.errorRate > 0 ? givenUp / p.errorRate : 0;
  out.error_rate = {
    status: givenUp <= VALID_SHARE.error_rate ? 'valid' : errorShare > INVALID_SHARE ? 'invalid' : 'marginal',
    generatorPart: givenUp,
    unit: 'ratio',
    share: errorShare,
    reason: `${p.givenUp} of ${p.attempted} requests were given up unsent by the generator (DROPPED: ${pctText(givenUp)} of the error rate's ${pctText(p.errorRate)})`,
  };
  return out;
}

function statusOf(metric: ValidityMetric, share: number): ValidityStatus {
  if (share <= VALID_SHARE[metric]) return 'valid';
  return share > INVALID_SHARE ? 'invalid' : 'marginal';
}

/** msText formats microseconds as milliseconds (2 decimals below 10 ms). */
export function msText(us: number): string {
  return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
}

/** pctText formats a ratio as a percentage (2 decimals below 10 %). */
export function pctText(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 2 : 1)} %`;
}

function rpsText(x: number): string {
  return `${x.toFixed(x < 100 ? 1 : 0)} rps`;
}
