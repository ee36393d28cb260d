/**
 * The admin API of a cluster: list, kill, stop and restore replicas over HTTP (see docs/cluster.md). It binds
 * loopback addresses only and every request needs `Authorization: Bearer <token>`; the token is compared in
 * constant time, and a request without the right one gets 401 and changes nothing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, type ServerTimeouts } from '../core/listen.js';
import type { Autoscaler } from './autoscaler.js';
import { ClusterError } from './cluster-error.js';
import type { ReplicaInfo, Supervisor } from './supervisor.js';

/** AdminOptions says where to listen and which token to accept. */
export interface AdminOptions {
  /** A loopback address (127.0.0.0/8, ::1 or localhost); anything else is refused. */
  host: string;
  port: number;
  token: string;
  /** Grace period of a graceful stop, in milliseconds. */
  stopGraceMs: number;
  /** Random numbers in [0, 1) for `any/kill`. */
  random?: () => number;
  /** Client timeouts (default DEFAULT_TIMEOUTS). */
  timeouts?: Partial<ServerTimeouts>;
  /** The cluster's autoscaler: GET /admin/autoscaler shows its settings, last decision and scale events. */
  autoscaler?: Pick<Autoscaler, 'view'>;
}

/** AdminApi is the running admin server. */
export interface AdminApi {
  port: number;
  close(): Promise<void>;
}

/** ADMIN_TOKEN_ENV is the environment variable `gauntlet serve` reads the admin token from; no replica inherits it. */
export const ADMIN_TOKEN_ENV = 'GAUNTLET_ADMIN_TOKEN';

const ROUTE = /^\/admin\/replicas\/([^/]+)\/(kill|stop|restore)$/;

/** isLoopback tells whether a host name or address is a loopback one. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** startAdminApi binds the admin API; it throws for a non-loopback host or an empty token. */
export async function startAdminApi(supervisor: Supervisor, opts: AdminOptions): Promise<AdminApi> {
  if (!isLoopback(opts.host)) throw new Error(`the admin API binds loopback addresses only (127.0.0.1, ::1, localhost), not '${opts.host}'`);
  if (!opts.token) throw new Error('the admin API needs a token');
  const expected = digest(opts.token);
  const random = opts.random ?? Math.random;
  const server = createServer((req, res) => {
    req.resume(); // bodies are not used; drain them so keep-alive connections stay usable
    if (!isLoopback(req.socket.remoteAddress ?? '')) return send(res, 403, { error: 'the admin API answers loopback clients only' });
    if (!authorized(req, expected)) return send(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
    route(supervisor, req, opts.stopGraceMs, random, opts.autoscaler).then(
      (body) => send(res, 200, body),
      (err: Error) => send(res, err instanceof ClusterError ? err.status : 500, { error: err.message }),
    );
  });
  return listen(server, opts.host, opts.port, opts.timeouts);
}

async function route(supervisor: Supervisor, req: IncomingMessage, graceMs: number, random: () => number, autoscaler: AdminOptions['autoscaler']): Promise<unknown> {
  const path = (req.url ?? '/').split('?', 1)[0]!;
  const method = req.method ?? 'GET';
  if (path === '/admin/autoscaler') {
    if (method !== 'GET') throw new ClusterError(405, `${method} is not allowed on ${path}; use GET`);
    if (!autoscaler) throw new ClusterError(404, 'this cluster has no autoscaler (serve --replicas MIN..MAX --autoscale METRIC)');
    return autoscaler.view();
  }
  if (path === '/admin/replicas') {
    if (method !== 'GET') throw new ClusterError(405, `${method} is not allowed on ${path}; use GET`);
    return { replicas: supervisor.replicas.map((r) => r.info()) };
  }
  const m = ROUTE.exec(path);
  if (!m) throw new ClusterError(404, `no route for ${method} ${path}`);
  if (method !== 'POST') throw new ClusterError(405, `${method} is not allowed on ${path}; use POST`);
  const [, rawId, action] = m as unknown as [string, string, 'kill' | 'stop' | 'restore'];
  const id = decodeId(rawId);
  let replica: ReplicaInfo;
  if (id === 'any') {
    if (action === 'kill') {
      const ready = supervisor.ready();
      if (!ready.length) throw new ClusterError(409, 'no ready replica to kill');
      replica = await supervisor.kill(ready[Math.floor(random() * ready.length)]!.id);
    } else if (action === 'restore') {
      const down = supervisor.replicas.filter((r) => r.state === 'dead' || r.state === 'stopped').sort((a, b) => (a.downSince?.getTime() ?? 0) - (b.downSince?.getTime() ?? 0));
      if (!down.length) throw new ClusterError(409, 'no dead or stopped replica to restore');
      replica = await supervisor.restore(down[0]!.id);
    } else throw new ClusterError(404, `'any' is not accepted by ${action}; name the replica`);
  } else if (action === 'kill') replica = await supervisor.kill(id);
  else if (action === 'stop') replica = await supervisor.stop(id, graceMs);
  else replica = await supervisor.restore(id);
  return { replica };
}

/** decodeId percent-decodes a replica id; malformed encoding is the client's error (400), not the server's. */
function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ClusterError(400, `malformed percent-encoding in the replica id: ${JSON.stringify(raw.slice(0, 100))}`);
  }
}

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  // Hashing first makes both sides 32 bytes, so the comparison time reveals neither the token nor its length.
  return timingSafeEqual(digest(m?.[1] ?? ''), expected) && m !== null;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': json.length, ...extra });
  res.end(json);
}
