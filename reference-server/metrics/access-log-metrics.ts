/**
 * The access log's own counters in a server's or router's Prometheus registry, read at scrape time.
 */
import { Counter, type Registry } from 'prom-client';
import type { AccessLog } from '../core/access-log.js';

/** registerAccessLogMetrics adds gauntlet_access_log_lines_total and gauntlet_access_log_dropped_total for `log` to `registry`. */
export function registerAccessLogMetrics(registry: Registry, log: AccessLog): void {
  new Counter({
    name: 'gauntlet_access_log_lines_total',
    help: 'Access log lines written to the file',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(log.written);
    },
  });
  new Counter({
    name: 'gauntlet_access_log_dropped_total',
    help: 'Access log lines dropped because the disk did not keep up (the buffer was full) or a write failed',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(log.dropped);
    },
  });
}
