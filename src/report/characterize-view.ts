/**
 * The facts of a characterization as text and table rows, shared by its HTML and Markdown pages so both say the
 * same thing the same way: the title, what the traffic was in a few sentences, the warnings, and the rows of the
 * peaks, bursts, latency, payload, status, route, hour-of-day and input tables. Pure and deterministic.
 */
import type { Characterization, Percentiles } from '../characterize/characterization.js';
import { count, msValue, pct, plural, rps, seconds } from './format.js';
import { bytesText } from './profile-tables.js';
import type { Warning } from './run-facts.js';

/** num shows a figure with at most 3 significant digits and no trailing zeros (3, 0.62, 163). */
export function num(v: number): string {
  return Number.isFinite(v) ? String(+v.toPrecision(3)) : '-';
}

/** clock shows seconds since the first request as h:mm:ss (or m:ss under an hour). */
export function clock(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** sentence ends a rule or reason from the record with a full stop, unless it has one. */
export function sentence(s: string): string {
  return /[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`;
}

/** MAX_BURST_ROWS bounds the bursts table (the count says how many there were). */
export const MAX_BURST_ROWS = 20;

/** characterizeTitle is the page's headline: how many requests over how long. */
export function characterizeTitle(c: Characterization): string {
  return `Workload characterization: ${count(c.rates.requests)} requests over ${seconds(Math.round(c.rates.spanS))}`;
}

/** characterizeSubtitle says when the traffic was and where it was read from. */
export function characterizeSubtitle(c: Characterization): string {
  const files = c.inputs.files;
  const formats = [...new Set(files.map((f) => f.format))].join(', ');
  return `${c.rates.firstIso} – ${c.rates.lastIso} · ${files.length === 1 ? (files[0]!.name === '-' ? 'stdin' : files[0]!.name) : plural(files.length, 'file')} (${formats}) · gauntlet ${c.gauntletVersion}`;
}

/** peakOf is the peak of the window the scenario's peak_rps came from (the record's peakRps when none matches). */
function peakOf(c: Characterization): { rps: number; windowS: number; atIso?: string } {
  const p = c.rates.peaks.find((x) => x.windowS === c.rates.peakWindowS);
  return { rps: c.rates.peakRps, windowS: c.rates.peakWindowS, ...(p ? { atIso: p.atIso } : {}) };
}

/** fitText names the arrival fit: Poisson, or gamma with its shape, and whether the gaps were measured. */
export function fitText(c: Characterization): string {
  const f = c.arrivals.fit;
  const what = f.best === 'poisson' ? 'Poisson' : `gamma (shape ${num(f.gammaShape)}, burstiness ${num(f.burstiness)})`;
  return `${what}, ${c.arrivals.measured ? 'measured from the gaps' : 'assumed, not measured (1 s timestamps were spread within their second)'}`;
}

/** sloText lists the suggested SLO thresholds ('none' when the log gave none). */
export function sloText(c: Characterization): string {
  const s = c.slo;
  const parts = [s.p50Ms !== undefined ? `p50 ≤ ${msValue(s.p50Ms)} ms` : '', s.p95Ms !== undefined ? `p95 ≤ ${msValue(s.p95Ms)} ms` : '', s.p99Ms !== undefined ? `p99 ≤ ${msValue(s.p99Ms)} ms` : '', s.errorRate !== undefined ? `error rate ≤ ${pct(s.errorRate)}` : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : 'none';
}

/** characterizeSummary says what the traffic was, a sentence per aspect; a missing aspect says so. */
export function characterizeSummary(c: Characterization): string[] {
  const r = c.rates;
  const p = peakOf(c);
  const out = [`${count(r.requests)} requests over ${seconds(Math.round(r.spanS))}: a mean of ${rps(r.meanRps)} requests/s.`];
  out.push(`Peak ${rps(p.rps)} requests/s over the busiest aligned ${seconds(p.windowS)} window${p.atIso ? ` (from ${p.atIso})` : ''}: ${num(r.peakToAverage)}× the mean.`);
  const b = c.bursts;
  if (b.count === 0) out.push(`No bursts: no run of ${seconds(b.minDurationS)} or more above ${num(b.k)}× the rolling median of ${seconds(b.medianWindowS)}.`);
  else {
    const d = b.durationS;
    out.push(`${plural(b.count, 'burst')} above ${num(b.k)}× the rolling median of ${seconds(b.medianWindowS)}${d ? `: durations p50 ${seconds(d.p50)}, p90 ${seconds(d.p90)}, longest ${seconds(d.max)}` : ''}${b.medianGapS !== undefined ? `; a median of ${seconds(b.medianGapS)} between starts` : ''}.`);
  }
  out.push(`Arrivals: inter-arrival CV ${num(c.arrivals.interArrivalCv)} (1 is Poisson), mean gap ${msValue(c.arrivals.meanGapMs)} ms; the better fit is ${fitText(c)}.`);
  const l = c.latency;
  if (l) out.push(`Latency p50 ${msValue(l.overall.p50)} ms, p99 ${msValue(l.overall.p99)} ms overall; p99 ${msValue(l.busiest10s.p99)} ms in the busiest 10 s (${rps(l.busiest10s.rps)} requests/s)${l.knee ? `; it bends at ${rps(l.knee.rps)} requests/s (p99 ${msValue(l.knee.p99Ms)} ms)` : '; no knee in latency against load'}.`);
  else out.push('No latency: the log carries none.');
  const q = c.payloads.request;
  if (q) out.push(`Request sizes p50 ${bytesText(q.p50)}, p99 ${bytesText(q.p99)}, max ${bytesText(q.max)}.`);
  else out.push('No request sizes: the log carries none.');
  out.push(c.inputs.fields.status ? `Error rate ${pct(c.status.errorRate)} (server errors), client errors ${pct(c.status.clientErrorRate)}.` : 'No statuses: the log carries none, so no error rate.');
  const files = c.inputs.files;
  const records = files.reduce((a, f) => a + f.records, 0);
  out.push(`Read ${plural(files.length, 'input')} (${[...new Set(files.map((f) => f.format))].join(', ')}): ${count(records)} records, ${count(c.malformed.count)} malformed ${c.malformed.count === 1 ? 'line' : 'lines'}; arrival time: ${sentence(c.inputs.arrivalTime)}${c.inputs.notes.length ? ` ${c.inputs.notes.map(sentence).map((n) => n.charAt(0).toUpperCase() + n.slice(1)).join(' ')}` : ''}`);
  return out;
}

/** characterizeWarnings are what limits the figures: inputs cut short, lines not read, arrival times assumed. */
export function characterizeWarnings(c: Characterization): Warning[] {
  const out: Warning[] = [];
  for (const f of c.inputs.files) if (f.truncated) out.push({ severity: 'warning', text: `${f.name} ended early (a truncated gzip file): it is characterized up to the break.` });
  if (c.malformed.count > 0) out.push({ severity: 'warning', text: `${count(c.malformed.count)} malformed ${c.malformed.count === 1 ? 'line was' : 'lines were'} skipped (${pct(c.malformed.fraction)} of lines; more than ${pct(c.malformed.maxFraction)} is refused).` });
  if (c.inputs.spreadWithinSecond) out.push({ severity: 'warning', text: 'Timestamps have 1 s resolution: requests were spread uniformly within their second, so the 1 s peak and the inter-arrival gaps inside a second are not measured.' });
  return out;
}

/** inputFacts are the lines under the inputs table: where arrival times come from, their resolution, the fields, the notes. */
export function inputFacts(c: Characterization): string[] {
  const i = c.inputs;
  const res = i.timestampResolutionUs >= 1e6 ? `${num(i.timestampResolutionUs / 1e6)} s` : i.timestampResolutionUs >= 1000 ? `${num(i.timestampResolutionUs / 1000)} ms` : `${num(i.timestampResolutionUs)} µs`;
  const fields = Object.entries(i.fields);
  const has = fields.filter(([, v]) => v).map(([k]) => FIELD_NAMES[k] ?? k);
  const lacks = fields.filter(([, v]) => !v).map(([k]) => FIELD_NAMES[k] ?? k);
  return [
    `Arrival time: ${i.arrivalTime}.`,
    `Timestamp resolution: ${res}${i.spreadWithinSecond ? ', spread within each second' : ''}.`,
    `Fields carried: ${has.join(', ') || 'none but the time'}${lacks.length ? `; not carried: ${lacks.join(', ')}` : ''}.`,
    ...i.notes.map((n) => `Note: ${sentence(n)}`),
  ];
}

const FIELD_NAMES: Record<string, string> = { latency: 'latency', requestBytes: 'request bytes', responseBytes: 'response bytes', status: 'status', route: 'route or model' };

/** FILE_HEADER heads the inputs table. */
export const FILE_HEADER = ['input', 'format', 'lines', 'records', 'malformed', 'note'];
/** fileRows are the inputs, one row each. */
export function fileRows(c: Characterization): string[][] {
  return c.inputs.files.map((f) => [f.name, f.format, count(f.lines), count(f.records), count(f.malformed), f.truncated ? 'truncated gzip: read up to the break' : '']);
}

/** PEAK_HEADER heads the peaks table. */
export const PEAK_HEADER = ['window', 'peak requests/s', '× mean', 'from', 'since first request'];
/** peakRows are the busiest aligned windows, shortest first. */
export function peakRows(c: Characterization): string[][] {
  return [...c.rates.peaks].sort((a, b) => a.windowS - b.windowS).map((p) => [`${seconds(p.windowS)}${p.windowS === c.rates.peakWindowS ? ' (peak_rps)' : ''}`, rps(p.rps), c.rates.meanRps > 0 ? num(p.rps / c.rates.meanRps) : '-', p.atIso, clock(p.atS)]);
}

/** BURST_HEADER heads the bursts table. */
export const BURST_HEADER = ['#', 'start', 'since first request', 'duration', 'peak requests/s', 'baseline requests/s', 'peak ÷ baseline', 'requests'];
/** burstRows are the first MAX_BURST_ROWS bursts. */
export function burstRows(c: Characterization): string[][] {
  return c.bursts.list.slice(0, MAX_BURST_ROWS).map((b, i) => [String(i + 1), b.startIso, clock(b.startS), seconds(b.durationS), rps(b.peakRps), rps(b.baselineRps), b.baselineRps > 0 ? `${num(b.peakRps / b.baselineRps)}×` : '-', count(b.requests)]);
}

/** burstsNote says how many bursts there were and how many the table shows, with the detection rule. */
export function burstsNote(c: Characterization): string {
  const b = c.bursts;
  const shown = Math.min(b.list.length, MAX_BURST_ROWS);
  return `${b.count === 0 ? 'No bursts' : plural(b.count, 'burst')}${b.count > shown ? ` (the first ${shown} shown)` : ''}. Rule: ${sentence(b.rule)}`;
}

/** PERCENTILE_HEADER heads the latency and payload tables. */
export const PERCENTILE_HEADER = ['', 'count', 'p50', 'p95', 'p99', 'p99.9', 'max', 'mean'];
/** percentileRow is one distribution as a row, values shown by `fmt`. */
export function percentileRow(name: string, p: Percentiles, fmt: (v: number) => string): string[] {
  return [name, count(p.count), fmt(p.p50), fmt(p.p95), fmt(p.p99), fmt(p.p999), fmt(p.max), fmt(p.mean)];
}

/** latencyRows are the latency percentiles overall and in the busiest 10 s, in ms. */
export function latencyRows(c: Characterization): string[][] {
  const l = c.latency;
  if (!l) return [];
  return [percentileRow('overall (ms)', l.overall, msValue), percentileRow(`busiest 10 s, ${rps(l.busiest10s.rps)}/s from ${l.busiest10s.atIso} (ms)`, l.busiest10s, msValue)];
}

/** LOAD_HEADER heads latency against load. */
export const LOAD_HEADER = ['requests/s', 'seconds', 'requests', 'p50 ms', 'p99 ms'];
/** loadRows are latency against load, a row per rate bucket, the knee's bucket marked. */
export function loadRows(c: Characterization): string[][] {
  const knee = c.latency?.knee;
  return (c.latency?.byLoad ?? []).map((b) => [`${num(b.fromRps)}–${num(b.toRps)}${knee && knee.rps >= b.fromRps && knee.rps < b.toRps ? ' (knee)' : ''}`, count(b.seconds), count(b.requests), msValue(b.p50Ms), msValue(b.p99Ms)]);
}

/** payloadRows are the request and response sizes that the log carried. */
export function payloadRows(c: Characterization): string[][] {
  const out: string[][] = [];
  if (c.payloads.request) out.push(percentileRow('request', c.payloads.request, bytesText));
  if (c.payloads.response) out.push(percentileRow('response', c.payloads.response, bytesText));
  return out;
}

/** STATUS_HEADER heads the status mix. */
export const STATUS_HEADER = ['status', 'requests', 'share'];
/** statusRows are the status mix, as recorded. */
export function statusRows(c: Characterization): string[][] {
  return c.status.byStatus.map((s) => [s.status, count(s.count), pct(s.share)]);
}

/** ROUTE_HEADER heads the per-route table. */
export const ROUTE_HEADER = ['route or model', 'requests', 'share', 'peak requests/s', 'error rate', 'p99 ms', 'request bytes p50'];
/** MAX_ROUTE_ROWS bounds the per-route table (routesNote says how many more there were). */
export const MAX_ROUTE_ROWS = 50;

/** routeRows are the first MAX_ROUTE_ROWS routes or models, as recorded (characterize lists the busiest first). */
export function routeRows(c: Characterization): string[][] {
  return c.routes.slice(0, MAX_ROUTE_ROWS).map((r) => [r.name, count(r.requests), pct(r.share), rps(r.peakRps), pct(r.errorRate), msValue(r.p99Ms), bytesText(r.requestBytesP50)]);
}

/** routesNote says how many routes the table leaves out ('' when none). */
export function routesNote(c: Characterization): string {
  const left = c.routes.length - MAX_ROUTE_ROWS;
  return left > 0 ? `…and ${count(left)} more routes or models (characterization.json has them all).` : '';
}

/** HOUR_HEADER heads the hour-of-day table. */
export const HOUR_HEADER = ['hour (UTC)', 'mean requests/s', 'requests'];
/** hourRows are the mean rate per hour of day, when the log spans a day or more. */
export function hourRows(c: Characterization): string[][] {
  return (c.rates.hourOfDay ?? []).map((h) => [`${String(h.hour).padStart(2, '0')}:00`, rps(h.meanRps), count(h.requests)]);
}

/** MALFORMED_HEADER heads the first malformed lines. */
export const MALFORMED_HEADER = ['input', 'line', 'why'];
/** malformedRows are the first malformed lines (their text is never kept). */
export function malformedRows(c: Characterization): string[][] {
  return c.malformed.first.map((m) => [m.file, String(m.line), m.reason]);
}
