/**
 * HTTP/1.1 requests as bytes: a target URL becomes an endpoint (host, port, base path) and a request becomes
 * one pre-serialised Buffer (request line, headers, body), built once and written with a single socket write.
 */
import { GauntletError } from '../errors.js';

/** HttpEndpoint is where an HTTP target listens. */
export interface HttpEndpoint {
  /** Host name or address to connect to (IPv6 without brackets). */
  host: string;
  port: number;
  /** The value of the Host header (`host:port`, IPv6 in brackets). */
  hostHeader: string;
  /** Path prefix from the URL, without a trailing slash ('' when none). */
  basePath: string;
  /** An https:// URL: the connections use TLS. */
  secure?: boolean;
}

/** parseHttpUrl reads an `http://host[:port][/prefix]` target URL; anything else is a configuration error. */
export function parseHttpUrl(url: string, what = 'url'): HttpEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `${what}: ${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `${what}: only http:// and https:// URLs are supported, got ${JSON.stringify(url)}`);
  }
  if (u.search !== '' || u.hash !== '') {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `${what}: a target URL cannot have a query or fragment: ${JSON.stringify(url)}`);
  }
  const secure = u.protocol === 'https:';
  const port = u.port === '' ? (secure ? 443 : 80) : Number(u.port);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port, hostHeader: u.host, basePath: u.pathname.replace(/\/+$/, ''), secure };
}

/** BODYLESS_METHODS are the methods that send no body and so no Content-Length when none is given. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

/** serializeRequest builds the whole request as one Buffer; Content-Length is always computed here, never taken from `headers`. */
export function serializeRequest(
  method: string,
  path: string,
  endpoint: HttpEndpoint,
  headers: Readonly<Record<string, string | number>>,
  body?: Buffer,
): Buffer {
  if (!/^[A-Z!#$%&'*+.^_`|~0-9a-z-]+$/.test(method)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `http.method: ${JSON.stringify(method)} is not an HTTP method`);
  }
  if (!path.startsWith('/') || /[\s]/.test(path)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `http.path: ${JSON.stringify(path)} must start with / and contain no spaces`);
  }
  // A target's own `host` header overrides the URL's (a gateway that routes on Host, reached by address).
  const hostOverride = Object.entries(headers).find(([name]) => name.toLowerCase() === 'host')?.[1];
  if (hostOverride !== undefined && /[\r\n\s]/.test(String(hostOverride))) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `http.headers: invalid host ${JSON.stringify(hostOverride)}`);
  }
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${hostOverride ?? endpoint.hostHeader}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length' || lower === 'transfer-encoding') continue;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n]/.test(String(value))) {
      throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `http.headers: invalid header ${JSON.stringify(name)}: ${JSON.stringify(value)}`);
    }
    head += `${name}: ${value}\r\n`;
  }
  if (body !== undefined || !BODYLESS_METHODS.has(method)) head += `content-length: ${body?.length ?? 0}\r\n`;
  head += '\r\n';
  const headBytes = Buffer.from(head, 'latin1');
  return body === undefined || body.length === 0 ? headBytes : Buffer.concat([headBytes, body]);
}

/** headerValue finds a header in a raw response head (as kept by the pool), case-insensitively; undefined if absent. */
export function headerValue(head: string, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === want) return line.slice(colon + 1).trim();
  }
  return undefined;
}
