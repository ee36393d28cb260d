/**
 * The headers a target adds to every request: its static `headers` (kserve-http, kserve-grpc; an http target's
 * `headers` are its request's) and, with `bearer_token_env`, `Authorization: Bearer <token>` read from that
 * environment variable when the client is made. The token is never kept in the target spec, so it cannot reach
 * results.json or a report; redactTarget hides the static header values there too (they may be API keys).
 */
import { GauntletError } from '../errors.js';
import type { TargetSpec } from './target-spec.js';

/** REDACTED stands for a header value in results and reports. */
export const REDACTED = '<redacted>';

/** HEADERS_SHOWN are header names whose values are never secret and stay readable in results. */
const HEADERS_SHOWN = new Set(['content-type', 'accept', 'user-agent', 'host']);

/** bearerToken reads the target's bearer token from its environment variable (undefined: the target has none). */
export function bearerToken(target: TargetSpec): string | undefined {
  const name = target.bearerTokenEnv;
  if (name === undefined) return undefined;
  const token = process.env[name];
  if (token === undefined || token === '') {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `target ${target.name}: bearer_token_env: the environment variable ${name} is not set or empty`);
  }
  if (/[\r\n\0]/.test(token)) throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `target ${target.name}: bearer_token_env: the value of ${name} has a line break or NUL`);
  return token.trim();
}

/** requestHeaders is what a target adds to each request: its static headers, then Authorization. */
export function requestHeaders(target: TargetSpec): Record<string, string> {
  const out: Record<string, string> = { ...(target.headers ?? {}) };
  const token = bearerToken(target);
  if (token !== undefined) out['authorization'] = `Bearer ${token}`;
  return out;
}

function redactHeaders(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, HEADERS_SHOWN.has(k.toLowerCase()) ? v : REDACTED]));
}

/** redactTarget is the spec as results and reports show it: header values (but content-type and the like) hidden. */
export function redactTarget<T extends object>(target: T): T {
  const t = target as T & Partial<Pick<TargetSpec, 'headers' | 'http'>>;
  if (t.headers === undefined && t.http === undefined) return target;
  return {
    ...t,
    ...(t.headers !== undefined && { headers: redactHeaders(t.headers) }),
    ...(t.http !== undefined && { http: { ...t.http, headers: redactHeaders(t.http.headers) } }),
  };
}
