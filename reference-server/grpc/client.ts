/**
 * A thin GRPCInferenceService client built from the same protos as the server, for tests and the harness.
 * 64-bit integers decode as numbers (shapes, statistics), enums as names, bytes as Buffers.
 */
import * as grpc from '@grpc/grpc-js';
import { type LongsAs, loadInferenceProtos } from './load-protos.js';

/** InferenceClient is a grpc-js client of GRPCInferenceService: one method per RPC, by its proto name. */
export type InferenceClient = InstanceType<grpc.ServiceClientConstructor>;

/** UnaryMethod names the unary RPCs of GRPCInferenceService. */
export type UnaryMethod =
  | 'ServerLive'
  | 'ServerReady'
  | 'ModelReady'
  | 'ServerMetadata'
  | 'ModelMetadata'
  | 'ModelInfer'
  | 'ModelConfig'
  | 'ModelStatistics'
  | 'RepositoryIndex'
  | 'RepositoryModelLoad'
  | 'RepositoryModelUnload';

/** ClientOptions tunes the channel; `longs` 'String' keeps INT64/UINT64 values exact. */
export interface ClientOptions {
  longs?: LongsAs;
  maxMessageBytes?: number;
  channelOptions?: grpc.ChannelOptions;
}

/** createInferenceClient connects (lazily, without TLS) to a server at `host:port`. */
export function createInferenceClient(address: string, options: ClientOptions = {}): InferenceClient {
  const { Client } = loadInferenceProtos(options.longs ?? 'Number');
  const maxBytes = options.maxMessageBytes ?? 2 ** 31 - 1;
  return new Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    ...options.channelOptions,
  });
}

/** callUnary invokes one unary RPC and resolves with the decoded response, or rejects with the grpc-js ServiceError. */
export function callUnary<Res = Record<string, unknown>>(
  client: InferenceClient,
  method: UnaryMethod,
  request: object,
  options: grpc.CallOptions = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = client[method] as (
      req: object,
      meta: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: Res) => void,
    ) => grpc.ClientUnaryCall;
    fn.call(client, request, new grpc.Metadata(), options, (err, res) => {
      if (err) reject(err);
      else resolve(res as Res);
    });
  });
}

/** openInferStream opens a ModelStreamInfer stream; write ModelInferRequests, read ModelStreamInferResponses. */
export function openInferStream(client: InferenceClient, options: grpc.CallOptions = {}): grpc.ClientDuplexStream<object, Record<string, unknown>> {
  const fn = client.ModelStreamInfer as (meta: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientDuplexStream<object, Record<string, unknown>>;
  return fn.call(client, new grpc.Metadata(), options);
}
