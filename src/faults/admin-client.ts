/**
 * AdminClient speaks the embedded stack's admin API (docs/cluster.md): list, kill, stop and restore replicas,
 * with the bearer token the stack printed at start-up. Every call resolves with the HTTP status and the parsed
 * body, or rejects on a transport failure, its timeout (no answer in that long, headers or body) or an abort of
 * its signal (the run was interrupted); callers turn all of these into fault outcomes.
 */
import http from 'node:http';
import type { ColdStart, ScaleEventRecord } from '../results/results-schema.js';

/** MAX_ANSWER_BYTES bounds an admin API answer. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** Replica is one replica as the admin API describes it. */
export interface Replica {
  id: string;
  state: 'starting' | 'ready' | 'ejected' | 'draining' | 'stopped' | 'dead';
  pid: number | null;
  restarts: number;
  coldStartMs: ColdStart | null;
  downSince: string | null;
  inFlight?: number;
  requests?: number;
}

/** AdminScaleEvent is a scale event as the admin API describes it (times in epoch milliseconds). */
export interface AdminScaleEvent extends Omit<ScaleEventRecord, 'atS' | 'readyAtS'> {
  atMs: number;
  readyAtMs: number | null;
}

/** AdminEndpoint is where the admin API listens and the token it wants. */
export interface AdminEndpoint {
  host: string;
  port: number;
  token: string;
}

/** AdminReply is an answer of the admin API. */
export interface AdminReply<T> {
  status: number;
  body: T & { error?: string };
}

/** AdminClient calls one stack's admin API. */
export class AdminClient {
  constructor(readonly endpoint: AdminEndpoint) {}

  /** replicas lists the replicas. */
  async replicas(timeoutMs = 10_000, signal?: AbortSignal): Promise<Replica[]> {
    const r = await this.call<{ replicas: Replica[] }>('GET', '/admin/replicas', timeoutMs, signal);
    if (r.status !== 200 || !Array.isArray(r.body.replicas)) throw new Error(`GET /admin/replicas: HTTP ${r.status}${r.body.error ? `: ${r.body.error}` : ''}`);
    return r.body.replicas;
  }

  /** autoscaler reads GET /admin/autoscaler: the stack's scale events (epoch-ms times; reference-server/cluster/autoscaler.ts). */
  async autoscaler(timeoutMs = 10_000, signal?: AbortSignal): Promise<{ events: AdminScaleEvent[] }> {
    const r = await this.call<{ events: AdminScaleEvent[] }>('GET', '/admin/autoscaler', timeoutMs, signal);
    if (r.status !== 200 || !Array.isArray(r.body.events)) throw new Error(`GET /admin/autoscaler: HTTP ${r.status}${r.body.error ? `: ${r.body.error}` : ''}`);
    return r.body;
  }

  /** act kills, stops or restores a replica (`any` lets the stack choose). */
  act(action: 'kill' | 'stop' | 'restore', replica: string, timeoutMs: number, signal?: AbortSignal): Promise<AdminReply<{ replica?: Replica }>> {
    return this.call('POST', `/admin/replicas/${encodeURIComponent(replica)}/${action}`, timeoutMs, signal);
  }

  private call<T>(method: string, path: string, timeoutMs: number, signal?: AbortSignal): Promise<AdminReply<T>> {
    const { host, port, token } = this.endpoint;
    if (signal?.aborted) return Promise.reject(new Error(`${method} ${path}: interrupted`));
    return new Promise((resolve, reject) => {
      // The whole exchange is bounded (a socket timeout alone restarts with every byte of a trickling answer).
      const deadline = setTimeout(() => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)), timeoutMs);
      const onAbort = (): void => void req.destroy(new Error(`${method} ${path}: interrupted`));
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
      };
      const req = http.request({ host, port, method, path, agent: false, headers: { authorization: `Bearer ${token}`, 'content-length': 0 } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`${method} ${path}: answer larger than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('error', (e) => (settle(), reject(e)));
        res.on('end', () => {
          settle();
          const text = Buffer.concat(chunks).toString('utf8');
          let body: T & { error?: string };
          try {
            body = (text === '' ? {} : JSON.parse(text)) as T & { error?: string };
          } catch {
            body = { error: `not JSON: ${text.slice(0, 200)}` } as T & { error?: string };
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on('error', (e) => (settle(), reject(e)));
      req.end();
    });
  }
}
