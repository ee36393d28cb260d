/**
 * The charts of an LLM run: TTFT and ITL per second, output tokens per second (the client's, and the server's
 * generation tokens/s beside it when it exports vLLM's metrics), the server's running and waiting sequences and
 * KV-cache usage, and the TTFT and ITL percentile spectra per phase. Per-second figures come from
 * results.intervals[].tokens; in the second where one phase hands over to the next both rows count: their output
 * tokens are added, and the busier row's percentiles stand for the second (the per-second token histograms are
 * in the .hlog, not in results.json). Every time chart shares the run's time axis (runTimeAxis).
 */
import { decodeHistogram } from '../metrics/hdr.js';
import type { IntervalTokens, ResultsFile } from '../results/results-schema.js';
import type { LlmServerInterval } from '../metrics/server-scrape.js';
import { type ChartSpec, colorAt, PERCENTILE_COLORS } from './chart-spec.js';
import { spectrumChart } from './spectrum-data.js';
import { faultMarkers, phaseBands, runTimeAxis, type Second } from './timeline-data.js';

/** TokenSecond is one second's token figures, all phases' rows together. */
export interface TokenSecond {
  t: number;
  requests: number;
  outputTokens: number;
  ttftP50Us: number | null;
  ttftP99Us: number | null;
  itlP99Us: number | null;
}

/** tokenSeconds merges the interval rows' token figures into one row per second (seconds without any are absent). */
export function tokenSeconds(r: ResultsFile): Map<number, TokenSecond> {
  const rows = new Map<number, IntervalTokens[]>();
  for (const row of r.intervals) if (row.tokens) rows.set(row.t, [...(rows.get(row.t) ?? []), row.tokens]);
  const out = new Map<number, TokenSecond>();
  for (const [t, list] of rows) {
    const busiest = list.reduce((a, b) => (b.requests > a.requests ? b : a));
    const has = busiest.requests > 0;
    out.set(t, {
      t,
      requests: list.reduce((n, x) => n + x.requests, 0),
      outputTokens: list.reduce((n, x) => n + x.outputTokens, 0),
      ttftP50Us: has ? busiest.ttftUs.p50 : null,
      ttftP99Us: has ? busiest.ttftUs.p99 : null,
      itlP99Us: has && busiest.itlUs.p99 > 0 ? busiest.itlUs.p99 : null,
    });
  }
  return out;
}

/** llmSeconds is the server's LLM view by second (empty when it exports no vLLM metrics). */
export function llmSeconds(r: ResultsFile): Map<number, LlmServerInterval> {
  return new Map((r.server?.intervals ?? []).flatMap((s) => (s.llm ? [[s.second, s.llm] as const] : [])));
}

/** secondsSpan lists every whole second from the first to the last of the keys given. */
function secondsSpan(...keys: Iterable<number>[]): number[] {
  let first = Infinity;
  let last = -Infinity;
  for (const k of keys) for (const t of k) {
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  const xs: number[] = [];
  for (let t = first; t <= last; t++) xs.push(t);
  return xs;
}

/** sloLimit is a token threshold to draw: the scenario's, else the one every checked phase shares (like p99Limit). */
export function sloLimit(r: ResultsFile, key: 'ttftP99Ms' | 'itlP99Ms'): number | undefined {
  if (r.plan.slo[key] !== undefined) return r.plan.slo[key];
  const limits = new Set(r.plan.phases.flatMap((p) => (p.slo?.[key] !== undefined ? [p.slo[key]] : [])));
  return limits.size === 1 ? [...limits][0] : undefined;
}

const msOrNull = (us: number | null | undefined): number | null => (us === null || us === undefined || !(us > 0) ? null : us / 1000);
const round2 = (v: number | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 100) / 100 : null);

