/**
 * The generic http client: sends the one request a target file describes (method, path, headers, body) again and
 * again over the HTTP/1.1 pool. Any 2xx is OK; everything else is HTTP_<status>, with the body kept as the message.
 */
import { GauntletError } from '../errors.js';
import type { Outcome } from './client.js';
import { checkFailed, ErrorSamples, type ErrorSample } from './failures.js';
import { Http1Pool } from './http1-pool.js';
import { parseHttpUrl, serializeRequest } from './http1-request.js';
import { requestHeaders } from './target-headers.js';
import { tlsOptions } from './tls-options.js';
import type { ClientFactory, TargetClient } from './registry.js';
import type { RequestSpec, TargetSpec } from './target-spec.js';
import { judgeHttp, type ResponseCheck } from './response-check.js';
import { connectionLimit } from './target-spec.js';

/** HttpClient sends a fixed HTTP request to a target. */
export class HttpClient implements TargetClient {
  private readonly samples = new ErrorSamples();
  private readonly pool: Http1Pool;
  private readonly payload: Buffer;
  private readonly noBody: boolean;
  private readonly label: string;
  /** The accepted statuses (request.expect.status), when the scenario lists them. */
  private readonly accepted: ResponseCheck | undefined;

  constructor(target: TargetSpec, request?: RequestSpec) {
    const expect = request?.expect;
    this.accepted = expect?.status !== undefined ? { expect } : undefined;
    const spec = target.http;
    if (spec === undefined) throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `target ${target.name}: protocol http needs a request (method, path)`);
    const endpoint = parseHttpUrl(target.url, `target ${target.name}: url`);
    const method = spec.method.toUpperCase();
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body, 'utf8');
    this.payload = serializeRequest(method, `${endpoint.basePath}${spec.path}`, endpoint, { ...spec.headers, ...requestHeaders(target) }, body);
    this.noBody = method === 'HEAD';
    this.label = `http target ${target.name} (${method} ${target.url}${spec.path})`;
    this.pool = new Http1Pool({
      host: endpoint.host,
      port: endpoint.port,
      maxConnections: connectionLimit(target),
      timeoutMs: target.timeoutMs,
      samples: this.samples,
      ...(endpoint.secure && { tls: tlsOptions(target, endpoint.host, 'http/1.1') ?? {} }),
    });
  }

  /** send sends the request once (with accepted statuses: an unexpected 2xx is BAD_OUTPUT, an expected non-2xx OK). */
  send(): Promise<Outcome> {
    const check = this.accepted;
    if (check === undefined) return this.pool.send(this.payload, this.noBody);
    return this.pool.fetch(this.payload, this.noBody, 4096).then((res) => judgeHttp(res, check, undefined, this.samples));
  }

  /** check sends the request once and throws unless the answer is 2xx (or a status the scenario accepts). */
  async check(): Promise<void> {
    const res = await this.pool.fetch(this.payload, this.noBody);
    if (res.outcome.code === 'OK') return;
    if (res.status > 0 && this.accepted?.expect?.status?.includes(res.status)) return;
    const message = res.status > 0 ? res.body.toString('utf8').trim().slice(0, 500) || `HTTP status ${res.status}` : res.error;
    throw checkFailed(this.label, res.outcome.code, message);
  }

  /** close closes every connection; outstanding sends resolve CANCELLED. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** errorSamples lists the first distinct failures. */
  errorSamples(): ErrorSample[] {
    return this.samples.list();
  }
}

/** createHttpClient is the registry factory of http. */
export const createHttpClient = ((target, request, opts) => {
  // Its body is the target file's own: it cannot be sent to another model or resized.
  if (opts.variants?.some((v) => v.model !== undefined || v.requestBytes !== undefined)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `target ${target.name}: protocol http sends its own body, so a trace's request sizes and models cannot be replayed to it (use a kserve-http or kserve-grpc target, or a trace of send times only)`);
  }
  return new HttpClient(target, request);
}) satisfies ClientFactory;
