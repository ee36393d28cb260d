/**
 * Reading a Prometheus endpoint over http:// or https://. fetch() cannot take a custom CA or a client certificate
 * per request, so https:// metrics URLs (a target's `metrics_url` behind the same TLS as the target) go through
 * node:https with the target's TLS options: its CA bundle, client certificate and `insecure_skip_verify`.
 */
import http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';
import { tlsOptions } from '../targets/tls-options.js';
import type { TargetSpec } from '../targets/target-spec.js';

/** FetchMetricsOptions bound a metrics read: its abort signal, its size, and the TLS options of https:// URLs. */
export interface FetchMetricsOptions {
  signal: AbortSignal;
  maxBytes: number;
  tls?: tls.ConnectionOptions;
}

/** metricsTls is the TLS options for a target's https:// metrics_url (undefined for http:// or a target without tls). */
export function metricsTls(target: TargetSpec, url: string): tls.ConnectionOptions | undefined {
  if (!url.startsWith('https://')) return undefined;
  const { hostname } = new URL(url);
  return tlsOptions(target, hostname.replace(/^\[|\]$/g, ''), 'http/1.1');
}

/** fetchMetrics GETs the URL and returns its body as text; it rejects on a status other than 2xx, a body over maxBytes, or the signal. */
export function fetchMetrics(url: string, opts: FetchMetricsOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https://');
    const req = (secure ? https : http).get(url, { signal: opts.signal, ...(secure && opts.tls ? { ...opts.tls, ALPNProtocols: undefined } : {}), agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        reject(new Error(`HTTP ${status}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > opts.maxBytes) {
          req.destroy();
          reject(new Error(`metrics larger than ${opts.maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
