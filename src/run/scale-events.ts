/**
 * scaleEvents reads the embedded stack's autoscaler events over its admin API at the end of a run and puts them on
 * the run's clock (results.json `scaleEvents[]`, docs/results.md). A stack that cannot answer costs the run
 * nothing but the events: the reason is logged.
 */
import { AdminClient, type AdminEndpoint, type AdminScaleEvent } from '../faults/admin-client.js';
import type { ScaleEventRecord } from '../results/results-schema.js';

/** toRunClock turns one admin API event (epoch ms) into a results record (seconds from the run's start). */
export function toRunClock(e: AdminScaleEvent, startEpochMs: number): ScaleEventRecord {
  const s = (ms: number): number => Math.round(ms - startEpochMs) / 1000;
  return { atS: s(e.atMs), direction: e.direction, from: e.from, to: e.to, reason: e.reason, replicas: e.replicas, readyAtS: e.readyAtMs === null ? null : s(e.readyAtMs), readyAfterS: e.readyAfterS };
}

/** fetchScaleEvents reads the events, or logs why it could not and returns undefined. */
export async function fetchScaleEvents(admin: AdminEndpoint, startEpochMs: number, log: (l: string) => void): Promise<ScaleEventRecord[] | undefined> {
  try {
    const { events } = await new AdminClient(admin).autoscaler(5000);
    return events.map((e) => toRunClock(e, startEpochMs));
  } catch (err) {
    log(`warning: could not read the autoscaler's events: ${(err as Error).message}`);
    return undefined;
  }
}
