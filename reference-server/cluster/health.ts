/**
 * HealthChecker sends `GET /v2/health/ready` to every ready or ejected replica each interval. A check fails on
 * any answer but 200, a refused or lost connection, or no answer in time. A ready replica is ejected after
 * `ejectAfter` consecutive failures, or at once when the router could not connect to it or lost the
 * connection before an answer; an ejected replica is re-admitted after READMIT_AFTER consecutive successes.
 */
import { probeReady } from './replica-process.js';
import type { Replica, Supervisor } from './supervisor.js';

/**
 * CHECK_TIMEOUT_MS is the least time a check waits for its answer (the interval, when longer): a busy replica
 * on a busy machine answers late without being unhealthy. A replica is not checked again while a check is open.
 */
export const CHECK_TIMEOUT_MS = 1000;

/** checkReady is the health check of one replica: probeReady, whose timeout bounds the whole exchange. */
export const checkReady = probeReady;

/** READMIT_AFTER is how many consecutive successful checks bring an ejected replica back. */
export const READMIT_AFTER = 2;

/** HealthOptions sets the check interval and the ejection threshold. */
export interface HealthOptions {
  intervalMs: number;
  ejectAfter: number;
  /** Called for every ejection (metrics). */
  onEject?: (replica: Replica, why: string) => void;
}

interface Tally {
  generation: number;
  failures: number;
  successes: number;
  checking: boolean;
}

/** HealthChecker runs the active checks and ejects on passive failures reported by the routers. */
export class HealthChecker {
  private readonly tallies = new Map<Replica, Tally>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly opts: HealthOptions,
  ) {
    supervisor.onStateChange((r) => {
      // Every new life and every (re)admission starts counting afresh.
      if (r.state === 'starting' || r.state === 'ready') this.tallies.delete(r);
    });
  }

  /** start begins the periodic checks. */
  start(): void {
    this.timer ??= setInterval(() => this.checkAll(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** stop ends the periodic checks. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** connectionFailed is the routers' report of a refused or lost connection to a replica: it is ejected at once. */
  connectionFailed(r: Replica, generation: number, why: string): void {
    if (r.generation !== generation) return;
    this.eject(r, `connection failed while proxying: ${why}`);
  }

  private checkAll(): void {
    for (const r of this.supervisor.replicas) {
      if (r.state !== 'ready' && r.state !== 'ejected') continue;
      const t = this.tally(r);
      if (t.checking) continue;
      t.checking = true;
      const port = r.httpPort;
      void checkReady(port, Math.max(CHECK_TIMEOUT_MS, this.opts.intervalMs)).then((result) => {
        t.checking = false;
        if (this.tallies.get(r) !== t || r.generation !== t.generation) return;
        if (result === true) {
          t.failures = 0;
          t.successes++;
          if (r.state === 'ejected' && t.successes >= READMIT_AFTER) this.supervisor.readmit(r);
        } else {
          t.successes = 0;
          t.failures++;
          if (t.failures >= this.opts.ejectAfter) this.eject(r, `${t.failures} consecutive failed health checks (last: ${result})`);
        }
      });
    }
  }

  private eject(r: Replica, why: string): void {
    if (this.supervisor.eject(r, why)) {
      this.opts.onEject?.(r, why);
      // Re-admission needs fresh successes after the ejection.
      const t = this.tally(r);
      t.failures = 0;
      t.successes = 0;
    }
  }

  private tally(r: Replica): Tally {
    let t = this.tallies.get(r);
    if (!t || t.generation !== r.generation) {
      t = { generation: r.generation, failures: 0, successes: 0, checking: false };
      this.tallies.set(r, t);
    }
    return t;
  }
}
