/**
 * The rate search on a fake server: feasible below a capacity. It finds the capacity to within the bisection's
 * resolution, retries an invalid step once and never counts an invalid step as feasible (marking the search
 * inconclusive), stops at once when from_rps is not feasible, and says when the ceiling was too low.
 */
import { describe, expect, it } from 'vitest';
import { demoteUnconfirmed, type RepeatRun, researchBelow } from '../../../src/sweep/measure-combination.js';
import { type Probe, type ProbeResult, roundRate, searchMaxRate } from '../../../src/sweep/rate-search.js';

function result(feasible: boolean, valid = true): ProbeResult {
  return { valid, feasible: valid && feasible, withinBounds: feasible, p50Ms: 1, p99Ms: feasible ? 10 : 90, errorRate: 0, throughputRps: 0, invalidReasons: valid ? [] : ['late sends'] };
}

/** capacity is a fake server that meets the bound up to `rps`. */
const capacity =
  (rps: number): Probe =>
  async (rate) =>
    result(rate <= rps);

describe('searchMaxRate', () => {
  it('bisects on a log scale to the highest feasible rate', async () => {
    const probed: number[] = [];
    const out = await searchMaxRate({ fromRps: 50, toRps: 2000, steps: 6 }, async (rate, attempt) => {
      probed.push(rate);
      return capacity(700)(rate, attempt);
    });
    expect(probed).toEqual([50, 316, 795, 501, 631, 708, 668]);
    expect(out.rateRps).toBe(668);
    expect(out.best?.rateRps).toBe(668);
    expect(out.inconclusive).toBe(false);
    expect(out.note).toBe('highest feasible rate 668 rps; not feasible at 708 rps');
    expect(out.steps).toHaveLength(7);
  });

  it('gets within the resolution the steps allow', async () => {
    for (const cap of [60, 123, 999, 1700]) {
      const out = await searchMaxRate({ fromRps: 50, toRps: 2000, steps: 8 }, capacity(cap));
      expect(out.rateRps).toBeLessThanOrEqual(cap);
      expect(out.rateRps).toBeGreaterThan(cap * 0.96);
    }
  });

  it('stops when from_rps is not feasible', async () => {
    const out = await searchMaxRate({ fromRps: 50, toRps: 2000, steps: 6 }, capacity(10));
    expect(out).toMatchObject({ rateRps: 0, inconclusive: false, note: 'not feasible at from_rps 50 rps' });
    expect(out.best).toBeUndefined();
    expect(out.steps.map((s) => s.rateRps)).toEqual([50]);
  });

  it('says when every rate was feasible: the ceiling was too low, and no rate is known not met', async () => {
    const out = await searchMaxRate({ fromRps: 10, toRps: 100, steps: 3 }, capacity(1e6));
    expect(out.steps.map((s) => s.rateRps)).toEqual([10, 31.6, 56.2, 75]);
    expect(out).toMatchObject({ rateRps: 75, ceilingTooLow: true, notMetRps: null });
    expect(out.note).toBe('feasible at every rate probed, up to 75 rps: the ceiling 100 rps is too low, the capacity lies above it');
  });

  it('gives the capacity range: the rate met and the lowest rate validly missed above it', async () => {
    const out = await searchMaxRate({ fromRps: 10, toRps: 100, steps: 3 }, capacity(40));
    expect(out.steps.map((s) => s.rateRps)).toEqual([10, 31.6, 56.2, 42.1]);
    expect(out).toMatchObject({ rateRps: 31.6, ceilingTooLow: false, notMetRps: 42.1 });
  });

  it('retries an invalid step once, and uses the retry when it is valid', async () => {
    const attempts: [number, number][] = [];
    const out = await searchMaxRate({ fromRps: 100, toRps: 400, steps: 1 }, async (rate, attempt) => {
      attempts.push([rate, attempt]);
      return rate === 200 && attempt === 1 ? result(true, false) : result(rate <= 300);
    });
    expect(attempts).toEqual([[100, 1], [200, 1], [200, 2]]);
    expect(out.rateRps).toBe(200);
    expect(out.inconclusive).toBe(false);
    expect(out.steps.map((s) => [s.rateRps, s.attempt, s.valid])).toEqual([[100, 1, true], [200, 1, false], [200, 2, true]]);
  });

  it('never counts an invalid step as feasible: invalid twice, the search stays below it and is inconclusive', async () => {
    // The fake server would meet the bound everywhere, but the generator cannot keep up at 200 rps and above.
    const out = await searchMaxRate({ fromRps: 100, toRps: 400, steps: 3 }, async (rate) => result(true, rate < 200));
    expect(out.steps.map((s) => [s.rateRps, s.attempt, s.valid])).toEqual([
      [100, 1, true],
      [200, 1, false],
      [200, 2, false],
      [141, 1, true],
      [168, 1, true],
    ]);
    expect(out.rateRps).toBe(168);
    expect(out.inconclusive).toBe(true);
    expect(out.note).toBe('highest feasible rate 168 rps; not feasible at 200 rps; inconclusive: invalid measurement at 200 rps even after a retry');
  });

  it('ignores an invalid step above a rate validly found not feasible: the result stands', async () => {
    // Capacity 150 rps; the generator cannot keep up at 250 rps and above, which lies above the capacity anyway.
    const out = await searchMaxRate({ fromRps: 50, toRps: 1000, steps: 4 }, async (rate) => result(rate <= 150, rate < 250));
    expect(out.steps.map((s) => [s.rateRps, s.attempt, s.valid, s.feasible])).toEqual([
      [50, 1, true, true],
      [224, 1, true, false],
      [106, 1, true, true],
      [154, 1, true, false],
      [128, 1, true, true],
    ]);
    expect(out.inconclusive).toBe(false);
    const above = await searchMaxRate({ fromRps: 50, toRps: 1000, steps: 3 }, async (rate) => result(rate <= 150, rate < 200));
    expect(above.steps.map((s) => [s.rateRps, s.valid])).toEqual([
      [50, true],
      [224, false],
      [224, false],
      [106, true],
      [154, true],
    ]);
    expect(above.rateRps).toBe(106);
    expect(above.inconclusive).toBe(false);
    expect(above.note).toBe('highest feasible rate 106 rps; not feasible at 154 rps; the invalid measurement at 224 rps lies above 154 rps, validly not feasible, and does not change the result');
  });

  it('with acceptInvalid, judges steps invalid after their retry on their numbers, still inconclusive', async () => {
    const out = await searchMaxRate({ fromRps: 100, toRps: 400, steps: 2 }, async (rate) => result(rate <= 250, rate < 200), { acceptInvalid: true });
    expect(out.steps.map((s) => [s.rateRps, s.attempt, s.valid, s.withinBounds])).toEqual([
      [100, 1, true, true],
      [200, 1, false, true],
      [200, 2, false, true],
      [283, 1, false, false],
      [283, 2, false, false],
    ]);
    expect(out.rateRps).toBe(200);
    expect(out.inconclusive).toBe(true);
    expect(out.note).toBe('highest feasible rate 200 rps; not feasible at 283 rps; inconclusive: invalid measurement at 200, 283 rps even after a retry');
  });

  it('is inconclusive with no rate when from_rps cannot be measured', async () => {
    const out = await searchMaxRate({ fromRps: 50, toRps: 500, steps: 4 }, async () => result(true, false));
    expect(out.rateRps).toBe(0);
    expect(out.inconclusive).toBe(true);
    expect(out.steps).toHaveLength(2);
  });

  it('stops after the step in progress when aborted', async () => {
    const abort = new AbortController();
    const out = await searchMaxRate({ fromRps: 10, toRps: 1000, steps: 6 }, async (rate) => {
      if (rate > 10) abort.abort();
      return result(true);
    }, { signal: abort.signal });
    expect(out.steps.map((s) => s.rateRps)).toEqual([10, 100]);
    expect(out.note).toContain('(interrupted)');
  });
});

