/**
 * The kserve-http client: KServe v2 inference over HTTP/1.1, in JSON or with the binary tensor data extension.
 * Every payload is a whole pre-serialised request, built once from the seed and cycled round robin; `send()`
 * looks only at the status and counts the body, `check()` reads the response and validates it.
 */
import { GauntletError } from '../errors.js';
import type { Outcome } from './client.js';
import { checkFailed, ErrorSamples, type ErrorSample } from './failures.js';
import { Http1Pool } from './http1-pool.js';
import { headerValue, type HttpEndpoint, parseHttpUrl, serializeRequest } from './http1-request.js';
import { requestHeaders } from './target-headers.js';
import { tlsOptions } from './tls-options.js';
import type { ClientFactory, ClientOptions, TargetClient } from './registry.js';
import type { RequestSpec, TargetSpec } from './target-spec.js';
import { connectionLimit } from './target-spec.js';
import { buildPayloads, elementCount, type TensorData } from './tensor-data.js';
import { RequestMix } from './request-mix.js';
import { firstOfEachModel, prepareTraceRequests, type TraceRequest } from './trace-requests.js';
import { CHECKED_BODY_BYTES, judgeHttp, type ResponseCheck } from './response-check.js';
import { decodeHttpOutputs } from './response-outputs.js';

/** HEADER_LENGTH is the binary extension's header giving the length of the JSON part of a body. */
const HEADER_LENGTH = 'inference-header-content-length';

/** inferPath is the infer route of a model: `/v2/models/{m}[/versions/{v}]/infer` under the URL's base path. */
export function inferPath(endpoint: HttpEndpoint, model: string, version?: string): string {
  const v = version === undefined || version === '' ? '' : `/versions/${encodeURIComponent(version)}`;
  return `${endpoint.basePath}/v2/models/${encodeURIComponent(model)}${v}/infer`;
}

/** modelOf is the model a kserve request goes to: the request's, else the target's; neither is a configuration error. */
export function modelOf(target: TargetSpec, request: RequestSpec): { model: string; version?: string } {
  const model = request.model ?? target.model;
  if (model === undefined || model === '') {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `target ${target.name}: no model to infer on (set the target's model or the request's model)`);
  }
  const version = request.modelVersion ?? target.modelVersion;
  return version === undefined ? { model } : { model, version };
}

/** encodeInferBody builds one infer body and its headers, in JSON or with binary tensors. */
export function encodeInferBody(request: RequestSpec, tensors: TensorData[], binary: boolean): { body: Buffer; headers: Record<string, string | number> } {
  const doc: Record<string, unknown> = {
    inputs: request.inputs.map((input, i) => {
      const base = { name: input.name, datatype: input.datatype, shape: input.shape };
      const t = tensors[i]!;
      return binary ? { ...base, parameters: { binary_data_size: t.raw.length } } : { ...base, data: t.values };
    }),
  };
  if (request.outputs !== undefined) {
    doc['outputs'] = request.outputs.map((name) => (binary ? { name, parameters: { binary_data: true } } : { name }));
  }
  const parameters = { ...request.parameters, ...(binary && request.outputs === undefined && { binary_data_output: true }) };
  if (Object.keys(parameters).length > 0) doc['parameters'] = parameters;
  const json = Buffer.from(JSON.stringify(doc), 'utf8');
  if (!binary) return { body: json, headers: { 'content-type': 'application/json' } };
  return {
    body: Buffer.concat([json, ...tensors.map((t) => t.raw)]),
    headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: json.length },
  };
}

/** kserveErrorMessage reads `{"error": "..."}` from an error body, else returns the body as text. */
export function kserveErrorMessage(status: number, body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    const doc = JSON.parse(text) as { error?: unknown };
    if (typeof doc.error === 'string') return doc.error;
  } catch {
    // not JSON: the text itself is the best message
  }
  return text === '' ? `HTTP status ${status}` : text;
}

/** KserveHttpClient sends KServe v2 infer requests over a pool of HTTP/1.1 keep-alive connections. */
export class KserveHttpClient implements TargetClient {
  private readonly samples = new ErrorSamples();
  private readonly pool: Http1Pool;
  private readonly payloads: Buffer[];
  /** The mix, when the request has one (then `payloads` is empty). */
  private readonly mix: RequestMix<Buffer> | undefined;
  private readonly label: string;
  /** The requests of trace replays' variants (ClientOptions.variants), by index. */
  private readonly variants: TraceRequest<Buffer>[];
  private next = 0;

