/**
 * Order and time resolution: records out of order within the reorder slack give the same characterization as in
 * order; the ordered tap hands on every record exactly once, ascending (a record later than the slack goes out
 * once, out of order, with a note); 1 s stamps are spread within their second, seeded, with the counts per
 * second exact and a note that the times within a second are assumed.
 */
import { describe, expect, it } from 'vitest';
import { completionOrder, generateSyntheticLog } from '../../../bench/lib/synthetic-logs.js';
import type { LogRecord } from '../../../src/characterize/log-record.js';
import { createRandom } from '../../../src/scenario/random.js';
import { characterize } from './analyze-helpers.js';

const { records, truth } = generateSyntheticLog({ seed: 11, durationS: 300, baseRps: 80, bursts: [{ atS: 120, durationS: 10, factor: 5 }], latency: { baseMs: 30, sigma: 0.5 } });

/** jitter moves each record up to `maxS` seconds later in the stream (a merge of files, or completion order). */
function jitter(rs: readonly LogRecord[], maxS: number, seed: number): LogRecord[] {
  const random = createRandom(seed, 'jitter');
  return rs.map((r) => ({ r, key: r.startUs + random.next() * maxS * 1e6 })).sort((a, b) => a.key - b.key).map((x) => x.r);
}

function tap(rs: readonly LogRecord[], options = {}): { out: ReturnType<typeof characterize>; times: number[]; seen: LogRecord[] } {
  const times: number[] = [];
  const seen: LogRecord[] = [];
  const out = characterize(rs, { ...options, onOrdered: (t, r) => (times.push(t), seen.push(r)) });
  return { out, times, seen };
}

const ascending = (ts: number[]): boolean => ts.every((t, i) => i === 0 || t >= ts[i - 1]!);

describe('order', () => {
  it('gives the same characterization for records out of order within the slack', () => {
    const inOrder = characterize(records);
    expect(characterize(completionOrder(records))).toEqual(inOrder);
    expect(characterize(jitter(records, 8, 1))).toEqual(inOrder);
    expect(inOrder.inputs.notes).toEqual([]);
  });

  it('hands on every record once, in ascending order', () => {
    const { times, seen } = tap(jitter(records, 8, 2));
    expect(seen).toHaveLength(records.length);
    expect(new Set(seen).size).toBe(records.length);
    expect(ascending(times)).toBe(true);
    expect(times).toEqual(records.map((r) => r.startUs));
  });

  it('hands on a record later than the slack once, out of order, counts it and says so', () => {
    const late = records[1000]!;
    const stream = records.filter((r) => r !== late);
    stream.splice(stream.findIndex((r) => r.startUs > late.startUs + 30e6), 0, late);
    const { out, seen, times } = tap(stream);
    expect(seen).toHaveLength(records.length);
    expect(new Set(seen).size).toBe(records.length);
    expect(ascending(times)).toBe(false);
    expect(ascending(times.filter((_, i) => seen[i] !== late))).toBe(true);
    expect(out.rates.requests).toBe(records.length);
    expect(out.inputs.notes.join()).toMatch(/^1 request\(s\) came more than 10 s out of time order/);
  });
});

describe('1 s timestamps', () => {
  const coarse = generateSyntheticLog({ seed: 5, durationS: 120, baseRps: 40, resolutionUs: 1e6 });

  it('spreads each record within its second, seeded, keeping the counts per second exact', () => {
    const { out, times, seen } = tap(coarse.records);
    expect(out.inputs.spreadWithinSecond).toBe(true);
    expect(out.arrivals.measured).toBe(false);
    expect(out.inputs.notes.join()).toContain('assumed, not measured');
    expect(out.inputs.timestampResolutionUs).toBe(1e6);
    expect(seen).toHaveLength(coarse.records.length);
    expect(ascending(times)).toBe(true);
    seen.forEach((r, i) => expect(Math.floor(times[i]! / 1e6)).toBe(r.startUs / 1e6));
    expect(out.rates.series.rps).toEqual(Array.from(coarse.truth.perSecond.subarray(0, out.rates.series.rps.length)));
    // The spread times are not all at the start of the second: gaps within a second look like a Poisson process.
    expect(out.arrivals.fit.best).toBe('poisson');
    expect(tap(coarse.records).times).toEqual(times);
    const other = tap(coarse.records, { seed: 2 });
    expect(other.times).not.toEqual(times);
    expect(other.out.rates.series).toEqual(out.rates.series);
  });

  it('leaves ms stamps where they are', () => {
    expect(truth.requests).toBe(records.length);
    const { out } = tap(records);
    expect(out.inputs.spreadWithinSecond).toBe(false);
    expect(out.arrivals.measured).toBe(true);
  });
});
