/**
 * The metrics front end: `GET /metrics` in the Prometheus text format on its own port (Triton's 8002).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

/** MetricsFrontEnd is a running metrics server. */
export interface MetricsFrontEnd {
  port: number;
  close(): Promise<void>;
}

/** startMetricsServer serves `metrics` on host:port (port 0 = any free port). */
export async function startMetricsServer(metrics: Metrics, host: string, port: number): Promise<MetricsFrontEnd> {
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
