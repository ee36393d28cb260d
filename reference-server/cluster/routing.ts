/**
 * Routing is what the HTTP and gRPC routers share: admission (shedding a request at once, before its body is
 * read, when the router's event loop runs late or every ready replica has its limit of requests in flight),
 * choosing a ready replica with room, keeping its in-flight count, the retry rules (how many, the budget) and
 * reporting connection failures to the health checker.
 */
import { LoopDelay } from '../core/loop-delay.js';
import type { Balancer } from './balancer.js';
import type { HealthChecker } from './health.js';
import type { RetryBudget } from './retry-budget.js';
import type { Protocol, RetryReason, RouterMetrics } from './router-metrics.js';
import type { Replica, Supervisor } from './supervisor.js';

/** RoutingOptions are the per-request limits. */
export interface RoutingOptions {
  /** Retries per request on another replica (attempts = 1 + maxRetries). */
  maxRetries: number;
  /** An attempt taking longer ends: 504 / DEADLINE_EXCEEDED, or a retry when one is allowed. */
  attemptTimeoutMs: number;
  /** Requests in flight on one replica at most; when every ready replica has this many, new ones are shed (default: no limit). */
  maxInflightPerReplica?: number;
  /** Event-loop delay (ms) beyond which the router sheds new requests (default 0 = off). */
  maxEventLoopDelayMs?: number;
}

/** RouterShedReason says why the router refused a request (the `reason` label of gauntlet_router_shed_total). */
export type RouterShedReason = 'event_loop_delay' | 'replicas_full';

/** ROUTER_SHED_REASONS lists every RouterShedReason. */
export const ROUTER_SHED_REASONS: readonly RouterShedReason[] = ['event_loop_delay', 'replicas_full'];

/** Pick is a replica to try, or why there is none: no ready replica left to try, or every one left is full. */
export type Pick = Replica | 'none' | 'full';

/** Attempt is one try of a request on one replica; `end` must be called exactly once. */
export interface Attempt {
  replica: Replica;
  /** The replica's generation when the attempt started (its connection pool belongs to it). */
  generation: number;
  startedAt: number;
  end(): void;
}

/** Routing chooses replicas and decides admission and retries. */
export class Routing {
  private readonly loop: LoopDelay;
  private readonly perReplica: number;
  private readonly maxDelayMs: number;

  constructor(
    readonly supervisor: Supervisor,
    readonly balancer: Balancer,
    readonly budget: RetryBudget,
    readonly health: HealthChecker,
    readonly metrics: RouterMetrics,
    readonly opts: RoutingOptions,
  ) {
    this.perReplica = opts.maxInflightPerReplica || Infinity;
    this.maxDelayMs = opts.maxEventLoopDelayMs ?? 0;
    this.loop = new LoopDelay(this.maxDelayMs, 0); // a proxy's saturated loop is overloaded (see LoopDelay)
    if (this.maxDelayMs > 0) this.loop.start();
  }

  /**
   * admit decides a new request from its headers alone: the message of a refusal (counted, answered 503 /
   * UNAVAILABLE by the caller), or undefined to go on. With no ready replica it lets the request through, to be
   * answered 'no ready replica' as before.
   */
  admit(protocol: Protocol): string | undefined {
    if (this.loop.overloaded()) {
      this.metrics.countShed(protocol, 'event_loop_delay');
      return `the router is overloaded: its event loop runs ${Math.round(this.loop.delayMs())} ms late (limit ${this.maxDelayMs} ms); retry later`;
    }
    // Only a check: choosing here would advance round-robin's turn for a request that is not sent yet.
    const ready = this.supervisor.replicas.filter((r) => r.state === 'ready' && r.httpPort > 0);
    if (ready.length > 0 && ready.every((r) => r.inFlight >= this.perReplica)) return this.shedFull(protocol);
    return undefined;
  }

  /** shedFull counts a request refused because every ready replica is full, and returns its message. */
  shedFull(protocol: Protocol): string {
    this.metrics.countShed(protocol, 'replicas_full');
    return `every ready replica has its limit of ${this.perReplica} requests in flight; retry later`;
  }

  /** received counts a request arriving (it feeds the retry budget). */
  received(): void {
    this.budget.recordRequest();
  }

  /** pick chooses a ready replica that this request has not tried yet, with room for one more inference when `infer`. */
  pick(tried: ReadonlySet<Replica>, infer = true): Pick {
    const ready = this.supervisor.replicas.filter((r) => r.state === 'ready' && r.httpPort > 0 && !tried.has(r));
    if (ready.length === 0) return 'none';
    if (!infer) return this.balancer.pick(ready);
    const room = ready.filter((r) => r.inFlight < this.perReplica);
    return room.length ? this.balancer.pick(room) : 'full';
  }

  /** close stops measuring the event loop. */
  close(): void {
    this.loop.stop();
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
