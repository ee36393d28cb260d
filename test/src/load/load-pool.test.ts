/**
 * How many load workers a run gets by default: as many as the plan's peak rate needs (RATE_PER_WORKER each), at
 * most the cores, and one core left to a target on the same machine (the embedded server), which busy workers
 * would otherwise starve.
 */
import { describe, expect, it } from 'vitest';
import { RATE_PER_WORKER, workersFor } from '../../../src/load/load-pool.js';
import type { PhasePlan, Plan } from '../../../src/scenario/plan.js';

const plan = (...rates: number[]): Plan =>
  ({
    phases: rates.map((rps, i): PhasePlan => ({ name: `p${i}`, startS: i, durationS: 1, load: { kind: 'open', shape: { type: 'constant', rps }, arrival: { type: 'constant' } }, slo: null })),
  }) as Plan;

describe('workersFor', () => {
  it.each([
    // [peak rps, cores, shares the machine, workers]
    [100, 2, false, 1],
    [100, 2, true, 1],
    [RATE_PER_WORKER, 8, false, 1],
    [RATE_PER_WORKER + 1, 8, false, 2],
    [8000, 2, false, 2],
    [8000, 2, true, 1],
    [8000, 1, true, 1],
    [40_000, 4, true, 3],
    [40_000, 16, true, 10],
  ])('peak %i rps on %i cores (target here: %s) → %i', (rps, cores, shares, workers) => {
    expect(workersFor(plan(50, rps), cores, shares)).toBe(workers);
  });
});
