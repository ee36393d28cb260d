/**
 * The server's side of the story, from the target's own metrics scraped each second (results.server.intervals,
 * Triton's metric names): how long a request waited in the queue against how long it computed, next to the
 * latency the client saw, and how many requests the server batched per execution. Where the client's p50 is far
 * above the server's request time, the time went outside the server (network, client, connection queueing).
 */
import type { ResultsFile } from '../results/results-schema.js';
import type { ServerInterval } from '../metrics/server-scrape.js';
import type { ChartSpec } from './chart-spec.js';
import { faultMarkers, phaseBands, runTimeAxis, type Second } from './timeline-data.js';

/** hasServerView is true when the run has the server's per-second metrics. */
export function hasServerView(r: ResultsFile): boolean {
  return (r.server?.intervals.length ?? 0) > 0;
}

/**
 * hasTritonView is true when the server's metrics say something about requests, queue and batches (Triton's
 * names). An LLM server that exports only vLLM's metrics has zeros there: its view is in the tokens section.
 */
export function hasTritonView(r: ResultsFile): boolean {
  const rows = r.server?.intervals ?? [];
  if (rows.length === 0) return false;
  return !rows.some((s) => s.llm) || rows.some((s) => s.requestsPerS > 0 || s.inferencesPerS > 0 || s.executionsPerS > 0);
}

/** computeUs is the server's compute time per request: input, inference and output together. */
export function computeUs(s: ServerInterval): number {
  return s.computeInputUs + s.computeInferUs + s.computeOutputUs;
}

function axis(r: ResultsFile, seconds: Second[]): { xs: number[]; bySecond: Map<number, ServerInterval>; client: Map<number, Second> } {
  const server = r.server?.intervals ?? [];
  const bySecond = new Map(server.map((s) => [s.second, s]));
  const client = new Map(seconds.map((s) => [s.t, s]));
  let first = Infinity;
  let last = -Infinity;
  for (const t of [...bySecond.keys(), ...client.keys()]) {
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  const xs: number[] = [];
  for (let t = first; t <= last; t++) xs.push(t);
  return { xs, bySecond, client };
}

const positiveMs = (us: number | undefined | null): number | null => (us === undefined || us === null || !(us > 0) ? null : us / 1000);

/** serverTimeChart: per second, the client's p50 beside the server's request, queue and compute time per request. */
export function serverTimeChart(id: string, r: ResultsFile, seconds: Second[]): ChartSpec | undefined {
  if (!hasServerView(r)) return undefined;
  const { xs, bySecond, client } = axis(r, seconds);
  return {
    id,
    x: { ...runTimeAxis(r, seconds), values: xs.map((t) => t + 0.5) },
    y: { label: 'time per request (ms)', log: true },
    series: [
      { label: 'client p50 (latency)', values: xs.map((t) => positiveMs(client.get(t)?.p50Us)), color: '#000000', width: 2, unit: 'ms' },
      { label: 'server: request', values: xs.map((t) => positiveMs(bySecond.get(t)?.requestUs)), color: '#0072B2', unit: 'ms' },
      { label: 'server: queue', values: xs.map((t) => positiveMs(bySecond.get(t)?.queueUs)), color: '#D55E00', unit: 'ms' },
      { label: 'server: compute', values: xs.map((t) => { const s = bySecond.get(t); return s ? positiveMs(computeUs(s)) : null; }), color: '#009E73', unit: 'ms' },
    ],
    bands: phaseBands(r),
    markers: faultMarkers(r),
  };
}

/** batchChart: the mean batch per execution (left axis) and inferences and executions per second (right axis). */
export function batchChart(id: string, r: ResultsFile, seconds: Second[]): ChartSpec | undefined {
  if (!hasServerView(r)) return undefined;
  const { xs, bySecond } = axis(r, seconds);
  const v = (f: (s: ServerInterval) => number) => xs.map((t) => { const s = bySecond.get(t); return s ? round(f(s)) : null; });
  return {
    id,
    x: { ...runTimeAxis(r, seconds), values: xs.map((t) => t + 0.5) },
    y: { label: 'mean batch size', fromZero: true },
    y2: { label: 'per second', fromZero: true },
    series: [
      { label: 'mean batch', values: v((s) => s.meanBatch), color: '#CC79A7', width: 2 },
      { label: 'inferences', values: v((s) => s.inferencesPerS), color: '#0072B2', axis: 'right', unit: '/s' },
      { label: 'executions', values: v((s) => s.executionsPerS), color: '#56B4E9', axis: 'right', dash: [6, 4], unit: '/s' },
    ],
    bands: phaseBands(r),
  };
}

/** ServerPhaseRow is one phase as the server saw it, next to the client's figures. */
export interface ServerPhaseRow {
  phase: string;
  clientP50Ms: number | null;
  serverRequestMs: number;
  queueMs: number;
  computeInferMs: number;
  meanBatch: number;
  requestsPerS: number;
}

/** serverPhaseRows lists the phases with the server's mean view. */
export function serverPhaseRows(r: ResultsFile): ServerPhaseRow[] {
  if (!hasTritonView(r)) return [];
  return r.phases.flatMap((p) =>
    p.server
      ? [{
          phase: p.name,
          clientP50Ms: p.latencyUs.count > 0 ? p.latencyUs.p50 / 1000 : null,
          serverRequestMs: p.server.requestUs / 1000,
          queueMs: p.server.queueUs / 1000,
          computeInferMs: p.server.computeInferUs / 1000,
          meanBatch: p.server.meanBatch,
          requestsPerS: p.server.requestsPerS,
        }]
      : [],
  );
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
