/**
 * The spike drill's analysis on synthetic results: the step up in load is found from the phases' rates, the lag
 * runs to the readiness of the phase's last scale-up, and the requests shed, timed out, failed otherwise and late
 * are counted over the lag's seconds only; a scale-up never ready within the phase leaves the lag open.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSpikes } from '../../../src/faults/drill-scale.js';
import { encodeHistogram, newHistogram, recordUs, summarize } from '../../../src/metrics/hdr.js';
import type { IntervalResult, ScaleEventRecord } from '../../../src/results/results-schema.js';
import type { PhasePlan } from '../../../src/scenario/plan.js';

function second(t: number, ok: number, ms: number, errors: Record<string, number> = {}): IntervalResult {
  const h = newHistogram();
  for (let i = 0; i < ok; i++) recordUs(h, ms * 1000);
  const s = summarize(h);
  const failed = Object.values(errors).reduce((a, b) => a + b, 0);
  return { t, phase: t < 10 ? 'steady' : 'spike', offeredRps: ok + failed, sentRps: ok + failed, okRps: ok, errors, latencyUs: s, serviceTimeUs: s, sendLagP99Us: 0, lateSends: 0, histogram: encodeHistogram(h) };
}

function phase(name: string, startS: number, durationS: number, rps: number): PhasePlan {
  return { name, startS, durationS, load: { kind: 'open', shape: { type: 'constant', rps }, arrival: { type: 'constant' } }, slo: { p99Ms: 100 } };
}

function up(atS: number, from: number, to: number, readyAtS: number | null): ScaleEventRecord {
  return { atS, direction: 'up', from, to, reason: { metric: 'concurrency', value: 9, target: 2, ready: from, recommended: to, limitedBy: 'none' }, replicas: [], readyAtS, readyAfterS: readyAtS === null ? null : readyAtS - atS };
}

const plan = { phases: [phase('steady', 0, 10, 100), phase('spike', 10, 10, 500), phase('after', 20, 5, 100)], slo: { p99Ms: 100 } };
// Steady seconds are fast; the spike's first 4 seconds shed 50 and time out 5 with 100 late answers, then it is fine.
const intervals = [
  ...Array.from({ length: 10 }, (_, t) => second(t, 100, 10)),
  ...Array.from({ length: 4 }, (_, i) => second(10 + i, 100, 400, { HTTP_503: 50, TIMEOUT: 5, ECONNRESET: 1 })),
  ...Array.from({ length: 6 }, (_, i) => second(14 + i, 500, 20)),
];

describe('analyzeSpikes', () => {
  it('measures the lag to the last scale-up of the phase and what failed or was late during it', () => {
    const events = [up(11.2, 1, 2, 12.5), up(12.2, 2, 4, 13.6)];
    expect(analyzeSpikes(plan, intervals, events)).toEqual([
      { phase: 'spike', spikeAtS: 10, readyAtS: 13.6, lagS: 3.6, decidedAfterS: 1.2, replicasBefore: 1, replicasAfter: 4, sent: 624, shed: 200, timedOut: 20, otherFailed: 4, late: 400, lateLimitMs: 100 },
    ]);
  });

  it('leaves the lag open when no scale-up was ready within the phase, counting to its end', () => {
    const [s] = analyzeSpikes(plan, intervals, [up(11, 1, 3, null)]);
    expect(s).toMatchObject({ readyAtS: null, lagS: null, decidedAfterS: 1, replicasAfter: 3, shed: 200, sent: 624 + 3000 });
  });

  it('finds no spike in a step of less than three times the rate, and none without scale events', () => {
    expect(analyzeSpikes({ ...plan, phases: [phase('a', 0, 10, 100), phase('b', 10, 10, 250)] }, intervals, [])).toEqual([]);
    expect(analyzeSpikes(plan, intervals, [])[0]).toMatchObject({ lagS: null, decidedAfterS: null, replicasBefore: 0 });
  });
});
