/**
 * The recommendation rule on made-up figures: the highest throughput at the SLO among valid combinations that
 * meet the constraints, ties (within 1 %) to the lower p99 and then to less memory; constraints that exclude;
 * invalid measurements excluded unless allowed; the Pareto frontier of throughput against p99.
 */
import { describe, expect, it } from 'vitest';
import { type Candidate, constraintFailures, type Figures, paretoFrontier, recommend } from '../../../src/sweep/recommend.js';
import { costPerMillion } from '../../../src/util/cost.js';

function figures(over: Partial<Figures> = {}): Figures {
  return { throughputAtSloRps: 100, p50Ms: 2, p99Ms: 10, errorRate: 0, memoryMib: 200, accuracy: null, valid: true, source: 'phase a', ...over };
}

function candidate(id: string, over: Partial<Figures> | null = {}): Candidate {
  return { id, label: id, figures: over === null ? null : figures(over) };
}

describe('recommend', () => {
  it('picks the highest throughput at the SLO and says why, with the numbers', () => {
    const rec = recommend([candidate('a', { throughputAtSloRps: 300, p99Ms: 20 }), candidate('b', { throughputAtSloRps: 500, p99Ms: 30, memoryMib: 250.4 }), candidate('c', { throughputAtSloRps: 400 })], {});
    expect(rec).toMatchObject({ id: 'b', outcome: 'recommended', basis: 'throughput' });
    expect(rec.reason).toBe(
      'b (b) has the highest throughput at the SLO among the 3 of 3 combinations that meet the constraints: 500 rps at the SLO with p99 30.0 ms (p50 2.00 ms), 0.00 % errors, 250 MiB; next: c, 400 rps at the SLO with p99 10.0 ms (p50 2.00 ms), 0.00 % errors, 200 MiB.',
    );
  });

  it('considers a valid lower bound as such, and says when a combination may sustain more than measured', () => {
    const rec = recommend([candidate('a', { throughputAtSloRps: 600 }), candidate('b', { throughputAtSloRps: 1500, lowerBound: true }), candidate('c', { throughputAtSloRps: 300, lowerBound: true })], {});
    expect(rec.id).toBe('b');
    expect(rec.reason).toContain('at least 1500 rps at the SLO with p99 10.0 ms (p50 2.00 ms), 0.00 % errors, 200 MiB');
    expect(rec.reason).toContain('next: a, 600 rps');
    expect(rec.reason).toContain('c may sustain more than measured (lower bound)');
    expect(recommend([candidate('a', { throughputAtSloRps: 600 }), candidate('c', { throughputAtSloRps: 300, lowerBound: true })], {}).reason).toContain('next: c, at least 300 rps');
  });

  it('records without capacity ranges (older sweeps): throughputs within 1 % tie, the lower p99 breaks it, equal figures are a tie', () => {
    const byP99 = recommend([candidate('a', { throughputAtSloRps: 500, p99Ms: 30 }), candidate('b', { throughputAtSloRps: 496, p99Ms: 12 }), candidate('c', { throughputAtSloRps: 480, p99Ms: 5 })], {});
    expect(byP99.id).toBe('b');
    expect(byP99.reason).toContain("on throughput it cannot be told apart from a (500 rps at the SLO");
    expect(byP99.reason).toContain("its p99 decides: 12.0 ms, and a's 30.0 ms is 150 % higher");
    const same = recommend([candidate('a', { p99Ms: 10, memoryMib: 400 }), candidate('b', { p99Ms: 10, memoryMib: 300 })], {});
    expect(same).toMatchObject({ id: null, outcome: 'tie', tie: { ids: ['a', 'b'] } });
    expect(same.reason).toMatch(/^Tie: of the 2 of 2 combinations that meet the constraints, 2 cannot be told apart on this machine/);
  });

  it('recommends only combinations that meet every constraint', () => {
    const rec = recommend(
      [
        candidate('fast-but-slow-p99', { throughputAtSloRps: 900, p99Ms: 80 }),
        candidate('inaccurate', { throughputAtSloRps: 800, accuracy: { reference: 'm', cosine: 0.98, maxAbsError: 0.5, meanAbsError: 0.1 } }),
        candidate('fp32', { throughputAtSloRps: 400, accuracy: { reference: 'm', cosine: 1, maxAbsError: 0, meanAbsError: 0 } }),
      ],
      { maxP99Ms: 50, minCosine: 0.999 },
    );
    expect(rec.id).toBe('fp32');
    expect(rec.verdicts.map((v) => [v.id, v.meets, v.failures])).toEqual([
      ['fast-but-slow-p99', false, ['p99 80.0 ms > max_p99_ms 50', 'no accuracy recorded for min_cosine']],
      ['inaccurate', false, ['cosine 0.98 < min_cosine 0.999']],
      ['fp32', true, []],
    ]);
    expect(rec.reason).toContain('among the 1 of 3 combinations that meet the constraints');
  });

  it('leaves out invalid measurements and failed combinations unless allowInvalid', () => {
    const list = [candidate('invalid', { throughputAtSloRps: 900, valid: false }), candidate('valid', { throughputAtSloRps: 100 }), candidate('failed', null)];
    expect(recommend(list, {}).id).toBe('valid');
    expect(recommend(list, {}, { allowInvalid: true }).id).toBe('invalid');
    const verdicts = recommend(list, {}).verdicts;
    expect(verdicts.map((v) => [v.id, v.considered])).toEqual([['invalid', false], ['valid', true], ['failed', false]]);
    expect(verdicts[2]!.failures).toEqual(['did not run']);
  });

  it('says why there is no recommendation', () => {
    expect(recommend([candidate('a', { valid: false })], {}).reason).toBe(
      'No recommendation: none of the 1 combinations has a valid measurement (--allow-invalid recommends from invalid ones, at your own risk).',
    );
    expect(recommend([candidate('a', { p99Ms: 90 }), candidate('b', { throughputAtSloRps: 0 })], { maxP99Ms: 50 })).toMatchObject({
      id: null,
      reason: 'No recommendation: none of the 2 combinations with a valid measurement meets the constraints (a: p99 90.0 ms > max_p99_ms 50; b: met the SLO at no rate measured).',
    });
    expect(recommend([candidate('a', null)], {}).reason).toBe('No recommendation: no combination ran.');
  });
});