/** ttftChart: TTFT p50 and p99 and ITL p99 of each second (log scale), with the TTFT p99 threshold; undefined without token rows. */
export function ttftChart(id: string, r: ResultsFile, seconds: Second[]): ChartSpec | undefined {
  const tok = tokenSeconds(r);
  if (tok.size === 0) return undefined;
  const xs = secondsSpan(seconds.map((s) => s.t), tok.keys());
  const limit = sloLimit(r, 'ttftP99Ms');
  return {
    id,
    x: { ...runTimeAxis(r, seconds), values: xs.map((t) => t + 0.5) },
    y: { label: 'time (ms)', log: true },
    series: [
      { label: 'TTFT p50', values: xs.map((t) => msOrNull(tok.get(t)?.ttftP50Us)), color: PERCENTILE_COLORS.p50, unit: 'ms' },
      { label: 'TTFT p99', values: xs.map((t) => msOrNull(tok.get(t)?.ttftP99Us)), color: PERCENTILE_COLORS.p99, unit: 'ms', width: 2 },
      { label: 'ITL p99', values: xs.map((t) => msOrNull(tok.get(t)?.itlP99Us)), color: '#0072B2', unit: 'ms', dash: [6, 4] },
    ],
    bands: phaseBands(r),
    markers: faultMarkers(r),
    lines: limit !== undefined ? [{ y: limit, label: `SLO TTFT p99 ${limit} ms`, color: '#B00020' }] : [],
  };
}

/** outputRateChart: output tokens completed per second by the client's count, beside the server's generation tokens/s when exported. */
export function outputRateChart(id: string, r: ResultsFile, seconds: Second[]): ChartSpec | undefined {
  const tok = tokenSeconds(r);
  if (tok.size === 0) return undefined;
  const llm = llmSeconds(r);
  const xs = secondsSpan(seconds.map((s) => s.t), tok.keys(), llm.keys());
  const measured = new Set(seconds.map((s) => s.t));
  const series: ChartSpec['series'] = [{ label: 'output tokens (client)', values: xs.map((t) => tok.get(t)?.outputTokens ?? (measured.has(t) ? 0 : null)), color: '#0072B2', width: 2, unit: '/s' }];
  if (llm.size) series.push({ label: 'generation tokens (server)', values: xs.map((t) => { const s = llm.get(t); return s ? round2(s.generationTokensPerS) : null; }), color: '#D55E00', dash: [6, 4], unit: '/s' });
  return { id, x: { ...runTimeAxis(r, seconds), values: xs.map((t) => t + 0.5) }, y: { label: 'tokens per second', fromZero: true }, series, bands: phaseBands(r), markers: faultMarkers(r) };
}

/** llmServerChart: the server's running and waiting sequences (left) and KV-cache usage in % (right); undefined without vLLM metrics. */
export function llmServerChart(id: string, r: ResultsFile, seconds: Second[]): ChartSpec | undefined {
  const llm = llmSeconds(r);
  if (llm.size === 0) return undefined;
  const xs = secondsSpan(seconds.map((s) => s.t), llm.keys());
  const v = (f: (s: LlmServerInterval) => number): (number | null)[] => xs.map((t) => { const s = llm.get(t); return s ? round2(f(s)) : null; });
  return {
    id,
    x: { ...runTimeAxis(r, seconds), values: xs.map((t) => t + 0.5) },
    y: { label: 'sequences', fromZero: true },
    y2: { label: 'KV-cache usage (%)', fromZero: true },
    series: [
      { label: 'running', values: v((s) => s.running), color: '#009E73', width: 2, style: 'step' },
      { label: 'waiting', values: v((s) => s.waiting), color: '#D55E00', style: 'step' },
      { label: 'KV cache', values: v((s) => s.kvCacheUsage * 100), color: '#CC79A7', axis: 'right', dash: [6, 4], unit: '%' },
    ],
    bands: phaseBands(r),
    markers: faultMarkers(r),
  };
}

/** decodes says whether a histogram from the file can be read (a damaged one is left out of the chart, not thrown). */
function decodes(encoded: string): boolean {
  try {
    decodeHistogram(encoded);
    return true;
  } catch {
    return false;
  }
}

/** tokenSpectrumChart overlays each phase's TTFT or ITL spectrum from its histogram; undefined when none has samples. */
export function tokenSpectrumChart(id: string, r: ResultsFile, which: 'ttft' | 'itl'): ChartSpec | undefined {
  const entries = r.phases.flatMap((p, i) => {
    const h = p.tokens?.histograms?.[which];
    return typeof h === 'string' && h && decodes(h) ? [{ label: p.name, histogram: h, color: colorAt(i) }] : [];
  });
  const limit = sloLimit(r, which === 'ttft' ? 'ttftP99Ms' : 'itlP99Ms');
  const spec = spectrumChart(id, entries, limit !== undefined ? { y: limit, label: `SLO ${which.toUpperCase()} p99 ${limit} ms` } : undefined);
  return spec && { ...spec, y: { label: `${which.toUpperCase()} (ms)`, log: true } };
}
