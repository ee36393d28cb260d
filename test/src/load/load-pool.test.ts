/**
 * How many load workers a run gets by default: as many as the plan's peak rate needs (RATE_PER_WORKER each), at
 * most the cores, and one core left to a target on the same machine (the embedded server), which busy workers
 * would otherwise starve.
 */
import { describe, expect, it } from 'vitest';
import { RATE_PER_WORKER, senderRate, wantsRealtime, workersFor } from '../../../src/load/load-pool.js';
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

describe('wantsRealtime', () => {
  const saved = process.env['GAUNTLET_REALTIME'];
  it.each([
    // [workers, cores, per-worker open-loop rps, real time]
    [1, 2, 200, true], // a core left to the rest
    [2, 2, 100, true], // a worker on every core, but each spins a fifth of its core at most
    [2, 2, 101, false],
    [2, 2, Infinity, false], // a closed-loop phase: never idle
    [1, 1, 50, true],
    [1, 1, 4000, false],
  ])('%i workers on %i cores at %f rps each → %s', (workers, cores, rps, realtime) => {
    delete process.env['GAUNTLET_REALTIME'];
    expect(wantsRealtime(workers, cores, rps)).toBe(realtime);
    process.env['GAUNTLET_REALTIME'] = '0';
    expect(wantsRealtime(workers, cores, rps)).toBe(false);
    if (saved === undefined) delete process.env['GAUNTLET_REALTIME'];
    else process.env['GAUNTLET_REALTIME'] = saved;
  });

  it('weighs the peak open-loop rate per worker, and a closed-loop phase as never idle', () => {
    expect(senderRate(plan(50, 200), 2)).toBe(100);
    const closed = { phases: [...plan(50).phases, { name: 'c', startS: 1, durationS: 1, load: { kind: 'closed', concurrency: 4 }, slo: null }] } as unknown as Plan;
    expect(senderRate(closed, 1)).toBe(Infinity);
  });
});