describe('constraintFailures', () => {
  it.each([
    [{ maxErrorRate: 0.001 }, { errorRate: 0.01 }, ['error rate 1.00 % > max_error_rate 0.10 %']],
    [{ maxMemoryMib: 256 }, { memoryMib: 300 }, ['memory 300 MiB > max_memory_mib 256']],
    [{ maxMemoryMib: 256 }, { memoryMib: null }, ['memory not measured for max_memory_mib']],
    [{ minThroughputRps: 200 }, { throughputAtSloRps: 150 }, ['throughput 150 rps < min_throughput_rps 200']],
    [{ minTop1: 0.95 }, { accuracy: { reference: 'cnn', cosine: 0.99, maxAbsError: 0.1, meanAbsError: 0.01, top1: 0.9 } }, ['top-1 agreement 0.9 < min_top1 0.95']],
    [{ minTop1: 0.95 }, { accuracy: { reference: 'cnn', cosine: 1, maxAbsError: 0, meanAbsError: 0 } }, []],
    [{ maxP99Ms: 50 }, { p99Ms: null }, ['p99 - ms > max_p99_ms 50']],
  ] as const)('%j with %j', (constraints, over, expected) => {
    expect(constraintFailures(figures(over as Partial<Figures>), constraints)).toEqual(expected);
  });
});

describe('paretoFrontier', () => {
  it('keeps the points no other point beats on both throughput and p99', () => {
    const points = [
      { id: 'a', throughput: 100, p99: 5 },
      { id: 'b', throughput: 300, p99: 20 },
      { id: 'c', throughput: 200, p99: 25 }, // dominated by b
      { id: 'd', throughput: 300, p99: 30 }, // same throughput as b, worse p99
      { id: 'e', throughput: 150, p99: 5 }, // dominates a
      { id: 'f', throughput: 0, p99: 1 }, // met the SLO nowhere
      { id: 'g', throughput: 400, p99: null },
    ];
    expect(paretoFrontier(points)).toEqual(['b', 'e']);
  });

  it('marks the frontier in the verdicts, among considered combinations only', () => {
    const rec = recommend([candidate('a', { throughputAtSloRps: 100, p99Ms: 5 }), candidate('b', { throughputAtSloRps: 200, p99Ms: 9 }), candidate('x', { throughputAtSloRps: 900, p99Ms: 1, valid: false })], {});
    expect(rec.frontier).toEqual(['b', 'a']);
    expect(rec.verdicts.map((v) => v.pareto)).toEqual([true, true, false]);
  });
});

/** measured: figures as a search with repeats records them: the rate met, the rate missed above it, the p99 noise. */
function measured(id: string, rateRps: number, notMetRps: number | null, p99Ms: number, p99NoiseShare: number | null, over: Partial<Figures> = {}): Candidate {
  return candidate(id, { throughputAtSloRps: rateRps, rateRps, notMetRps, p99Ms, p99NoiseShare, noiseRuns: p99NoiseShare === null ? 1 : 2, ...over });
}

