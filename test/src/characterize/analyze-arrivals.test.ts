/**
 * The arrival fit: Poisson against gamma on arrivals generated as one or the other, at rates where the 1 ms
 * stamps resolve the gaps (maximum likelihood) and where they do not (moments, rounding's variance removed).
 */
import { describe, expect, it } from 'vitest';
import { generateSyntheticLog } from '../../../bench/lib/synthetic-logs.js';
import { logGamma } from '../../../src/characterize/analyze-arrivals.js';
import { characterize } from './analyze-helpers.js';

describe('arrival fit', () => {
  it.each([
    // rate, gamma shape (undefined = Poisson), seconds, expected fit, the regime the rule names
    [5, undefined, 600, 'poisson', 'maximum likelihood'],
    [5, 4, 600, 'gamma', 'maximum likelihood'],
    [50, 0.25, 600, 'gamma', 'too coarse'],
    [50, undefined, 600, 'poisson', 'too coarse'],
    [1000, undefined, 30, 'poisson', 'too coarse'],
    [1000, 0.25, 30, 'gamma', 'too coarse'],
  ] as const)('%s/s, gamma shape %s, %s s: %s (%s)', (baseRps, gammaShape, durationS, best, regime) => {
    const { records } = generateSyntheticLog({ seed: 3, durationS, baseRps, ...(gammaShape ? { gammaShape } : {}) });
    const a = characterize(records).arrivals;
    expect(a.measured).toBe(true);
    expect(a.fit.best).toBe(best);
    expect(a.fit.rule).toContain(regime);
    const shape = gammaShape ?? 1;
    expect(a.fit.gammaShape).toBeGreaterThan(shape * 0.85);
    expect(a.fit.gammaShape).toBeLessThan(shape * 1.15);
    expect(a.interArrivalCv).toBeGreaterThan(0.85 / Math.sqrt(shape));
    expect(a.interArrivalCv).toBeLessThan(1.15 / Math.sqrt(shape));
    expect(a.fit.burstiness).toBeCloseTo(1 / a.fit.gammaShape, 1);
    expect(a.histogram.counts.reduce((x, y) => x + y, 0)).toBe(records.length - 1);
    expect(a.histogram.edges).toHaveLength(a.histogram.counts.length + 1);
  });

  it('computes ln Γ', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(0.25)).toBeCloseTo(Math.log(3.6256099082219083), 10);
  });
});
