/**
 * The judgements characterize draws from the measured figures, each with its rule in words: whether the
 * workload is throughput- or latency-constrained, and the SLO thresholds to hold.
 */
import type { Characterization } from './characterization.js';
import { KNEE_RISE, MIN_BUCKET_REQUESTS, MIN_BUCKET_SECONDS, qualifying } from './analyze-latency.js';
import { round3 } from './analyze-rates.js';
import { roundUp2 } from './stats-dist.js';

/** MIN_LOAD_SPREAD is how much busier the busiest judged load bucket must be than the lightest to tell anything. */
export const MIN_LOAD_SPREAD = 1.5;
/** MIN_SLO_SAMPLES: below this many latencies in the busiest 10 s window, SLOs come from the whole log. */
export const MIN_SLO_SAMPLES = 100;
/** MIN_ERROR_RATE_SLO is the least error-rate SLO suggested (0.1 %). */
export const MIN_ERROR_RATE_SLO = 0.001;

/** CLASSIFICATION_RULE states how the workload is classified. */
export const CLASSIFICATION_RULE =
  `throughput-constrained when the p99 of the busiest load bucket is ≥ ${KNEE_RISE}× the p99 of the lightest (of the buckets with ≥ ${MIN_BUCKET_REQUESTS} requests over ≥ ${MIN_BUCKET_SECONDS} s): latency rises with load, so capacity is what binds at peak and more traffic needs more servers; ` +
  `latency-constrained when it does not: the servers have headroom at the observed peak, and the latency of a single request is what binds (more servers would not lower it). ` +
  `unknown without latencies, with fewer than 2 such buckets, or when the busiest bucket's rate is under ${MIN_LOAD_SPREAD}× the lightest's (the load did not vary enough to tell)`;

const mid = (b: { fromRps: number; toRps: number }): number => (b.fromRps + b.toRps) / 2;

/** classify applies CLASSIFICATION_RULE. */
export function classify(latency: Characterization['latency']): Characterization['classification'] {
  const rule = CLASSIFICATION_RULE;
  if (!latency) return { kind: 'unknown', rule, reasons: ['the logs carry no latency'] };
  const q = qualifying(latency.byLoad);
  if (q.length < 2) return { kind: 'unknown', rule, reasons: [`${q.length} load bucket(s) with ≥ ${MIN_BUCKET_REQUESTS} requests over ≥ ${MIN_BUCKET_SECONDS} s; 2 are needed`] };
  const light = q[0]!;
  const heavy = q[q.length - 1]!;
  const spread = mid(heavy) / Math.max(mid(light), 1e-9);
  const figures = `p99 ${light.p99Ms} ms at ${light.fromRps}–${light.toRps} rps (${light.seconds} s), ${heavy.p99Ms} ms at ${heavy.fromRps}–${heavy.toRps} rps (${heavy.seconds} s)`;
  if (spread < MIN_LOAD_SPREAD) return { kind: 'unknown', rule, reasons: [`the busiest judged load is only ${round3(spread)}× the lightest (< ${MIN_LOAD_SPREAD}×)`, figures] };
  const rise = heavy.p99Ms / Math.max(light.p99Ms, 1e-9);
  const reasons = [figures, `p99 rises ${round3(rise)}× over ${round3(spread)}× the load`];
  if (latency.knee) reasons.push(`knee at ${latency.knee.rps} rps (p99 ${latency.knee.p99Ms} ms)`);
  return { kind: rise >= KNEE_RISE ? 'throughput-constrained' : 'latency-constrained', rule, reasons };
}

/** suggestSlo: the latencies observed in the busiest 10 s window × headroom, and the error rate × headroom. */
export function suggestSlo(latency: Characterization['latency'], status: Characterization['status'], hasStatus: boolean, headroom: number): Characterization['slo'] {
  const slo: Characterization['slo'] = { headroom, rule: '' };
  const parts: string[] = [];
  if (latency) {
    const useWindow = latency.busiest10s.count >= MIN_SLO_SAMPLES;
    const src = useWindow ? latency.busiest10s : latency.overall;
    slo.p50Ms = roundUp2(src.p50 * headroom);
    slo.p95Ms = roundUp2(src.p95 * headroom);
    slo.p99Ms = roundUp2(src.p99 * headroom);
    parts.push(
      useWindow
        ? `p50, p95 and p99 observed in the busiest 10 s window × ${headroom}, rounded up to 2 significant figures`
        : `p50, p95 and p99 of the whole log × ${headroom}, rounded up to 2 significant figures (the busiest 10 s window has fewer than ${MIN_SLO_SAMPLES} latencies)`,
    );
  }
  if (hasStatus) {
    slo.errorRate = roundUp2(Math.max(status.errorRate * headroom, MIN_ERROR_RATE_SLO));
    parts.push(`error rate: the observed server-error rate × ${headroom}, at least ${MIN_ERROR_RATE_SLO}, rounded up to 2 significant figures`);
  }
  slo.rule = parts.length ? parts.join('; ') : 'no latencies or statuses in the logs: no SLO suggested';
  return slo;
}
