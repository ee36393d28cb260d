/**
 * The cluster's pure parts: the three balancing policies, the retry budget (with a fake clock), the admin API's
 * loopback check, and the monotonic sums of the replicas' Triton counters.
 */
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../../reference-server/cluster/admin-api.js';
import { type BalancedReplica, createBalancer } from '../../../reference-server/cluster/balancer.js';
import { RetryBudget } from '../../../reference-server/cluster/retry-budget.js';
import { Replica } from '../../../reference-server/cluster/supervisor.js';
import { TritonSums } from '../../../reference-server/cluster/triton-sums.js';

const replica = (id: string, inFlight = 0, generation = 1): BalancedReplica => ({ id, inFlight, generation });

/** seeded is a small deterministic generator in [0, 1). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function tally(pick: () => BalancedReplica, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = pick().id;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe('balancing policies', () => {
  it('round-robin takes the replicas in turn, evenly, and keeps going when one leaves', () => {
    const b = createBalancer('round-robin');
    const all = [replica('r2'), replica('r0'), replica('r1')];
    expect(Array.from({ length: 6 }, () => b.pick(all).id)).toEqual(['r0', 'r1', 'r2', 'r0', 'r1', 'r2']);
    expect(tally(() => b.pick(all), 300)).toEqual({ r0: 100, r1: 100, r2: 100 });
    const two = [replica('r0'), replica('r2')];
    expect(tally(() => b.pick(two), 100)).toEqual({ r0: 50, r2: 50 });
  });

  it('least-outstanding compares two random replicas and never picks the busier of the pair', () => {
    const b = createBalancer('least-outstanding', seeded(1));
    // With two replicas both are always compared: the idle one wins every time.
    expect(tally(() => b.pick([replica('r0', 5), replica('r1', 0)]), 200)).toEqual({ r1: 200 });
    // With four, the busiest can never win a comparison; the idlest wins each one it is drawn into (half).
    const four = [replica('r0', 0), replica('r1', 3), replica('r2', 3), replica('r3', 9)];
    const counts = tally(() => b.pick(four), 4000);
    expect(counts['r3']).toBeUndefined();
    expect(counts['r0']! / 4000).toBeGreaterThan(0.45);
    // Equal loads spread over every replica.
    const even = tally(() => b.pick([replica('r0'), replica('r1'), replica('r2')]), 3000);
    for (const id of ['r0', 'r1', 'r2']) expect(even[id]! / 3000).toBeGreaterThan(0.25);
  });

  it('least-outstanding is reproducible with a seeded random source', () => {
    const ids = (seed: number) => {
      const b = createBalancer('least-outstanding', seeded(seed));
      const all = [replica('r0'), replica('r1'), replica('r2'), replica('r3')];
      return Array.from({ length: 20 }, () => b.pick(all).id);
    };
    expect(ids(42)).toEqual(ids(42));
  });

  it('latency-ewma prefers the faster replica, breaks ties by in-flight, and forgets a restarted replica', () => {
    const b = createBalancer('latency-ewma');
    const fast = replica('r0');
    const slow = replica('r1');
    for (let i = 0; i < 10; i++) {
      b.observe(fast, 2);
      b.observe(slow, 50);
    }
    expect(b.pick([slow, fast]).id).toBe('r0');
    // The moving average follows a change: the fast one slows down.
    for (let i = 0; i < 30; i++) b.observe(fast, 200);
    expect(b.pick([slow, fast]).id).toBe('r1');
    // A restarted replica has no history: it counts as the best sampled one, and in-flight decides the tie.
    const restarted = replica('r0', 0, 2);
    expect(b.pick([{ ...slow, inFlight: 1 }, restarted]).id).toBe('r0');
    expect(b.pick([{ ...slow, inFlight: 0 }, { ...restarted, inFlight: 3 }]).id).toBe('r1');
  });
});

describe('RetryBudget', () => {
  it('allows 3 retries per second of its 10 s window plus 20 % of the requests, and recovers as the window slides', () => {
    let now = 0;
    const budget = new RetryBudget({ now: () => now });
    let allowed = 0;
    while (budget.tryRetry()) allowed++;
    expect(allowed).toBe(30);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    allowed = 0;
    while (budget.tryRetry()) allowed++;
    expect(allowed).toBe(20); // 20 % of 100
    now = 5_000;
    expect(budget.tryRetry()).toBe(false); // the window still holds all of it
    now = 10_500; // the first second (requests and retries) has left the window
    allowed = 0;
    while (budget.tryRetry()) allowed++;
    expect(allowed).toBe(30);
  });
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['example.com', false],
    ['', false],
  ])('%s → %s', (host, want) => {
    expect(isLoopback(host)).toBe(want);
  });
});

describe('TritonSums', () => {
  const text = (success: number, pending: number) => `# HELP nv_inference_request_success Number of successful inference requests
# TYPE nv_inference_request_success counter
nv_inference_request_success{model="m",version="1"} ${success}
# HELP nv_inference_pending_request_count Pending requests
# TYPE nv_inference_pending_request_count gauge
nv_inference_pending_request_count{version="1",model="m"} ${pending}
# HELP process_cpu_seconds_total CPU
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 3
`;
  const value = (rendered: string, name: string): number => Number(new RegExp(`^${name}\\{model="m",version="1"\\} (\\S+)$`, 'm').exec(rendered)?.[1]);

  it('sums over replicas, keeps a dead process counters, adds the next process on top, and drops gauges of the dead', () => {
    const sums = new TritonSums();
    const a = new Replica('r0');
    const b = new Replica('r1');
    sums.update(a, 1, text(10, 2));
    sums.update(b, 1, text(5, 1));
    let out = sums.render();
    expect(value(out, 'nv_inference_request_success')).toBe(15);
    expect(value(out, 'nv_inference_pending_request_count')).toBe(3);
    expect(out).toContain('# TYPE nv_inference_request_success counter');
    expect(out).not.toContain('process_cpu_seconds_total');
    sums.retire(a); // r0 died
    out = sums.render();
    expect(value(out, 'nv_inference_request_success')).toBe(15);
    expect(value(out, 'nv_inference_pending_request_count')).toBe(1);
    sums.update(a, 2, text(1, 0)); // restarted: its counters start again
    expect(value(sums.render(), 'nv_inference_request_success')).toBe(16);
    sums.update(a, 3, text(4, 0)); // a new life seen without a retire in between: the last one is kept too
    expect(value(sums.render(), 'nv_inference_request_success')).toBe(20);
  });
});
