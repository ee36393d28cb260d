/**
 * The dispatcher's work is bounded by the sends it makes, never by the planned rate: an astronomically high rate
 * drops its backlog in bulk (counted exactly, in the seconds the arrivals were due in), a sender that cannot keep
 * up gives up a phase's leftovers soon after the phase's end, stop() is read within a turn of the event loop
 * whatever the backlog, and closed loops with absurd concurrency stay within max_in_flight.
 */
import { describe, expect, it, vi } from 'vitest';
import { Dispatcher, PHASE_OVERRUN_MS, TICK_MAX_SENDS } from '../../../src/load/dispatcher.js';
import { IntervalRecorder, type IntervalSnapshot } from '../../../src/load/interval-recorder.js';
import { OwnArrivals } from '../../../src/load/own-arrivals.js';
import { createArrivals } from '../../../src/scenario/arrivals.js';
import type { ArrivalSpec, PhasePlan } from '../../../src/scenario/plan.js';
import { type Client, nowUs, type Outcome } from '../../../src/targets/client.js';

type TestClient = Client & { sends: number; maxOutstanding: number; release(): void };

/** testClient answers OK after `reply` ('held': when released; 'turn': on the next turn; 'now': in a microtask). */
function testClient(reply: 'held' | 'turn' | 'now', busyUs = 0): TestClient {
  const pending: ((o: Outcome) => void)[] = [];
  let outstanding = 0;
  const c: TestClient = {
    sends: 0,
    maxOutstanding: 0,
    send(): Promise<Outcome> {
      const sentUs = nowUs();
      // A slow sender: the send itself takes this long on the sending thread.
      while (nowUs() - sentUs < busyUs);
      c.sends++;
      outstanding++;
      c.maxOutstanding = Math.max(c.maxOutstanding, outstanding);
      return new Promise<Outcome>((resolve) => {
        const done = (o: Outcome): void => {
          outstanding--;
          resolve(o);
        };
        const ok = (): void => done({ code: 'OK', sentUs, doneUs: nowUs() });
        if (reply === 'held') pending.push(done);
        else if (reply === 'turn') setImmediate(ok);
        else ok();
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

const open = (rps: number, durationS: number, arrival: ArrivalSpec = { type: 'constant' }): PhasePlan => ({
  name: 'open',
  startS: 0,
  durationS,
  load: { kind: 'open', shape: { type: 'constant', rps }, arrival },
  slo: null,
});

function dispatcher(phases: PhasePlan[], client: Client, maxInFlight: number, worker = 0, workers = 1) {
  const startUs = nowUs() + 5_000;
  const recorder = new IntervalRecorder(startUs);
  const d = new Dispatcher({ phases, arrivals: (p, i) => createArrivals(p, 9, i), client, recorder, startUs, worker, workers, maxInFlight });
  return { d, recorder, startUs };
}

/** bySecond sums a counter of the snapshots per second. */
function bySecond(cells: IntervalSnapshot[], key: 'scheduled' | 'dropped' | 'sent'): number[] {
  const out: number[] = [];
  for (const c of cells) out[c.second] = (out[c.second] ?? 0) + c[key];
  return Array.from(out, (v) => v ?? 0);
}

describe('Dispatcher bounds', () => {
  it('drops a backlog of 2.5e12 arrivals in bulk, counted exactly in the seconds they were due in', async () => {
    const client = testClient('held');
    const { d, recorder } = dispatcher([open(1e12, 2.5)], client, 8);
    const t0 = performance.now();
    await d.run();
    // The phase lasts 2.5 s; walking its arrivals one by one would take days.
    expect(performance.now() - t0).toBeLessThan(2500 + PHASE_OVERRUN_MS);
    const cells = recorder.take();
    expect(client.sends).toBe(8);
    expect(bySecond(cells, 'scheduled')).toEqual([1e12, 1e12, 5e11]);
    const dropped = bySecond(cells, 'dropped');
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(2.5e12 - 8);
    expect(dropped[1]).toBe(1e12);
    expect(cells.reduce((n, c) => n + (c.errors['DROPPED'] ?? 0), 0)).toBe(2.5e12 - 8);
    client.release();
  });

  it('drops across second boundaries whose times round back into the second before', async () => {
    // A run that started 2.5 s ago with a 2 s phase: its arrivals are dropped in one go, across its seconds. On a
    // (fake) clock just past 2^24 µs (16.8 s into the process), start + k s rounds when it crosses that power of two,
    // and the start is picked so that it rounds down into second k − 1: recomputing a boundary from a time there
    // would never move on. (Real runs cross 2^24, 2^25, … µs too.)
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      vi.advanceTimersByTime(Math.max(0, (2 ** 24 + 1_000_000) / 1000 - performance.now()));
      let startUs = nowUs() - 2_500_000;
      const roundsBack = (s0: number): boolean => [1, 2].some((k) => Math.floor((s0 + k * 1e6 - s0) / 1e6) < k);
      for (let i = 0; i < 100_000 && !roundsBack(startUs); i++) startUs += 0.001;
      expect(roundsBack(startUs)).toBe(true);
      const client = testClient('held');
      const recorder = new IntervalRecorder(startUs);
      const d = new Dispatcher({ phases: [open(1e9, 2)], arrivals: (p, i) => createArrivals(p, 9, i), client, recorder, startUs, worker: 0, workers: 1, maxInFlight: 2 });
      await d.run();
      client.release();
      const cells = recorder.take();
      expect(cells.reduce((n, c) => n + c.scheduled, 0)).toBe(2e9);
      expect(cells.reduce((n, c) => n + c.dropped, 0)).toBe(2e9 - 2);
      expect(bySecond(cells, 'scheduled').slice(0, 2)).toEqual([1e9, 1e9]);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([[2], [3], [7]])('keeps the round-robin share exact over bulk drops with %i workers', async (workers) => {
    const runs = await Promise.all(
      Array.from({ length: workers }, async (_, k) => {
        const client = testClient('held');
        const { d, recorder } = dispatcher([open(1e9, 1)], client, 4, k, workers);
        await d.run();
        client.release();
        const cells = recorder.take();
        return { scheduled: cells.reduce((n, c) => n + c.scheduled, 0), dropped: cells.reduce((n, c) => n + c.dropped, 0), sends: client.sends };
      }),
    );
    expect(runs.reduce((n, r) => n + r.scheduled, 0)).toBe(1e9);
    for (const r of runs) {
      expect(r.sends).toBe(4);
      expect(r.dropped).toBe(r.scheduled - 4);
      expect(Math.abs(r.scheduled - 1e9 / workers)).toBeLessThanOrEqual(1);
    }
  });

  it.each<[string, ArrivalSpec]>([
    ['poisson', { type: 'poisson' }],
    ['gamma', { type: 'gamma', burstiness: 4 }],
  ])('%s arrivals at 1e10 rps: every arrival is scheduled once and either sent or dropped', async (_, arrival) => {
    const client = testClient('held');
    const { d, recorder } = dispatcher([open(1e10, 1, arrival)], client, 16);
    await d.run();
    client.release();
    const cells = recorder.take();
    const scheduled = cells.reduce((n, c) => n + c.scheduled, 0);
    const dropped = cells.reduce((n, c) => n + c.dropped, 0);
    expect(client.sends).toBe(16);
    expect(dropped).toBe(scheduled - 16);
    // Poisson: sd 1e5; gamma with burstiness 4: sd 2e5. Six of them either way.
    expect(Math.abs(scheduled - 1e10)).toBeLessThan(1.2e6);
  });

  it('still sends late arrivals (timed from their intended time) while below max_in_flight', async () => {
    const client = testClient('turn');
    const { d, recorder, startUs } = dispatcher([open(2000, 0.5)], client, 1000);
    // Block the thread through the first 100 ms of the phase: those sends are late, not dropped.
    const until = startUs + 100_000;
    setImmediate(() => {
      while (nowUs() < until);
    });
    await d.run();
    await d.idle();
    const cells = recorder.take();
    expect(client.sends).toBe(1000);
    expect(cells.reduce((n, c) => n + c.dropped, 0)).toBe(0);
    expect(cells.reduce((n, c) => n + c.late, 0)).toBeGreaterThan(150);
  });

  it('gives up the arrivals a slow sender has not sent one overrun after the phase', async () => {
    // Each send costs 1 ms of the sending thread: 1000 sends a second at most, against 4000 planned.
    const client = testClient('turn', 1000);
    const { d, recorder } = dispatcher([open(4000, 0.5)], client, 10_000);
    const t0 = performance.now();
    await d.run();
    const took = performance.now() - t0;
    await d.idle();
    expect(took).toBeLessThan(500 + PHASE_OVERRUN_MS + 400);
    const cells = recorder.take();
    const scheduled = cells.reduce((n, c) => n + c.scheduled, 0);
    const dropped = cells.reduce((n, c) => n + c.dropped, 0);
    expect(scheduled).toBe(2000);
    expect(dropped).toBeGreaterThan(0);
    expect(client.sends + dropped).toBe(2000);
    // The leftovers are counted when they were given up: after the phase's end.
    expect(cells.filter((c) => c.dropped > 0).every((c) => c.second >= 1)).toBe(true);
  });

  it('reads stop() within a turn while sending an endless backlog', async () => {
    const client = testClient('turn');
    const { d } = dispatcher([open(1e12, 60)], client, 1e12);
    const running = d.run();
    let stoppedAt = 0;
    setTimeout(() => {
      stoppedAt = performance.now();
      d.stop();
    }, 100);
    await running;
    expect(stoppedAt).toBeGreaterThan(0);
    expect(performance.now() - stoppedAt).toBeLessThan(100);
    expect(client.sends).toBeGreaterThan(TICK_MAX_SENDS);
    await d.idle();
  });

  it('a closed loop with absurd concurrency keeps max_in_flight outstanding, and stops', async () => {
    const client = testClient('turn');
    const phase: PhasePlan = { name: 'closed', startS: 0, durationS: 60, load: { kind: 'closed', concurrency: 1e12 }, slo: null };
    const { d } = dispatcher([phase], client, 64);
    const running = d.run();
    setTimeout(() => d.stop(), 100);
    await running;
    await d.idle();
    expect(client.maxOutstanding).toBe(64);
  });

  it('a closed loop whose replies settle without I/O still lets the event loop turn', async () => {
    const client = testClient('now');
    const phase: PhasePlan = { name: 'closed', startS: 0, durationS: 60, load: { kind: 'closed', concurrency: 4 }, slo: null };
    const { d } = dispatcher([phase], client, 64);
    const running = d.run();
    setTimeout(() => d.stop(), 50);
    await running;
    expect(client.sends).toBeGreaterThan(100);
  });
});

describe('OwnArrivals', () => {
  it.each([
    [1, 0],
    [3, 0],
    [3, 2],
    [5, 4],
  ])('with %i workers, worker %i: skips count exactly the arrivals next() would have given it', (workers, worker) => {
    const p = open(1000, 2);
    const all: number[] = [];
    const a = new OwnArrivals(createArrivals(p, 1, 0), 0, worker, workers);
    for (let t = a.next(); t !== undefined; t = a.next()) all.push(t);
    const b = new OwnArrivals(createArrivals(p, 1, 0), 0, worker, workers);
    let seen = 0;
    for (const cut of [1000, 1000, 250_000, 999_999, 1_500_000, 3_000_000]) {
      const first = b.next();
      if (first === undefined) break;
      expect(first).toBe(all[seen]);
      seen++;
      seen += b.skip(cut);
      expect(all.slice(0, seen).every((t) => t < Math.max(cut, first + 1))).toBe(true);
      expect(all[seen] === undefined || all[seen]! >= cut).toBe(true);
    }
  });
});
