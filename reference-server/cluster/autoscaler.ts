/**
 * Autoscaler scales a cluster between its minimum and maximum replicas on a metric the router already knows,
 * deciding every interval as the Kubernetes HPA does (hpa.ts): a scale-up starts stopped replica slots (a real
 * cold start: spawn, load, warm up, plus the supervisor's extra delay), a scale-down drains replicas as
 * stop-replica does. Each decision is logged with the figures behind it, exported as metrics, and each change
 * kept as a scale event for the admin API (GET /admin/autoscaler). See docs/cluster.md#autoscaler.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge } from 'prom-client';
import { decide, emptyHistory, type HpaSettings, type LimitedBy } from './hpa.js';
import type { RouterMetrics } from './router-metrics.js';
import type { Replica, Supervisor } from './supervisor.js';

/** AUTOSCALE_METRICS are the signals the autoscaler can follow, each an average per ready replica. */
export const AUTOSCALE_METRICS = ['queue-depth', 'concurrency', 'utilization'] as const;
/** AutoscaleMetric is one of AUTOSCALE_METRICS. */
export type AutoscaleMetric = (typeof AUTOSCALE_METRICS)[number];

/** AutoscaleOptions are the HPA settings plus the signal, the decision period and the drain grace. */
export interface AutoscaleOptions extends HpaSettings {
  metric: AutoscaleMetric;
  intervalMs: number;
  /** Cores each replica's instances share: utilization's denominator. */
  coresPerReplica: number;
  drainGraceMs: number;
}

/** ScaleEvent is one change of the desired count, with the figures that caused it and when it took effect. */
export interface ScaleEvent {
  /** Wall-clock time of the decision, epoch milliseconds. */
  atMs: number;
  direction: 'up' | 'down';
  from: number;
  to: number;
  reason: { metric: AutoscaleMetric; value: number; target: number; ready: number; recommended: number; limitedBy: LimitedBy };
  replicas: string[];
  /** When every replica it started was ready (up) or every one it drained had stopped (down); null until then or when one failed. */
  readyAtMs: number | null;
  readyAfterS: number | null;
}

const LIVE: readonly Replica['state'][] = ['starting', 'ready', 'ejected'];
const MAX_EVENTS = 1000;