  constructor(
    target: TargetSpec,
    private readonly request: RequestSpec,
    opts: ClientOptions,
  ) {
    const endpoint = parseHttpUrl(target.url, `target ${target.name}: url`);
    const extra = requestHeaders(target);
    const encode = (model: string, version: string | undefined, req: RequestSpec, tensors: TensorData[]): Buffer => {
      const { body, headers } = encodeInferBody(req, tensors, target.binary);
      return serializeRequest('POST', inferPath(endpoint, model, version), endpoint, { ...extra, ...headers }, body);
    };
    if (request.mix !== undefined) {
      this.mix = new RequestMix(target, request, opts.seed, encode);
      this.payloads = [];
      this.label = `kserve-http target ${target.name} (${target.url}), models ${[...new Set(this.mix.models)].join(', ')}`;
    } else {
      const { model, version } = modelOf(target, request);
      this.mix = undefined;
      this.payloads = buildPayloads(request, opts.seed).map((tensors) => encode(model, version, request, tensors));
      this.label = `kserve-http target ${target.name} (${target.url}), model ${model}`;
    }
    this.variants = prepareTraceRequests(target, request, opts.variants ?? [], opts.seed, encode, httpBodyBytes);
    const maxConnections = connectionLimit(target);
    this.pool = new Http1Pool({
      host: endpoint.host,
      port: endpoint.port,
      maxConnections,
      timeoutMs: target.timeoutMs,
      samples: this.samples,
      describeError: kserveErrorMessage,
      ...(endpoint.secure && { tls: tlsOptions(target, endpoint.host, 'http/1.1') ?? {} }),
    });
  }

  /** send sends the next payload (of the mix: checked when its template expects something). */
  send(pick?: number): Promise<Outcome> {
    const v = pick === undefined ? undefined : this.variants[pick];
    if (v !== undefined || this.mix !== undefined) {
      const e = v ?? this.mix!.next();
      if (e.check === undefined) return this.pool.send(e.payload);
      const check = e.check;
      return this.pool.fetch(e.payload, false, CHECKED_BODY_BYTES).then((res) => judgeHttp(res, check, e.decode ? decodeHttpOutputs : undefined, this.samples));
    }
    const payload = this.payloads[this.next]!;
    this.next = this.next + 1 === this.payloads.length ? 0 : this.next + 1;
    return this.pool.send(payload);
  }

  /**
   * check sends the first payload (of each template of a mix) and validates the response: JSON with every output
   * (and its data) present. Expected values are not compared here: a wrong answer is BAD_OUTPUT in the run.
   */
  async check(): Promise<void> {
    const firsts: { payload: Buffer; check?: ResponseCheck | undefined; label: string; outputs: string[] | undefined }[] = this.mix
      ? this.mix.firsts().map((e, i) => ({ ...e, label: `${this.label} (template ${this.request.mix![i]!.name})`, outputs: this.request.mix![i]!.outputs }))
      : [{ payload: this.payloads[0]!, label: this.label, outputs: this.request.outputs }];
    for (const e of firstOfEachModel(this.variants)) firsts.push({ ...e, label: `${this.label} (trace model ${e.model}${e.version !== undefined ? ` version ${e.version}` : ''})`, outputs: undefined });
    for (const e of firsts) {
      const res = await this.pool.fetch(e.payload);
      const statuses = e.check?.expect?.status;
      if (statuses !== undefined && res.status > 0 && statuses.includes(res.status) && res.outcome.code !== 'OK') continue;
      const label = e.label;
      const code = res.outcome.code;
      if (code !== 'OK') throw checkFailed(label, code, res.status > 0 ? kserveErrorMessage(res.status, res.body) : res.error);
      const problem = checkInferResponse(res.head, res.body, e.outputs);
      if (problem !== undefined) throw checkFailed(label, 'BAD_RESPONSE', problem);
    }
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

/** checkInferResponse returns what is wrong with an infer response (head and whole body), or undefined. */
export function checkInferResponse(head: string, body: Buffer, wanted: string[] | undefined): string | undefined {
  const lengthHeader = headerValue(head, HEADER_LENGTH);
  const jsonLength = lengthHeader === undefined ? body.length : Number(lengthHeader);
  if (!Number.isInteger(jsonLength) || jsonLength < 0 || jsonLength > body.length) return `bad ${HEADER_LENGTH}: ${lengthHeader}`;
  let doc: { outputs?: unknown };
  try {
    doc = JSON.parse(body.toString('utf8', 0, jsonLength)) as { outputs?: unknown };
  } catch (err) {
    return `the response is not JSON: ${(err as Error).message}`;
  }
  if (!Array.isArray(doc.outputs) || doc.outputs.length === 0) return 'the response has no outputs';
  let binaryBytes = 0;
  const names = new Set<string>();
  for (const o of doc.outputs as { name?: unknown; shape?: unknown; data?: unknown; parameters?: { binary_data_size?: unknown } }[]) {
    if (typeof o.name !== 'string' || !Array.isArray(o.shape)) return 'an output has no name or shape';
    names.add(o.name);
    const size = o.parameters?.binary_data_size;
    if (typeof size === 'number') binaryBytes += size;
    else if (!Array.isArray(o.data) || o.data.flat(Infinity).length !== elementCount(o.shape as number[])) {
      return `output '${o.name}' has no data matching its shape`;
    }
  }
  for (const name of wanted ?? []) if (!names.has(name)) return `output '${name}' is missing from the response`;
  if (binaryBytes !== body.length - jsonLength) return `the outputs declare ${binaryBytes} binary bytes, but ${body.length - jsonLength} follow the JSON`;
  return undefined;
}

/** httpBodyBytes is the body size of a serialised HTTP request (what follows its head). */
function httpBodyBytes(request: Buffer): number {
  const end = request.indexOf('\r\n\r\n');
  return end < 0 ? 0 : request.length - end - 4;
}

/** createKserveHttpClient is the registry factory of kserve-http. */
export const createKserveHttpClient = ((target, request, opts) => new KserveHttpClient(target, request, opts)) satisfies ClientFactory;
