/**
 * The terminal summary of a characterization: the four answers phase 1 of an assessment asks for (peak and its
 * p99, payload sizes, the constraint, the SLOs to hold, bursts and peak-to-average), each with its rule.
 */
import { count, msValue, pct, rps, seconds, sig } from '../report/format.js';
import type { Characterization, Percentiles } from './characterization.js';

/** bytes formats a size in bytes (B, KiB, MiB). */
function bytes(v: number): string {
  if (v < 1024) return `${Math.round(v)} B`;
  if (v < 1024 * 1024) return `${sig(v / 1024)} KiB`;
  return `${sig(v / 1024 / 1024)} MiB`;
}

function sizes(p: Percentiles): string {
  return `p50 ${bytes(p.p50)}, p99 ${bytes(p.p99)}, max ${bytes(p.max)}`;
}

/** summaryLines renders a characterization for the terminal. */
export function summaryLines(c: Characterization): string[] {
  const r = c.rates;
  const out: string[] = [];
  const files = c.inputs.files.map((f) => `${f.name} (${f.format}, ${count(f.records)} requests${f.malformed ? `, ${count(f.malformed)} malformed` : ''}${f.truncated ? ', TRUNCATED' : ''})`);
  out.push(`Read ${files.join('; ')}`);
  out.push(`Arrival times: ${c.inputs.arrivalTime}`);
  for (const n of c.inputs.notes) out.push(`Note: ${n}`);
  out.push('');
  out.push(`Requests      ${count(r.requests)} over ${seconds(r.spanS)} (${r.firstIso} to ${r.lastIso}), mean ${rps(r.meanRps)} rps`);
  out.push(`Peak          ${r.peaks.map((p) => `${rps(p.rps)} rps over ${p.windowS} s at ${p.atIso}`).join('; ')}`);
  out.push(`Peak/average  ${sig(r.peakToAverage)} (the ${r.peakWindowS} s peak: ${rps(r.peakRps)} rps)`);
  const b = c.bursts;
  out.push(`Bursts        ${b.count === 0 ? 'none' : `${count(b.count)}, duration p50 ${sig(b.durationS!.p50)} s, p90 ${sig(b.durationS!.p90)} s, max ${sig(b.durationS!.max)} s`} (above ${b.k} × the trailing ${b.medianWindowS} s median, at least ${b.minDurationS} s)`);
  const a = c.arrivals;
  out.push(`Arrivals      CV ${sig(a.interArrivalCv)}, ${a.fit.best === 'poisson' ? 'Poisson' : `gamma, shape ${sig(a.fit.gammaShape)} (burstiness ${sig(a.fit.burstiness)})`}${a.measured ? '' : ' — assumed: 1 s timestamps'}`);
  if (c.latency) {
    const l = c.latency;
    out.push(`Latency       p50 ${msValue(l.overall.p50)} ms, p95 ${msValue(l.overall.p95)} ms, p99 ${msValue(l.overall.p99)} ms, p99.9 ${msValue(l.overall.p999)} ms`);
    out.push(`  busiest 10 s (${rps(l.busiest10s.rps)} rps at ${l.busiest10s.atIso}): p50 ${msValue(l.busiest10s.p50)} ms, p99 ${msValue(l.busiest10s.p99)} ms`);
    out.push(`  knee        ${l.knee ? `p99 bends at ${rps(l.knee.rps)} rps (p99 ${msValue(l.knee.p99Ms)} ms; ${l.knee.rule})` : 'none: p99 does not bend within the observed load'}`);
  } else out.push('Latency       not in the log');
  out.push(`Requests size ${c.payloads.request ? sizes(c.payloads.request) : 'not in the log'}`);
  out.push(`Response size ${c.payloads.response ? sizes(c.payloads.response) : 'not in the log'}`);
  const s = c.status;
  out.push(`Errors        ${pct(s.errorRate)} server errors, ${pct(s.clientErrorRate)} client errors; ${s.byStatus.slice(0, 6).map((x) => `${x.status} ${pct(x.share)}`).join(', ')}`);
  if (c.routes.length > 0) out.push(`Routes        ${c.routes.slice(0, 6).map((x) => `${x.name} ${pct(x.share)}`).join(', ')}${c.routes.length > 6 ? ', …' : ''}`);
  out.push(`Constraint    ${c.classification.kind}${c.classification.reasons.length ? `: ${c.classification.reasons.join('; ')}` : ''}`);
  out.push(`  rule: ${c.classification.rule}`);
  const slo = [c.slo.p50Ms && `p50 ${msValue(c.slo.p50Ms)} ms`, c.slo.p95Ms && `p95 ${msValue(c.slo.p95Ms)} ms`, c.slo.p99Ms && `p99 ${msValue(c.slo.p99Ms)} ms`, c.slo.errorRate !== undefined && `errors ${pct(c.slo.errorRate)}`].filter(Boolean);
  out.push(`SLOs          ${slo.length ? slo.join(', ') : 'none (no latency in the log)'}`);
  out.push(`  rule: ${c.slo.rule}`);
  if (c.malformed.count > 0) {
    out.push(`Malformed     ${count(c.malformed.count)} lines (${pct(c.malformed.fraction)}; refused above ${pct(c.malformed.maxFraction)}), first: ${c.malformed.first.map((m) => `${m.file}:${m.line} ${m.reason}`).join('; ')}`);
  }
  return out;
}