describe('roundRate', () => {
  it.each([
    [316.2277, 316],
    [31.62277, 31.6],
    [0.123, 0.1],
  ])('%d → %d', (v, r) => expect(roundRate(v)).toBe(r));
});

describe('a best rate that is not met again when repeated', () => {
  const repeat = (met: boolean, rateRps: number): RepeatRun => ({ rateRps, valid: true, met, p50Ms: 1, p99Ms: met ? 10 : 90, errorRate: 0, throughputRps: rateRps, results: 'r.json' });

  it('is demoted to the highest rate met below it, then the range between them is searched again', async () => {
    // The first search jumped from 50 to 718 rps and met it by luck: capacity is 300.
    const first = await searchMaxRate({ fromRps: 50, toRps: 2720, steps: 0 }, capacity(300));
    const lucky = { ...first, best: { ...first.steps[0]!, rateRps: 718 }, rateRps: 718 };
    lucky.steps.push({ ...result(true), rateRps: 718, attempt: 1 });
    expect(demoteUnconfirmed(lucky, [repeat(false, 718)], () => {})).toBe(718);
    expect(lucky).toMatchObject({ rateRps: 50, notMetRps: 718, ceilingTooLow: false });
    const probed: number[] = [];
    await researchBelow(lucky, 718, (range) => searchMaxRate(range, async (rate, attempt) => (probed.push(rate), capacity(300)(rate, attempt))), () => {});
    // From the demoted rate (measured again) up to the unconfirmed one, two bisections: 50, 189, 368.
    expect(probed).toEqual([50, 189, 368]);
    expect(lucky).toMatchObject({ rateRps: 189, notMetRps: 368 });
    expect(lucky.note).toContain('searched again between 50 and 718 rps: 189 rps met, 368 rps not');
  });

  it('keeps a confirmed rate as it is', async () => {
    const out = await searchMaxRate({ fromRps: 50, toRps: 2000, steps: 4 }, capacity(700));
    expect(demoteUnconfirmed(out, [repeat(true, out.rateRps)], () => {})).toBeUndefined();
    expect(out.rateRps).toBeGreaterThan(500);
  });
});
