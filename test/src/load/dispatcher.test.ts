/**
 * The dispatcher with a client whose replies the test controls: open-loop sends never wait for replies, a send
 * due while max_in_flight are outstanding is DROPPED, workers split the arrivals exactly, closed loop keeps its
 * concurrency.
 */
import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../../src/load/dispatcher.js';
import { IntervalRecorder } from '../../../src/load/interval-recorder.js';
import { RunAggregate } from '../../../src/metrics/run-aggregate.js';
import { createArrivals } from '../../../src/scenario/arrivals.js';
import type { PhasePlan } from '../../../src/scenario/plan.js';
import { type Client, nowUs, type Outcome } from '../../../src/targets/client.js';

/** A client whose replies wait until the test releases them (or come back at once). */
function heldClient(hold: boolean): Client & { release(): void; maxOutstanding: number; sends: number } {
  const pending: ((o: Outcome) => void)[] = [];
  let outstanding = 0;
  const c = {
    maxOutstanding: 0,
    sends: 0,
    send(): Promise<Outcome> {
      const sentUs = nowUs();
      c.sends++;
      outstanding++;
      c.maxOutstanding = Math.max(c.maxOutstanding, outstanding);
      return new Promise<Outcome>((resolve) => {
        const done = (o: Outcome): void => {
          outstanding--;
          resolve(o);
        };
        if (hold) pending.push(done);
        else setImmediate(() => done({ code: 'OK', sentUs, doneUs: nowUs() }));
      });
    },
    check: async () => {},
    close: async () => {
      for (const p of pending.splice(0)) p({ code: 'CANCELLED', sentUs: 0, doneUs: nowUs() });
    },
    release(): void {
      for (const p of pending.splice(0)) p({ code: 'OK', sentUs: 0, doneUs: nowUs() });
    },
  };
  return c;
}

const open = (rps: number, durationS: number, startS = 0): PhasePlan => ({
  name: `open-${rps}`,
  startS,
  durationS,
  load: { kind: 'open', shape: { type: 'constant', rps }, arrival: { type: 'constant' } },
  slo: null,
});

async function runOne(phases: PhasePlan[], client: Client, worker = 0, workers = 1, maxInFlight = 1000) {
  const startUs = nowUs() + 10_000;
  const recorder = new IntervalRecorder(startUs);
  const d = new Dispatcher({ phases, arrivals: (p, i) => createArrivals(p, 9, i), client, recorder, startUs, worker, workers, maxInFlight });
  await d.run();
  return { d, recorder };
}

describe('Dispatcher', () => {
  it('sends open-loop requests without waiting for replies, and drops what exceeds max_in_flight', async () => {
    const client = heldClient(true);
    const { d, recorder } = await runOne([open(200, 0.5)], client, 0, 1, 30);
    expect(client.sends).toBe(30);
    expect(d.outstanding).toBe(30);
    client.release();
    await d.idle();
    const agg = new RunAggregate([open(200, 0.5)]);
    agg.add(recorder.take(), 0, Number.MAX_SAFE_INTEGER);
    const c = agg.phaseCounts[0]!;
    expect(c.scheduled).toBe(100);
    expect(c.sent).toBe(30);
    expect(c.dropped).toBe(70);
    expect(c.errors).toEqual({ DROPPED: 70 });
    expect(c.ok).toBe(30);
  });

  it.each([[1], [2], [3]])('splits the arrivals exactly among %i worker(s)', async (workers) => {
    const phases = [open(300, 0.3)];
    const counts = await Promise.all(
      Array.from({ length: workers }, async (_, k) => {
        const client = heldClient(false);
        const { d } = await runOne(phases, client, k, workers);
        await d.idle();
        return client.sends;
      }),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(90);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it('keeps exactly the planned number of requests outstanding in a closed-loop phase', async () => {
    const client = heldClient(false);
    const phase: PhasePlan = { name: 'closed', startS: 0, durationS: 0.2, load: { kind: 'closed', concurrency: 5 }, slo: null };
    const { d } = await runOne([phase], client);
    await d.idle();
    expect(client.maxOutstanding).toBe(5);
    expect(client.sends).toBeGreaterThan(10);
  });

  it('stop() ends sending early', async () => {
    const client = heldClient(false);
    const startUs = nowUs();
    const d = new Dispatcher({ phases: [open(100, 10)], arrivals: (p, i) => createArrivals(p, 9, i), client, recorder: new IntervalRecorder(startUs), startUs, worker: 0, workers: 1, maxInFlight: 100 });
    const running = d.run();
    setTimeout(() => d.stop(), 100);
    await running;
    expect(client.sends).toBeLessThan(30);
  });
});