/** Autoscaler runs the decision loop of one cluster. */
export class Autoscaler {
  readonly events: ScaleEvent[] = [];
  /** Decisions taken so far. */
  decisions = 0;
  private readonly history = emptyHistory();
  private readonly busy = new Map<Replica, { generation: number; us: number; atMs: number; share: number }>();
  private readonly startedAtMs = performance.now();
  private timer?: NodeJS.Timeout;
  private readonly last = { current: 0, desired: 0, value: 0 };
  private readonly scaleEvents: Counter<'direction'>;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly metrics: RouterMetrics,
    readonly opts: AutoscaleOptions,
    private readonly log: (line: string) => void,
  ) {
    const registers = [metrics.registry];
    const last = this.last;
    new Gauge({
      name: 'gauntlet_autoscaler_desired_replicas',
      help: "The autoscaler's last desired replica count",
      registers,
      collect() {
        this.set(last.desired);
      },
    });
    new Gauge({
      name: 'gauntlet_autoscaler_current_replicas',
      help: 'Replicas starting or serving at the last decision',
      registers,
      collect() {
        this.set(last.current);
      },
    });
    new Gauge({
      name: 'gauntlet_autoscaler_metric_value',
      help: "The autoscaler's signal at the last decision, averaged per ready replica",
      labelNames: ['metric'],
      registers,
      collect() {
        this.set({ metric: opts.metric }, last.value);
      },
    });
    new Gauge({
      name: 'gauntlet_autoscaler_metric_target',
      help: "The signal's target per replica",
      labelNames: ['metric'],
      registers,
      collect() {
        this.set({ metric: opts.metric }, opts.target);
      },
    });
    this.scaleEvents = new Counter({ name: 'gauntlet_autoscaler_scale_events_total', help: 'Changes of the desired replica count, by direction', labelNames: ['direction'], registers });
    for (const direction of ['up', 'down']) this.scaleEvents.inc({ direction }, 0);
  }

  /** start begins deciding every interval. */
  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** stop ends the loop (scale-ups and drains under way go on). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** view is what GET /admin/autoscaler answers. */
  view(): unknown {
    const { coresPerReplica: _c, drainGraceMs: _d, ...settings } = this.opts;
    return { settings, decisions: this.decisions, current: this.last.current, desired: this.last.desired, value: this.last.value, events: this.events };
  }

  /** tick measures the signal, decides, logs and acts once. */
  async tick(): Promise<void> {
    const live = this.supervisor.replicas.filter((r) => LIVE.includes(r.state));
    const ready = live.filter((r) => r.state === 'ready');
    const value = round(await this.measure(ready));
    const nowS = (performance.now() - this.startedAtMs) / 1000;
    const d = decide(this.opts, this.history, nowS, live.length, ready.length, value);
    this.decisions++;
    Object.assign(this.last, { current: live.length, desired: d.desired, value });
    this.log(`autoscaler: ${this.opts.metric} ${value} per replica (target ${this.opts.target}, ${ready.length} ready), current ${live.length}, recommended ${d.recommended}, desired ${d.desired}, limited by ${d.limitedBy}`);
    if (d.desired === live.length) return;
    const direction = d.desired > live.length ? 'up' : 'down';
    const chosen = direction === 'up' ? this.supervisor.replicas.filter((r) => r.state === 'stopped').slice(0, d.desired - live.length) : scaleDownOrder(live).slice(0, live.length - d.desired);
    if (!chosen.length) return;
    const event: ScaleEvent = {
      atMs: Date.now(),
      direction,
      from: live.length,
      to: live.length + (direction === 'up' ? chosen.length : -chosen.length),
      reason: { metric: this.opts.metric, value, target: this.opts.target, ready: ready.length, recommended: d.recommended, limitedBy: d.limitedBy },
      replicas: chosen.map((r) => r.id),
      readyAtMs: null,
      readyAfterS: null,
    };
    this.events.push(event);
    if (this.events.length > MAX_EVENTS) this.events.shift();
    this.scaleEvents.inc({ direction });
    this.log(`autoscaler: scale ${direction} ${event.from} -> ${event.to} (${event.replicas.join(', ')})`);
    const done = chosen.map((r) => (direction === 'up' ? this.supervisor.restore(r.id) : this.supervisor.stop(r.id, this.opts.drainGraceMs)));
    void Promise.all(done).then(
      () => {
        event.readyAtMs = Date.now();
        event.readyAfterS = round((event.readyAtMs - event.atMs) / 1000);
        this.log(`autoscaler: scale ${direction} to ${event.to} done after ${event.readyAfterS} s`);
      },
      (err: Error) => this.log(`autoscaler: scale ${direction} to ${event.to} failed: ${err.message.split('\n', 1)[0]}`),
    );
  }

  /** measure averages the signal over the ready replicas (0 with none). */
  private async measure(ready: Replica[]): Promise<number> {
    if (!ready.length) return 0;
    if (this.opts.metric === 'concurrency') return ready.reduce((n, r) => n + r.inFlight, 0) / ready.length;
    await this.metrics.sums.refresh(this.supervisor.replicas, 500);
    if (this.opts.metric === 'queue-depth') return ready.reduce((n, r) => n + this.metrics.sums.replicaTotal(r, 'nv_inference_pending_request_count'), 0) / ready.length;
    // Utilization: compute time per second of wall time, over the cores the replica's instances share, between two
    // scrapes. A replica whose scrape did not arrive (it is too busy to answer in time) keeps its last figure: a
    // missing scrape must not read as an idle replica.
    let total = 0;
    for (const r of ready) {
      const atMs = this.metrics.sums.scrapedAt(r);
      const us = this.metrics.sums.replicaTotal(r, 'nv_inference_compute_infer_duration_us');
      const prev = this.busy.get(r);
      let share = prev && prev.generation === r.generation ? prev.share : 0;
      if (atMs !== undefined && prev && prev.generation === r.generation && atMs > prev.atMs) share = Math.max(0, us - prev.us) / ((atMs - prev.atMs) * 1000 * this.opts.coresPerReplica);
      if (atMs !== undefined && (!prev || atMs > prev.atMs || prev.generation !== r.generation)) this.busy.set(r, { generation: r.generation, us, atMs, share });
      total += share;
    }
    return total / ready.length;
  }
}

/** scaleDownOrder lists the replicas a scale-down drains first: those still starting, then the newest slots. */
function scaleDownOrder(live: Replica[]): Replica[] {
  return [...live].sort((a, b) => Number(b.state === 'starting') - Number(a.state === 'starting') || b.id.localeCompare(a.id, 'en', { numeric: true }));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
