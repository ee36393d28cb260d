/**
 * The GRPCInferenceService implementation over an InferenceCore. Every handler catches everything: an
 * InferError becomes its gRPC status, anything else INTERNAL, and the server never crashes on a bad request.
 */
import * as grpc from '@grpc/grpc-js';
import { type Admission, isShed, RETRY_AFTER_SECONDS } from '../core/admission.js';
import { InferError, type InferStatus, invalid, unavailable } from '../core/errors.js';
import { loadConfigParameter } from '../core/load-parameters.js';
import { modelMetadata } from '../core/model-metadata.js';
import type { InferenceCore, LoadedModel, ModelStatistics } from '../core/types.js';
import { fromWireRequest, type WireInferRequest } from './infer-request.js';
import { peekModel } from './peek-model.js';
import { toWireResponse, type WireInferResponse } from './infer-response.js';
import { toProtoModelConfig } from './model-config-proto.js';

/** GRPC_STATUS maps each InferStatus to the gRPC status code Triton answers with. */
export const GRPC_STATUS: Readonly<Record<InferStatus, grpc.status>> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
};

/** RETRY_PUSHBACK is the metadata of every UNAVAILABLE: gRPC's retry pushback (gRFC A6), Retry-After's twin. */
const RETRY_PUSHBACK_KEY = 'grpc-retry-pushback-ms';

/** toServiceError maps any thrown value to a gRPC error: InferError by its status, everything else INTERNAL. */
export function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof InferError) {
    const out: Partial<grpc.StatusObject> = { code: GRPC_STATUS[err.status], details: err.message };
    if (err.status === 'UNAVAILABLE') {
      out.metadata = new grpc.Metadata();
      out.metadata.set(RETRY_PUSHBACK_KEY, String(RETRY_AFTER_SECONDS * 1000));
    }
    return out;
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.INTERNAL, details: message || 'internal error' };
}

interface NameVersion {
  name?: string;
  version?: string;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/** unary wraps a (possibly async) request → response function as a grpc-js unary handler that never throws. */
function unary<Req, Res>(fn: (req: Req) => Res | Promise<Res>): Unary<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err)),
      );
  };
}

function statisticsFor(core: InferenceCore, name: string, version: string): ModelStatistics[] {
  if (name === '') {
    return core.models().filter((m) => version === '' || m.version === version).map((m) => m.statistics());
  }
  if (version !== '') return [core.model(name, version).statistics()];
  const versions = core.models().filter((m) => m.name === name);
  // No served version: core.model throws the core's own NOT_FOUND / UNAVAILABLE for the name.
  return (versions.length > 0 ? versions : [core.model(name)]).map((m) => m.statistics());
}

/** Decode turns the bytes of a ModelInferRequest into the decoded message (proto-loader's deserializer). */
export type Decode = (bytes: Buffer) => WireInferRequest;

/** InferContext is what the infer handlers need: the core, admission control and the message decoder. */
export interface InferContext {
  core: InferenceCore;
  admission: Admission;
  decode: Decode;
}

/** Seen is what is known of a request's model and id (from peekModel, then from decoding), for error answers. */
interface Seen {
  name?: string;
  version?: string;
  id?: string;
}

/**
 * infer runs one ModelInferRequest, received as bytes: admission decides from the model named at the start of
 * the message (peekModel) before the message is decoded, so a refused request costs no decoding.
 */
async function infer(ctx: InferContext, bytes: Buffer, seen: Seen = {}): Promise<WireInferResponse> {
  const receivedNs = process.hrtime.bigint();
  const peeked = peekModel(bytes);
  Object.assign(seen, peeked);
  const admittedFor: LoadedModel | undefined = peeked && ctx.core.model(peeked.name, peeked.version);
  const ticket = ctx.admission.admit(admittedFor, bytes.length, 'grpc');
  if (isShed(ticket)) throw unavailable(ticket.message);
  try {
    let msg: WireInferRequest;
    try {
      msg = ctx.decode(bytes);
    } catch (err) {
      throw new InferError('INVALID_ARGUMENT', `the ModelInferRequest cannot be decoded: ${(err as Error).message}`);
    }
    Object.assign(seen, { name: msg.model_name ?? '', version: msg.model_version ?? '', id: msg.id ?? '' });
    const model: LoadedModel = ctx.core.model(msg.model_name ?? '', msg.model_version ?? '');
    const request = fromWireRequest(msg, receivedNs);
    const response = await model.infer(request);
    return toWireResponse(response, msg.id ?? '');
  } finally {
    ticket.release();
  }
}

