/**
 * Writers that render synthetic LogRecords (synthetic-logs.ts) as the access logs characterize reads, so tests
 * can go through the real parsers. Servers write a line when a request completes, so nginx and Envoy lines are in
 * completion order (start + latency), a few ms to seconds out of arrival order, as in real logs. Every line
 * carries a client address and a user agent, which characterize must never keep.
 */
import type { LogRecord } from '../../src/characterize/log-record.js';

/** NGINX_SYNTHETIC_LOG_FORMAT is the custom log_format of writeNginx: combined plus $request_time, $request_length and $msec. */
export const NGINX_SYNTHETIC_LOG_FORMAT = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $request_length $msec';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** timeLocal formats epoch µs as nginx's $time_local in UTC (`05/Jan/2026:12:00:00 +0000`), truncated to the second. */
export function timeLocal(us: number): string {
  const d = new Date(Math.floor(us / 1e6) * 1000);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** isoMs formats epoch µs as ISO 8601 UTC with milliseconds. */
export function isoMs(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

/** completionOrder is the records sorted by when they completed (stable, so ties keep arrival order). */
export function completionOrder(records: readonly LogRecord[]): LogRecord[] {
  return records.map((r, i) => ({ r, i, end: r.startUs + (r.latencyUs ?? 0) })).sort((a, b) => a.end - b.end || a.i - b.i).map((x) => x.r);
}

function clientAddress(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/**
 * writeNginx renders lines in NGINX_SYNTHETIC_LOG_FORMAT, in completion order; $msec is the completion time and
 * $request_time the latency (both exact to the ms for records of ms resolution, so $msec − $request_time is the
 * start). With `combined: true` it writes plain `combined` (no latency, no $msec) with $time_local at the start,
 * so the 1 s stamps are the records' own.
 */
export function writeNginx(records: readonly LogRecord[], opts: { combined?: boolean } = {}): string[] {
  const ordered = opts.combined ? [...records] : completionOrder(records);
  return ordered.map((r, i) => {
    const endUs = r.startUs + (r.latencyUs ?? 0);
    const head = `${clientAddress(i)} - - [${timeLocal(opts.combined ? r.startUs : endUs)}] "POST ${r.route ?? '/'}?token=secret${i} HTTP/1.1" ${r.status ?? '200'} ${r.responseBytes ?? 0} "-" "synthetic-agent/1.0 (user ${i})"`;
    if (opts.combined) return head;
    return `${head} ${((r.latencyUs ?? 0) / 1e6).toFixed(3)} ${r.requestBytes ?? 0} ${(endUs / 1e6).toFixed(3)}`;
  });
}

/** writeEnvoyJson renders Envoy JSON access-log lines (default format's fields; start_time is the start), in completion order. */
export function writeEnvoyJson(records: readonly LogRecord[]): string[] {
  return completionOrder(records).map((r, i) =>
    JSON.stringify({
      start_time: isoMs(r.startUs),
      method: 'POST',
      path: `${r.route ?? '/'}?token=secret${i}`,
      protocol: 'HTTP/1.1',
      response_code: Number(r.status ?? 200),
      response_flags: '-',
      bytes_received: r.requestBytes ?? 0,
      bytes_sent: r.responseBytes ?? 0,
      duration: Math.round((r.latencyUs ?? 0) / 1000),
      upstream_service_time: String(Math.round((r.latencyUs ?? 0) / 1000)),
      x_forwarded_for: clientAddress(i),
      user_agent: `synthetic-agent/1.0 (user ${i})`,
      request_id: `req-${i}`,
      authority: 'inference.example',
      upstream_host: '127.0.0.1:8000',
    }),
  );
}

/** writeJsonl renders one JSON object per record, in arrival order: timestamp (ISO, the start), latency_ms, request_bytes, response_bytes, status, route. */
export function writeJsonl(records: readonly LogRecord[]): string[] {
  return records.map((r) => JSON.stringify({ timestamp: isoMs(r.startUs), latency_ms: (r.latencyUs ?? 0) / 1000, request_bytes: r.requestBytes, response_bytes: r.responseBytes, status: r.status, route: r.route }));
}
