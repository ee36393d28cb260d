/**
 * AlertWatch polls Prometheus's alerts API (/api/v1/alerts) every POLL_INTERVAL_MS during the run and turns what it
 * sees into episodes on the run's clock: an alert (a name and label set) becomes pending at its activeAt, fires when
 * a poll first sees it firing, and resolves when a poll first sees it gone. A failed poll is counted and skipped:
 * the drill keeps the episodes it has, and the next poll catches up (an alert that came and went within one failed
 * poll is missed, which the poll error count makes visible).
 */
import type { AlertRecord } from '../results/alert-results.js';

/** POLL_INTERVAL_MS is how often the alerts API is polled. */
export const POLL_INTERVAL_MS = 500;
/** POLL_TIMEOUT_MS bounds one poll. */
const POLL_TIMEOUT_MS = 2000;

/** ApiAlert is one alert as /api/v1/alerts lists it. */
interface ApiAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | string;
  activeAt?: string;
}

/** AlertWatch records the alert episodes of one Prometheus on one run clock. */
export class AlertWatch {
  readonly episodes: AlertRecord[] = [];
  pollErrors = 0;
  lastError?: string;
  private readonly open = new Map<string, AlertRecord>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private startEpochMs = 0;

  constructor(private readonly url: string) {}

  /** start begins polling; times are seconds from startEpochMs. */
  start(startEpochMs: number): void {
    this.startEpochMs = startEpochMs;
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
    }, POLL_INTERVAL_MS);
  }

  /** stop polls once more (so an alert that resolved in the last half second is seen), then stops. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
    await this.poll();
  }

  /** poll asks for the active alerts once and updates the episodes. */
  async poll(): Promise<void> {
    let alerts: ApiAlert[];
    try {
      const r = await fetch(`${this.url}/api/v1/alerts`, { signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
      const body = (await r.json()) as { status?: string; data?: { alerts?: ApiAlert[] } };
      if (r.status !== 200 || body.status !== 'success' || !Array.isArray(body.data?.alerts)) throw new Error(`HTTP ${r.status}: ${JSON.stringify(body).slice(0, 200)}`);
      alerts = body.data.alerts;
    } catch (err) {
      this.pollErrors++;
      this.lastError = (err as Error).message;
      return;
    }
    this.observe(alerts, this.seconds(Date.now()));
  }

  /** observe applies one poll's active alerts, seen at `nowS` on the run clock. */
  observe(alerts: ApiAlert[], nowS: number): void {
    const seen = new Set<string>();
    for (const a of alerts) {
      const { alertname, ...labels } = a.labels;
      const name = alertname ?? '(unnamed)';
      const key = `${name}\u0000${JSON.stringify(Object.entries(labels).sort(([x], [y]) => (x < y ? -1 : 1)))}`;
      seen.add(key);
      let ep = this.open.get(key);
      if (!ep) {
        const active = a.activeAt ? Date.parse(a.activeAt) : NaN;
        ep = { name, labels, pendingAtS: Number.isFinite(active) ? round(this.seconds(active)) : nowS };
        this.open.set(key, ep);
        this.episodes.push(ep);
      }
      if (a.state === 'firing' && ep.firedAtS === undefined) ep.firedAtS = nowS;
    }
    for (const [key, ep] of this.open) {
      if (seen.has(key)) continue;
      ep.resolvedAtS = nowS;
      this.open.delete(key);
    }
  }

  private seconds(epochMs: number): number {
    return round((epochMs - this.startEpochMs) / 1000);
  }
}

/** round keeps milliseconds. */
function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}