/** streamInfer answers each request on a ModelStreamInfer stream in order of completion; failures go in error_message. */
function streamInfer(ctx: InferContext): grpc.handleBidiStreamingCall<Buffer, unknown> {
  return (call) => {
    let pending = 0;
    let ended = false;
    const finish = (): void => {
      if (ended && pending === 0 && !call.cancelled) call.end();
    };
    call.on('data', (bytes: Buffer) => {
      pending++;
      const seen: Seen = {};
      infer(ctx, bytes, seen).then(
        (response) => {
          if (!call.cancelled) call.write({ error_message: '', infer_response: response });
        },
        (err: unknown) => {
          // Triton sets the request's id (and model) on a failed stream response so clients can match it.
          const infer_response = { model_name: seen.name ?? '', model_version: seen.version ?? '', id: seen.id ?? '' };
          if (!call.cancelled) call.write({ error_message: toServiceError(err).details ?? 'internal error', infer_response });
        },
      ).finally(() => {
        pending--;
        finish();
      });
    });
    call.on('end', () => {
      ended = true;
      finish();
    });
    call.on('error', () => {
      // A broken stream has nobody left to answer; pending inferences finish and are dropped.
    });
  };
}

/** createHandlers builds the service implementation for grpc-js `Server.addService`. */
export function createHandlers(ctx: InferContext): grpc.UntypedServiceImplementation {
  const { core } = ctx;
  return {
    ServerLive: unary(() => ({ live: core.live() })),
    ServerReady: unary(() => ({ ready: core.ready() })),
    ModelReady: unary((req: NameVersion) => {
      try {
        return { ready: core.model(req.name ?? '', req.version ?? '').ready() };
      } catch (err) {
        // Like Triton, an unknown or unavailable model is simply not ready.
        if (err instanceof InferError && (err.status === 'NOT_FOUND' || err.status === 'UNAVAILABLE')) return { ready: false };
        throw err;
      }
    }),
    ServerMetadata: unary(() => core.serverMetadata()),
    ModelMetadata: unary((req: NameVersion) => modelMetadata(core, req.name ?? '', req.version ?? '')),
    ModelInfer: unary((bytes: Buffer) => infer(ctx, bytes)),
    ModelStreamInfer: streamInfer(ctx),
    ModelConfig: unary((req: NameVersion) => ({
      config: toProtoModelConfig(core.model(req.name ?? '', req.version ?? '').config),
    })),
    ModelStatistics: unary((req: NameVersion) => ({
      model_stats: statisticsFor(core, req.name ?? '', req.version ?? ''),
    })),
    RepositoryIndex: unary((req: { ready?: boolean }) => ({
      models: core.index().filter((e) => !req.ready || e.state === 'READY'),
    })),
    RepositoryModelLoad: unary((req: ModelControlRequest) => modelControl(core, 'load', req)),
    RepositoryModelUnload: unary((req: ModelControlRequest) => modelControl(core, 'unload', req)),
  };
}

/** ModelControlRequest is a RepositoryModelLoad or RepositoryModelUnload request. */
interface ModelControlRequest {
  model_name?: string;
  parameters?: Record<string, unknown>;
}

/** modelControl loads or unloads a model like the HTTP routes do (explicit model control; a `config` override on load). */
async function modelControl(core: InferenceCore, action: 'load' | 'unload', req: ModelControlRequest): Promise<object> {
  const config = loadConfigParameter(action, req.parameters ?? {});
  const run = action === 'load' ? core.loadModel : core.unloadModel;
  if (!run) throw invalid('explicit model control is not enabled: models are loaded from the repository at start-up');
  await run.call(core, req.model_name ?? '', config);
  return {};
}
