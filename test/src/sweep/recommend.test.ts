/**
 * The recommendation rule on made-up figures: the highest throughput at the SLO among valid combinations that
 * meet the constraints, ties (within 1 %) to the lower p99 and then to less memory; constraints that exclude;
 * invalid measurements excluded unless allowed; the Pareto frontier of throughput against p99.
 */
import { describe, expect, it } from 'vitest';
import { type Candidate, constraintFailures, type Figures, paretoFrontier, recommend } from '../../../src/sweep/recommend.js';

function figures(over: Partial<Figures> = {}): Figures {
  return { throughputAtSloRps: 100, p50Ms: 2, p99Ms: 10, errorRate: 0, memoryMib: 200, accuracy: null, valid: true, source: 'phase a', ...over };
}

function candidate(id: string, over: Partial<Figures> | null = {}): Candidate {
  return { id, label: id, figures: over === null ? null : figures(over) };
}

describe('recommend', () => {
  it('picks the highest throughput at the SLO and says why, with the numbers', () => {
    const rec = recommend([candidate('a', { throughputAtSloRps: 300, p99Ms: 20 }), candidate('b', { throughputAtSloRps: 500, p99Ms: 30, memoryMib: 250.4 }), candidate('c', { throughputAtSloRps: 400 })], {});
    expect(rec.id).toBe('b');
    expect(rec.reason).toBe(
      'b (b) has the highest throughput at the SLO among the 3 of 3 combinations that meet the constraints: 500 rps with p99 30.0 ms (p50 2.00 ms), 0.00 % errors, 250 MiB; next: c at 400 rps (p99 10.0 ms).',
    );
  });

  it('considers a valid lower bound as such, and says when a combination may sustain more than measured', () => {
    const rec = recommend([candidate('a', { throughputAtSloRps: 600 }), candidate('b', { throughputAtSloRps: 1500, lowerBound: true }), candidate('c', { throughputAtSloRps: 300, lowerBound: true })], {});
    expect(rec.id).toBe('b');
    expect(rec.reason).toContain('1500 rps with p99 10.0 ms (p50 2.00 ms), 0.00 % errors, 200 MiB (at least: its search could not measure a higher rate validly)');
    expect(rec.reason).toContain('next: a at 600 rps');
    expect(rec.reason).toContain('c may sustain more than measured (lower bound)');
    expect(recommend([candidate('a', { throughputAtSloRps: 600 }), candidate('c', { throughputAtSloRps: 300, lowerBound: true })], {}).reason).toContain('next: c with at least 300 rps');
  });

  it('breaks a throughput tie (within 1 %) on p99, then on memory', () => {
    const byP99 = recommend([candidate('a', { throughputAtSloRps: 500, p99Ms: 30 }), candidate('b', { throughputAtSloRps: 496, p99Ms: 12 }), candidate('c', { throughputAtSloRps: 480, p99Ms: 5 })], {});
    expect(byP99.id).toBe('b');
    expect(byP99.reason).toContain('a (500 rps, p99 30.0 ms) is within 1 % of its throughput, and it has the lowest p99');
    const byMemory = recommend([candidate('a', { p99Ms: 10, memoryMib: 400 }), candidate('b', { p99Ms: 10, memoryMib: 300 })], {});
    expect(byMemory.id).toBe('b');
    expect(byMemory.reason).toContain('and it has the lowest p99, then the least memory');
    const first = recommend([candidate('a'), candidate('b')], {});
    expect(first.id).toBe('a');
    expect(first.reason).toContain('comes first among equals');
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
