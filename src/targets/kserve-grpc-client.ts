/**
 * The kserve-grpc client: KServe v2 ModelInfer over gRPC (HTTP/2 without grpc-js). Each payload is a
 * ModelInferRequest encoded and framed once, with the tensors in raw_input_contents, and cycled round robin;
 * `send()` looks only at the grpc-status, `check()` decodes the response and validates its outputs.
 */
import { GauntletError } from '../errors.js';
import type { Outcome } from './client.js';
import { checkFailed, ErrorSamples, type ErrorSample } from './failures.js';
import { GrpcChannel, KEPT_BYTES } from './grpc-channel.js';
import { modelOf } from './kserve-http-client.js';
import { checkInferSummary, decodeModelInferResponse, encodeModelInferRequest, frameGrpc, MODEL_INFER_PATH, unframeGrpc } from './kserve-grpc-message.js';
import type { ClientFactory, ClientOptions, TargetClient } from './registry.js';
import type { RequestSpec, TargetSpec } from './target-spec.js';
import { buildPayloads, type TensorData } from './tensor-data.js';
import { RequestMix } from './request-mix.js';
import { firstOfEachModel, prepareTraceRequests, type TraceRequest } from './trace-requests.js';
import { judgeDecoded } from './response-check.js';
import { decodeGrpcOutputs, type Decoded } from './response-outputs.js';
import { requestHeaders } from './target-headers.js';
import { tlsOptions } from './tls-options.js';

/** parseGrpcAddress reads `host:port` or `grpc://host:port` into an HTTP/2 authority; anything else is a configuration error. */
export function parseGrpcAddress(url: string, what = 'url'): string {
  const m = /^(?:grpcs?:\/\/)?(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+):(\d{1,5})\/?$/.exec(url);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `${what}: must be host:port or grpc://host:port, got ${JSON.stringify(url)}`);
  }
  return `${m[1]}:${port}`;
}

/** KserveGrpcClient sends ModelInfer calls multiplexed over HTTP/2 sessions. */
export class KserveGrpcClient implements TargetClient {
  private readonly samples = new ErrorSamples();
  private readonly channel: GrpcChannel;
  private readonly frames: Buffer[];
  /** The mix, when the request has one (then `frames` is empty). */
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
    const authority = parseGrpcAddress(target.url, `target ${target.name}: url`);
    const encode = (model: string, version: string | undefined, req: RequestSpec, tensors: TensorData[]): Buffer => frameGrpc(encodeModelInferRequest(model, version, req, tensors));
    if (request.mix !== undefined) {
      this.mix = new RequestMix(target, request, opts.seed, encode);
      this.frames = [];
      this.label = `kserve-grpc target ${target.name} (${target.url}), models ${[...new Set(this.mix.models)].join(', ')}`;
    } else {
      const { model, version } = modelOf(target, request);
      this.mix = undefined;
      this.frames = buildPayloads(request, opts.seed).map((tensors) => encode(model, version, request, tensors));
      this.label = `kserve-grpc target ${target.name} (${target.url}), model ${model}`;
    }
    // A frame is 5 bytes of gRPC framing before the ModelInferRequest (the body).
    this.variants = prepareTraceRequests(target, request, opts.variants ?? [], opts.seed, encode, (frame) => frame.length - 5);
    this.channel = new GrpcChannel({
      authority,
      path: MODEL_INFER_PATH,
      sessions: Math.max(1, target.connections),
      timeoutMs: target.timeoutMs,
      samples: this.samples,
      metadata: requestHeaders(target),
      ...(target.tls && { tls: tlsOptions(target, authority.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''), 'h2') }),
    });
  }

  /** send sends the next payload (of the mix: decoded and checked when its template expects outputs). */
  send(pick?: number): Promise<Outcome> {
    const v = pick === undefined ? undefined : this.variants[pick];
    if (v !== undefined || this.mix !== undefined) {
      const e = v ?? this.mix!.next();
      if (!e.decode || e.check === undefined) return this.channel.call(e.payload);
      const check = e.check;
      return this.channel.fetch(e.payload).then((res) => {
        if (res.outcome.code !== 'OK') return res.outcome;
        const cut = res.body.length < (res.outcome.bytes ?? 0);
        const decoded: Decoded = cut ? { ok: false, message: `the response has ${res.outcome.bytes} bytes, more than the ${KEPT_BYTES} a checked response may have` } : decodeFramed(res.body);
        return judgeDecoded(res.outcome, decoded, check, this.samples);
      });
    }
    const frame = this.frames[this.next]!;
    this.next = this.next + 1 === this.frames.length ? 0 : this.next + 1;
    return this.channel.call(frame);
  }

  /** check sends the first payload and validates the response: one ModelInferResponse with data for every output. */
  async check(): Promise<void> {
    const firsts: { frame: Buffer; statuses: number[] | undefined; label: string; outputs: string[] | undefined }[] = this.mix
      ? this.mix.firsts().map((e, i) => ({ frame: e.payload, statuses: this.request.mix![i]!.expect?.status, label: `${this.label} (template ${this.request.mix![i]!.name})`, outputs: this.request.mix![i]!.outputs }))
      : [{ frame: this.frames[0]!, statuses: undefined, label: this.label, outputs: this.request.outputs }];
    for (const e of firstOfEachModel(this.variants)) {
      firsts.push({ frame: e.payload, statuses: e.check?.expect?.status, label: `${this.label} (trace model ${e.model}${e.version !== undefined ? ` version ${e.version}` : ''})`, outputs: undefined });
    }
    for (const { frame, statuses, label, outputs } of firsts) {
      // A template whose accepted HTTP statuses are all refusals is a negative test: there is nothing to check before the run.
      if (statuses !== undefined && !statuses.some((s) => s >= 200 && s < 300)) continue;
      const res = await this.channel.fetch(frame);
      const code = res.outcome.code;
      if (code !== 'OK') throw checkFailed(label, code, res.message);
      let problem: string | undefined;
      try {
        const messages = unframeGrpc(res.body);
        if (messages.length !== 1) problem = `expected one response message, got ${messages.length}`;
        else problem = checkInferSummary(decodeModelInferResponse(messages[0]!), outputs);
      } catch (err) {
        problem = `undecodable response: ${(err as Error).message}`;
      }
      if (problem !== undefined) throw checkFailed(label, 'BAD_RESPONSE', problem);
    }
  }

  /** close ends every session; outstanding sends resolve CANCELLED. */
  close(): Promise<void> {
    return this.channel.close();
  }

  /** errorSamples lists the first distinct failures. */
  errorSamples(): ErrorSample[] {
    return this.samples.list();
  }
}

/** decodeFramed decodes the outputs of a gRPC response body (one framed ModelInferResponse). */
function decodeFramed(body: Buffer): Decoded {
  let messages: Buffer[];
  try {
    messages = unframeGrpc(body);
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  if (messages.length !== 1) return { ok: false, message: `expected one response message, got ${messages.length}` };
  return decodeGrpcOutputs(messages[0]!);
}

/** createKserveGrpcClient is the registry factory of kserve-grpc. */
export const createKserveGrpcClient = ((target, request, opts) => new KserveGrpcClient(target, request, opts)) satisfies ClientFactory;
