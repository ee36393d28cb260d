/**
 * One small HTTP(S) request for the control side of external sweeps (the model load call and the readiness
 * probe): bounded in time and in the body kept, aborted with the sweep, and sent with the target's headers and
 * TLS settings when it goes to the target's own origin (a bearer token is never sent anywhere else).
 */
import http from 'node:http';
import https from 'node:https';
import { requestHeaders } from '../targets/target-headers.js';
import type { TargetSpec } from '../targets/target-spec.js';
import { tlsOptions } from '../targets/tls-options.js';

/** CallResult is a response's status and the start of its body, or why there was none. */
export type CallResult = { status: number; body: string } | { error: string };

/** MAX_BODY_CHARS bounds the body kept from a control response (an error message, not data). */
export const MAX_BODY_CHARS = 4000;

/** httpCall sends one request and resolves with its status and body, or an error; it never rejects. */
export function httpCall(url: string, opts: { method: 'GET' | 'POST'; timeoutMs: number; target?: TargetSpec; body?: string; signal?: AbortSignal }): Promise<CallResult> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve({ error: `invalid URL ${url}` });
  }
  const sameOrigin = opts.target !== undefined && sameOriginAs(u, opts.target.url);
  const headers: Record<string, string> = { ...(sameOrigin && opts.target ? requestHeaders(opts.target) : {}) };
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(opts.body));
  }
  const secure = u.protocol === 'https:';
  const tls = secure && sameOrigin && opts.target ? (tlsOptions(opts.target, u.hostname, 'http/1.1') ?? {}) : {};
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: CallResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const req = (secure ? https : http).request(u, { method: opts.method, headers, agent: false, ...tls }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < MAX_BODY_CHARS) body += d.slice(0, MAX_BODY_CHARS - body.length);
      });
      res.on('end', () => finish({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => finish({ error: err.message }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ error: `no answer within ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    const onAbort = (): void => {
      req.destroy();
      finish({ error: 'interrupted' });
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code ? `${err.code}: ${err.message}` : err.message }));
    req.end(opts.body);
  });
}

function sameOriginAs(u: URL, targetUrl: string): boolean {
  try {
    const t = new URL(/^[a-z]+:\/\//i.test(targetUrl) ? targetUrl : `http://${targetUrl}`);
    return t.host === u.host;
  } catch {
    return false;
  }
}
