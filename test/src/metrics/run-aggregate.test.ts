/**
 * Intervals from several workers merge exactly: the merged phase histogram equals one recorded with every value.
 */
import { describe, expect, it } from 'vitest';
import { IntervalRecorder } from '../../../src/load/interval-recorder.js';
import { newHistogram, recordUs } from '../../../src/metrics/hdr.js';
import { RunAggregate } from '../../../src/metrics/run-aggregate.js';
import type { PhasePlan } from '../../../src/scenario/plan.js';

const phases: PhasePlan[] = [0, 1].map((i) => ({ name: `p${i}`, startS: i * 2, durationS: 2, load: { kind: 'closed', concurrency: 1 }, slo: null }));

describe('RunAggregate', () => {
  it('merges workers exactly, per phase and per second', () => {
    const reference = newHistogram();
    const agg = new RunAggregate(phases, 3);
    for (let w = 0; w < 3; w++) {
      const rec = new IntervalRecorder(0);
      for (let i = 0; i < 500; i++) {
        const intended = (i % 4) * 1e6 + w * 1000 + i;
        const latency = 100 + ((i * 7919 + w * 104729) % 200_000);
        const phase = intended < 2e6 ? 0 : 1;
        rec.scheduled(phase, intended);
        rec.sent(phase, intended, intended + (i % 3) * 600);
        rec.outcome(phase, intended, i % 50 === 0 ? { code: 'HTTP_503', sentUs: intended, doneUs: intended + latency } : { code: 'OK', sentUs: intended, doneUs: intended + latency });
        if (i % 50 !== 0) recordUs(reference, latency);
      }
      agg.add(rec.take(), w, 5);
    }
    agg.finish();
    const merged = newHistogram();
    for (const h of agg.phaseHists) merged.add(h.latency);
    expect(merged.totalCount).toBe(reference.totalCount);
    for (const p of [50, 90, 99, 99.9, 100]) expect(merged.getValueAtPercentile(p)).toBe(reference.getValueAtPercentile(p));
    const t = agg.totals();
    expect(t.sent).toBe(1500);
    expect(t.errors['HTTP_503']).toBe(30);
    expect(t.ok).toBe(1470);
    // Every 1200 µs-late send (i % 3 == 2) counts as late.
    expect(t.late).toBe(agg.rows.reduce((n, r) => n + r.late, 0));
    expect(t.late).toBe(3 * Math.floor(500 / 3));
    // Rows add up to the phases.
    expect(agg.rows.reduce((n, r) => n + r.ok, 0)).toBe(t.ok);
    expect(new Set(agg.rows.map((r) => `${r.second}:${r.phase}`)).size).toBe(agg.rows.length);
  });
});
