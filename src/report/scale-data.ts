/**
 * The autoscaler in a run's report: markers on the time charts where it decided to scale and where the new
 * replicas were ready, the table of scale events, and the spike drill's lag rows (results.scaleEvents, spikes).
 */
import type { ResultsFile, ScaleEventRecord } from '../results/results-schema.js';
import type { MarkerSpec } from './chart-spec.js';
import { count } from './format.js';

/** SCALE_COLOR is the colour of the autoscaler's markers (the faults' are purple). */
export const SCALE_COLOR = '#1B7837';

/** scaleLabel names a scale event for people: `scale up 1→3 (utilization 2.1 / 1)`. */
export function scaleLabel(e: ScaleEventRecord): string {
  return `scale ${e.direction} ${e.from}→${e.to} (${e.reason.metric} ${e.reason.value} / ${e.reason.target})`;
}

/** scaleMarkers are vertical lines where the autoscaler decided, and where a scale-up's replicas were ready. */
export function scaleMarkers(r: ResultsFile): MarkerSpec[] {
  const out: MarkerSpec[] = [];
  for (const e of r.scaleEvents ?? []) {
    out.push({ x: e.atS, label: scaleLabel(e), color: SCALE_COLOR });
    if (e.direction === 'up' && e.readyAtS !== null) out.push({ x: e.readyAtS, label: `${e.to} replicas ready`, color: SCALE_COLOR });
  }
  return out;
}

/** scaleRows are the scale events as table cells: at, change, reason, limited by, ready after. */
export function scaleRows(r: ResultsFile): string[][] {
  return (r.scaleEvents ?? []).map((e) => [
    `${e.atS.toFixed(1)} s`,
    `${e.direction} ${e.from}→${e.to}`,
    `${e.reason.metric} ${e.reason.value} per replica (target ${e.reason.target}, ${e.reason.ready} ready) → ${e.reason.recommended}`,
    e.reason.limitedBy,
    e.readyAfterS === null ? (e.direction === 'up' ? 'not ready by the end' : 'not drained by the end') : `${e.readyAfterS.toFixed(1)} s`,
  ]);
}

/** spikeRows are the spike drill's rows: phase, step at, first decision, lag, replicas, and what failed or was late. */
export function spikeRows(r: ResultsFile): string[][] {
  return (r.spikes ?? []).map((s) => [
    s.phase,
    `${s.spikeAtS.toFixed(1)} s`,
    s.decidedAfterS === null ? 'never' : `${s.decidedAfterS.toFixed(1)} s`,
    s.lagS === null ? 'not within the phase' : `${s.lagS.toFixed(1)} s`,
    `${s.replicasBefore}→${s.replicasAfter}`,
    count(s.sent),
    count(s.shed),
    count(s.timedOut),
    count(s.otherFailed),
    s.late === undefined ? '-' : count(s.late),
  ]);
}
