/**
 * The router's metrics, in a prom-client registry of its own: requests per replica and outcome, in-flight
 * counts, retries, retry-budget refusals, ejections, replica state, restarts and cold starts. `/metrics` adds
 * the replicas' Triton `nv_inference_*` series summed (TritonSums).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { ROUTER_SHED_REASONS, type RouterShedReason } from './routing.js';
import type { Replica, Supervisor } from './supervisor.js';
import { TritonSums } from './triton-sums.js';

/** Protocol labels the router's request counts. */
export type Protocol = 'http' | 'grpc';

/** RetryReason is why a failed attempt was retried: connection refused, connection lost, or attempt timeout. */
export type RetryReason = 'refused' | 'reset' | 'timeout';

/** NO_REPLICA is the replica label of requests that no replica could take. */
export const NO_REPLICA = 'none';

/** SCRAPE_INTERVAL_MS is how often the replicas' metrics are scraped in the background. */
const SCRAPE_INTERVAL_MS = 1000;
/** SCRAPE_TIMEOUT_MS bounds one replica scrape (a scrape of the router waits for a fresh one at most this long). */
const SCRAPE_TIMEOUT_MS = 500;

/** RouterMetrics is the router's registry plus the summed replica metrics. */
export class RouterMetrics {
  readonly registry = new Registry();
  readonly sums = new TritonSums();
  private readonly requests: Counter<'replica' | 'protocol' | 'code'>;
  private readonly retries: Counter<'reason'>;
  private readonly budgetExhausted: Counter;
  private readonly ejections: Counter<'replica'>;
  private readonly shed: Counter<'protocol' | 'reason'>;
  private timer?: NodeJS.Timeout;

  constructor(private readonly supervisor: Supervisor) {
    const registers = [this.registry];
    const replicas = supervisor.replicas;
    this.requests = new Counter({
      name: 'gauntlet_router_requests_total',
      help: 'Attempts the router sent, by replica and outcome (HTTP status or grpc-status code, or refused/reset/timeout/client_closed)',
      labelNames: ['replica', 'protocol', 'code'],
      registers,
    });
    // "No replica could take it" exists from the start at 0, so that rate() sees its first increase (an outage).
    for (const protocol of ['http', 'grpc'] satisfies Protocol[]) this.requests.inc({ replica: NO_REPLICA, protocol, code: protocol === 'http' ? '503' : '14' }, 0);
    this.retries = new Counter({ name: 'gauntlet_router_retries_total', help: 'Attempts retried on another replica, by why the attempt failed', labelNames: ['reason'], registers });
    for (const reason of ['refused', 'reset', 'timeout'] satisfies RetryReason[]) this.retries.inc({ reason }, 0);
    this.budgetExhausted = new Counter({ name: 'gauntlet_router_retry_budget_exhausted_total', help: 'Retries refused because the retry budget was spent', registers });
    this.ejections = new Counter({ name: 'gauntlet_router_ejections_total', help: 'Replicas taken out of rotation by health checks or connection errors', labelNames: ['replica'], registers });
    for (const r of replicas) this.ejections.inc({ replica: r.id }, 0);
    this.shed = new Counter({
      name: 'gauntlet_router_shed_total',
      help: 'Requests the router refused at once, before reading their body (503 / UNAVAILABLE): event_loop_delay or replicas_full',
      labelNames: ['protocol', 'reason'],
      registers,
    });
    for (const protocol of ['http', 'grpc'] satisfies Protocol[]) for (const reason of ROUTER_SHED_REASONS) this.shed.inc({ protocol, reason }, 0);
    new Gauge({
      name: 'gauntlet_router_in_flight',
      help: 'Requests in flight on each replica',
      labelNames: ['replica'],
      registers,
      collect() {
        for (const r of replicas) this.set({ replica: r.id }, r.inFlight);
      },
    });
    new Gauge({
      name: 'gauntlet_router_replica_up',
      help: '1 when the replica is ready (takes requests), else 0',
      labelNames: ['replica'],
      registers,
      collect() {
        for (const r of replicas) this.set({ replica: r.id }, r.state === 'ready' ? 1 : 0);
      },
    });
    new Counter({
      name: 'gauntlet_replica_restarts_total',
      help: 'Times each replica was started again (by the supervisor or a restore)',
      labelNames: ['replica'],
      registers,
      collect() {
        this.reset();
        for (const r of replicas) this.inc({ replica: r.id }, r.restarts);
      },
    });
    new Gauge({
      name: 'gauntlet_replica_cold_start_seconds',
      help: 'Last cold start of each replica by stage: spawn_to_loaded, loaded_to_ready (warm-up), total',
      labelNames: ['replica', 'stage'],
      registers,
      collect() {
        this.reset();
        for (const r of replicas) {
          const c = r.coldStart;
          if (!c) continue;
          this.set({ replica: r.id, stage: 'spawn_to_loaded' }, c.spawnToLoadedMs / 1000);
          this.set({ replica: r.id, stage: 'loaded_to_ready' }, c.loadedToReadyMs / 1000);
          this.set({ replica: r.id, stage: 'total' }, c.totalMs / 1000);
        }
      },
    });
    collectDefaultMetrics({ register: this.registry });
    supervisor.onStateChange((r) => {
      if (r.state === 'dead' || r.state === 'stopped') this.sums.retire(r);
    });
  }

  /** countRequest counts one attempt's outcome. */
  countRequest(replica: Replica | undefined, protocol: Protocol, code: string): void {
    this.requests.inc({ replica: replica?.id ?? NO_REPLICA, protocol, code });
  }

  /** countShed counts a request refused by the router's admission control. */
  countShed(protocol: Protocol, reason: RouterShedReason): void {
    this.shed.inc({ protocol, reason });
  }

  /** countRetry counts a retry and why. */
  countRetry(reason: RetryReason): void {
    this.retries.inc({ reason });
  }

  /** countBudgetExhausted counts a retry the budget refused. */
  countBudgetExhausted(): void {
    this.budgetExhausted.inc();
  }

  /** countEjection counts a replica taken out of rotation. */
  countEjection(replica: Replica): void {
    this.ejections.inc({ replica: replica.id });
  }

  /** startScraping scrapes the replicas' metrics every second, so a replica's counters are fresh when it dies. */
  startScraping(): void {
    this.timer ??= setInterval(() => void this.sums.refresh(this.supervisor.replicas, SCRAPE_TIMEOUT_MS), SCRAPE_INTERVAL_MS);
    this.timer.unref();
  }

  /** text scrapes the replicas now, then renders the router's metrics followed by the replicas' sums. */
  async text(): Promise<string> {
    await this.sums.refresh(this.supervisor.replicas, SCRAPE_TIMEOUT_MS);
    return `${await this.registry.metrics()}\n${this.sums.render()}`;
  }

  /** close stops the background scrapes. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
