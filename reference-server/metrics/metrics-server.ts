/**
 * The metrics front end: `GET /metrics` in the Prometheus text format on its own port (Triton's 8002). The
 * router of a replicated stack serves its own metrics the same way.
 */
import { createServer } from 'node:http';
import { type Listening, listen, type ServerTimeouts } from '../core/listen.js';

/** MetricsFrontEnd is a running metrics server. */
export type MetricsFrontEnd = Listening;

/** MetricsSource is what a metrics server serves: the text exposition and its content type. */
export interface MetricsSource {
  text(): Promise<string>;
  registry: { contentType: string };
}

/** startMetricsServer serves `metrics` on host:port (port 0 = any free port), with the stack's client timeouts. */
export function startMetricsServer(metrics: MetricsSource, host: string, port: number, timeouts?: Partial<ServerTimeouts>): Promise<MetricsFrontEnd> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('only GET /metrics is served here\n');
      return;
    }
    metrics.text().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      },
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`failed to collect metrics: ${err.message}\n`);
      },
    );
  });
  return listen(server, host, port, timeouts);
}