describe('recommend: only what the measurements can tell', () => {
  it('recommends on throughput only when the best met a rate the runner-up validly missed', () => {
    const clear = recommend([measured('fp32', 400, 480, 40, 0.05), measured('int8', 900, 1100, 42, 0.05)], {});
    expect(clear).toMatchObject({ id: 'int8', outcome: 'recommended' });
    expect(clear.reason).toContain('next: fp32, 400 rps at the SLO');
    expect(clear.reason).toContain('and missed the bounds at 480 rps, which int8 met');
  });

  it('calls a tie when the capacity ranges overlap and p99 differs by less than the measured noise (405 vs 405 rps, p99 9.01 vs 9.38 ms)', () => {
    const rec = recommend([measured('fp32', 405, 450, 9.38, 0.12), measured('fp16', 405, 450, 9.01, 0.08), measured('int4', 400, 450, 9.2, 0.1)], {});
    expect(rec).toMatchObject({ id: null, outcome: 'tie' });
    expect(rec.tie!.ids.sort()).toEqual(['fp16', 'fp32', 'int4']);
    expect(rec.tie!.noiseShare).toBeCloseTo(0.12);
    expect(rec.reason).toContain('their capacity ranges overlap (fp16 405–450 rps, fp32 405–450 rps, int4 400–450 rps)');
    expect(rec.reason).toContain('fp32 ±12 % over 2 runs');
  });

  it('lets p99 decide a throughput overlap only beyond the noise, and never when the noise was not measured', () => {
    const beyond = recommend([measured('a', 500, 560, 30, 0.1), measured('b', 500, 560, 12, 0.2)], {});
    expect(beyond).toMatchObject({ id: 'b', outcome: 'recommended' });
    expect(beyond.reason).toContain("a's 30.0 ms is 150 % higher, beyond the run-to-run noise of p99 (noise: b ±20 % over 2 runs, a ±10 % over 2 runs)");
    expect(recommend([measured('a', 500, 560, 30, null), measured('b', 500, 560, 12, null)], {})).toMatchObject({ id: null, outcome: 'tie', tie: { noiseShare: null } });
    // A lower p99 measured at a lower rate proves nothing: latency grows with load (1364 rps at 7.6 ms against 1633 at 25.6).
    expect(recommend([measured('a', 1633, 2242, 25.6, 0.89), measured('b', 1364, 4107, 7.58, 0.25, { lowerBound: true })], {})).toMatchObject({ id: null, outcome: 'tie' });
  });

  it('cannot separate a combination whose capacity range is open above (a lower bound)', () => {
    expect(recommend([measured('a', 900, 1000, 20, 0.05), measured('b', 600, null, 20, 0.05, { lowerBound: true })], {})).toMatchObject({ id: null, outcome: 'tie' });
  });

  it('gives no recommendation when a combination met every rate tried (ceiling too low), on throughput and cost but not on p99', () => {
    const list = [measured('a', 405, null, 9, 0.1, { ceilingTooLow: true }), measured('b', 300, 350, 9, 0.1)];
    const rec = recommend(list, {});
    expect(rec).toMatchObject({ id: null, outcome: 'ceiling-too-low' });
    expect(rec.reason).toContain('the ceiling was too low for a (met the bounds at 405 rps, the highest rate tried)');
    expect(recommend(list, {}, { basis: 'p99' }).outcome).toBe('tie');
  });

  it('ranks on cost per 1M inferences with recommend: cost, separated only when even the other\'s best rate costs more', () => {
    const vendors = (bRate: number, bNotMet: number) => [
      measured('vendor-a', 420, 470, 9.0, 0.05, { costPerHour: 2.5, costPerMillion: costPerMillion(2.5, 420) }),
      measured('vendor-b', bRate, bNotMet, 9.4, 0.05, { costPerHour: 1.8, costPerMillion: costPerMillion(1.8, bRate) }),
    ];
    // On throughput the two overlap and p99 is within the noise: a tie, not vendor-a on p99.
    expect(recommend(vendors(405, 450), {}).outcome).toBe('tie');
    const cheap = recommend(vendors(405, 450), {}, { basis: 'cost' });
    expect(cheap).toMatchObject({ id: 'vendor-b', outcome: 'recommended', basis: 'cost' });
    expect(cheap.reason).toMatch(/^vendor-b \(vendor-b\) has the lowest cost per 1M inferences at the SLO .*: 1\.23 per 1M at 1\.80\/h, 405 rps/);
    // vendor-b at 1.80/h but only 300 rps (missed 330): 1.67 per 1M against vendor-a's 1.65 at best: no separation either way.
    expect(recommend(vendors(300, 330), {}, { basis: 'cost' }).outcome).toBe('tie');
    const unpriced = recommend([measured('x', 400, 450, 9, 0.05), ...vendors(405, 450)], {}, { basis: 'cost' });
    expect(unpriced.verdicts[0]!.failures).toEqual(['no cost_per_hour, needed by recommend: cost']);
  });

  it('ranks on p99 with recommend: p99, beyond the noise', () => {
    const rec = recommend([measured('a', 400, null, 20, 0.1), measured('b', 400, null, 12, 0.1)], {}, { basis: 'p99' });
    expect(rec).toMatchObject({ id: 'b', outcome: 'recommended' });
    expect(rec.reason).toContain('b (b) has the lowest p99 among the 2 of 2 combinations');
    expect(recommend([measured('a', 400, null, 13, 0.1), measured('b', 400, null, 12, 0.1)], {}, { basis: 'p99' }).outcome).toBe('tie');
  });
});
