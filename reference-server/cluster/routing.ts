/**
 * Routing is what the HTTP and gRPC routers share: choosing a ready replica, keeping its in-flight count, the
 * retry rules (how many, the budget) and reporting connection failures to the health checker.
 */
import type { Balancer } from './balancer.js';
import type { HealthChecker } from './health.js';
import type { RetryBudget } from './retry-budget.js';
import type { RetryReason, RouterMetrics } from './router-metrics.js';
import type { Replica, Supervisor } from './supervisor.js';

/** RoutingOptions are the per-request limits. */
export interface RoutingOptions {
  /** Retries per request on another replica (attempts = 1 + maxRetries). */
  maxRetries: number;
  /** An attempt taking longer ends: 504 / DEADLINE_EXCEEDED, or a retry when one is allowed. */
  attemptTimeoutMs: number;
}

/** Attempt is one try of a request on one replica; `end` must be called exactly once. */
export interface Attempt {
  replica: Replica;
  /** The replica's generation when the attempt started (its connection pool belongs to it). */
  generation: number;
  startedAt: number;
  end(): void;
}

/** Routing chooses replicas and decides retries. */
export class Routing {
  constructor(
    readonly supervisor: Supervisor,
    readonly balancer: Balancer,
    readonly budget: RetryBudget,
    readonly health: HealthChecker,
    readonly metrics: RouterMetrics,
    readonly opts: RoutingOptions,
  ) {}

  /** received counts a request arriving (it feeds the retry budget). */
  received(): void {
    this.budget.recordRequest();
  }

  /** pick chooses a ready replica that this request has not tried yet. */
  pick(tried: ReadonlySet<Replica>): Replica | undefined {
    const candidates = this.supervisor.replicas.filter((r) => r.state === 'ready' && r.httpPort > 0 && !tried.has(r));
    return candidates.length ? this.balancer.pick(candidates) : undefined;
  }

  /** begin starts an attempt on a replica (counts it in flight). */
  begin(replica: Replica): Attempt {
    replica.inFlight++;
    replica.requests++;
    let ended = false;
    return {
      replica,
      generation: replica.generation,
      startedAt: performance.now(),
      end: () => {
        if (ended) return;
        ended = true;
        replica.inFlight--;
      },
    };
  }

  /** responded reports the time to an attempt's response headers to the balancer. */
  responded(a: Attempt): void {
    if (a.replica.generation === a.generation) this.balancer.observe(a.replica, performance.now() - a.startedAt);
  }

  /**
   * mayRetry decides whether a request whose attempt number `attempts` (1-based) failed before any response byte
   * may try again, and counts the retry or the budget's refusal.
   */
  mayRetry(attempts: number, reason: RetryReason): boolean {
    if (attempts > this.opts.maxRetries) return false;
    if (!this.budget.tryRetry()) {
      this.metrics.countBudgetExhausted();
      return false;
    }
    this.metrics.countRetry(reason);
    return true;
  }

  /** connectionFailed ejects a replica the router could not reach or lost before an answer. */
  connectionFailed(a: Attempt, why: string): void {
    this.health.connectionFailed(a.replica, a.generation, why);
  }
}

/** connectionReason classifies an error that ended an attempt before any response byte. */
export function connectionReason(err: NodeJS.ErrnoException): RetryReason {
  return err.code === 'ECONNREFUSED' ? 'refused' : 'reset';
}
