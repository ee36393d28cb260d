/**
 * Load-balancing policies over the ready replicas: least-outstanding (power of two choices), round-robin and
 * latency-ewma. A policy only chooses; the router keeps the in-flight counts and reports response times.
 */

/** BalancedReplica is what a policy needs to know of a replica. */
export interface BalancedReplica {
  readonly id: string;
  /** Requests in flight on it now. */
  readonly inFlight: number;
  /** Changes on every restart; a restarted replica's latency history is forgotten. */
  readonly generation: number;
}

/** Balancer chooses one of the candidates (never empty when called) and may learn from response times. */
export interface Balancer {
  readonly name: PolicyName;
  pick<R extends BalancedReplica>(candidates: readonly R[]): R;
  /** observe reports the time to the response headers of an attempt on a replica, in milliseconds. */
  observe(replica: BalancedReplica, latencyMs: number): void;
}

/** PolicyName names a policy as `--router` does. */
export type PolicyName = 'least-outstanding' | 'round-robin' | 'latency-ewma';

/** POLICY_NAMES lists the policies. */
export const POLICY_NAMES: readonly PolicyName[] = ['least-outstanding', 'round-robin', 'latency-ewma'];

/** EWMA_WEIGHT is the weight of the newest sample in latency-ewma's moving average. */
export const EWMA_WEIGHT = 0.2;

/** createBalancer builds a policy; `random` returns numbers in [0, 1) (seed it for reproducible choices). */
export function createBalancer(name: PolicyName, random: () => number = Math.random): Balancer {
  switch (name) {
    case 'least-outstanding':
      return leastOutstanding(random);
    case 'round-robin':
      return roundRobin();
    case 'latency-ewma':
      return latencyEwma();
  }
}

/** leastOutstanding picks two distinct candidates at random and takes the one with fewer requests in flight. */
function leastOutstanding(random: () => number): Balancer {
  return {
    name: 'least-outstanding',
    pick(candidates) {
      const n = candidates.length;
      if (n === 1) return candidates[0]!;
      const i = Math.floor(random() * n);
      const j = (i + 1 + Math.floor(random() * (n - 1))) % n;
      const a = candidates[i]!;
      const b = candidates[j]!;
      return b.inFlight < a.inFlight ? b : a;
    },
    observe() {},
  } satisfies Balancer;
}

/** roundRobin takes the candidates in turn (by id, so a replica that leaves and returns keeps its place). */
function roundRobin(): Balancer {
  let next = 0;
  return {
    name: 'round-robin',
    pick(candidates) {
      const sorted = [...candidates].sort((x, y) => x.id.localeCompare(y.id, 'en', { numeric: true }));
      return sorted[next++ % sorted.length]!;
    },
    observe() {},
  } satisfies Balancer;
}

/**
 * latencyEwma picks the lowest moving average of response times, ties broken by fewer in flight. A replica with
 * no sample yet (new or restarted) counts as the best sampled one, so it gets traffic without taking all of it.
 */
function latencyEwma(): Balancer {
  const averages = new Map<string, { generation: number; ms: number }>();
  const average = (r: BalancedReplica): number | undefined => {
    const a = averages.get(r.id);
    return a && a.generation === r.generation ? a.ms : undefined;
  };
  return {
    name: 'latency-ewma',
    pick(candidates) {
      const sampled = candidates.map(average).filter((x): x is number => x !== undefined);
      const unsampled = sampled.length ? Math.min(...sampled) : 0;
      let best = candidates[0]!;
      let bestMs = average(best) ?? unsampled;
      for (const r of candidates.slice(1)) {
        const ms = average(r) ?? unsampled;
        if (ms < bestMs || (ms === bestMs && r.inFlight < best.inFlight)) {
          best = r;
          bestMs = ms;
        }
      }
      return best;
    },
    observe(r, latencyMs) {
      const prev = average(r);
      averages.set(r.id, { generation: r.generation, ms: prev === undefined ? latencyMs : prev + EWMA_WEIGHT * (latencyMs - prev) });
    },
  } satisfies Balancer;
}
