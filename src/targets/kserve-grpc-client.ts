/**
 * The kserve-grpc client: KServe v2 ModelInfer over gRPC (HTTP/2 without grpc-js). Each payload is a
 * ModelInferRequest encoded and framed once, with the tensors in raw_input_contents, and cycled round robin;
 * `send()` looks only at the grpc-status, `check()` decodes the response and validates its outputs.
 */
import { GauntletError } from '../errors.js';
import type { Outcome } from './client.js';
import { checkFailed, ErrorSamples, type ErrorSample } from './failures.js';
import { GrpcChannel } from './grpc-channel.js';
import { modelOf } from './kserve-http-client.js';
import { checkInferSummary, decodeModelInferResponse, encodeModelInferRequest, frameGrpc, MODEL_INFER_PATH, unframeGrpc } from './kserve-grpc-message.js';
import type { ClientFactory, ClientOptions, TargetClient } from './registry.js';
import type { RequestSpec, TargetSpec } from './target-spec.js';
import { buildPayloads } from './tensor-data.js';
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
  private readonly label: string;
  private next = 0;

  constructor(
    target: TargetSpec,
    private readonly request: RequestSpec,
    opts: ClientOptions,
  ) {
    const authority = parseGrpcAddress(target.url, `target ${target.name}: url`);
    const { model, version } = modelOf(target, request);
    this.frames = buildPayloads(request, opts.seed).map((tensors) => frameGrpc(encodeModelInferRequest(model, version, request, tensors)));
    this.label = `kserve-grpc target ${target.name} (${target.url}), model ${model}`;
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

  /** send sends the next payload. */
  send(): Promise<Outcome> {
    const frame = this.frames[this.next]!;
    this.next = this.next + 1 === this.frames.length ? 0 : this.next + 1;
    return this.channel.call(frame);
  }

  /** check sends the first payload and validates the response: one ModelInferResponse with data for every output. */
  async check(): Promise<void> {
    const res = await this.channel.fetch(this.frames[0]!);
    const code = res.outcome.code;
    if (code !== 'OK') throw checkFailed(this.label, code, res.message);
    let problem: string | undefined;
    try {
      const messages = unframeGrpc(res.body);
      if (messages.length !== 1) problem = `expected one response message, got ${messages.length}`;
      else problem = checkInferSummary(decodeModelInferResponse(messages[0]!), this.request.outputs);
    } catch (err) {
      problem = `undecodable response: ${(err as Error).message}`;
    }
    if (problem !== undefined) throw checkFailed(this.label, 'BAD_RESPONSE', problem);
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

/** createKserveGrpcClient is the registry factory of kserve-grpc. */
export const createKserveGrpcClient = ((target, request, opts) => new KserveGrpcClient(target, request, opts)) satisfies ClientFactory;
