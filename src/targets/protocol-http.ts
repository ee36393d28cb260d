/** The http protocol: any HTTP endpoint, sent one fixed request (method, path, headers, body). */
import type { Fields } from '../scenario/fields.js';
import { show } from '../scenario/fields.js';
import { TEXT_LIMITS } from '../scenario/limits.js';
import { BODY_REQUESTS } from '../scenario/request-kinds.js';
import { checkHttpUrl } from '../scenario/target-fields.js';
import { createHttpClient } from './http-client.js';
import { defineProtocol, urlAddress, urlProxied } from './protocol-entry.js';
import type { TargetSpec } from './target-spec.js';

/** HTTP_METHODS are the methods a plain http target may use. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** readHttpRequest reads the request of a plain http target: method, path, headers, body (a mapping is sent as JSON). */
function readHttpRequest(f: Fields, headers: Record<string, string>): NonNullable<TargetSpec['http']> {
  const body = f.obj.body;
  let bodyText: string | undefined;
  if (typeof body === 'string') bodyText = body;
  else if (Array.isArray(body) || (typeof body === 'object' && body !== null)) bodyText = JSON.stringify(body);
  else if (body !== undefined && body !== null) f.problem('body', `must be a string or a mapping (sent as JSON), got ${show(body)}`);
  const path = f.string('path', true);
  if (path !== undefined && !path.startsWith('/')) f.problem('path', `must start with /, got ${JSON.stringify(path)}`);
  if (bodyText !== undefined && typeof body !== 'string' && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const method = f.oneOf('method', HTTP_METHODS) ?? (bodyText !== undefined ? 'POST' : 'GET');
  return { method, path: path ?? '/', headers, ...(bodyText !== undefined && { body: bodyText }) };
}

/** HTTP is the http protocol's entry; its headers belong to its request (TargetSpec.http), not to the target. */
export const HTTP = defineProtocol({
  summary: 'any HTTP endpoint, one fixed request',
  keys: ['method', 'path', 'body'],
  required: ['path'],
  url: { description: 'http: http(s)://host:port', check: (url) => checkHttpUrl(url, true) },
  headers: 'http',
  tokenEnvKey: 'bearer_token_env',
  read: (f, { headers }) => ({ http: readHttpRequest(f, headers ?? {}) }),
  schema: () => ({
    method: { enum: [...HTTP_METHODS], description: 'http: the request method (default POST with a body, else GET).' },
    path: { type: 'string', pattern: '^/', maxLength: TEXT_LIMITS.text, description: 'http: the request path.' },
    body: { type: ['string', 'object', 'array'], description: 'http: the request body (a mapping is sent as JSON).' },
  }),
  describe: (t) => ({ wire: '', details: t.http ? [`${t.http.method} ${t.http.path}`] : [] }),
  address: urlAddress,
  proxied: urlProxied,
  request: BODY_REQUESTS,
  client: createHttpClient,
});
