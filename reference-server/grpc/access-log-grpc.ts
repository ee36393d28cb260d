/**
 * Access logging for the server's gRPC front end: an interceptor that records one line per call, and a service
 * wrapper that measures the messages' encoded sizes (grpc-js hands interceptors decoded messages only).
 */
import type { Http2Server } from 'node:http2';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import type { AccessLog } from '../core/access-log.js';
import type { ResolveVersion } from '../http/access-log-http.js';
import { watchGrpcStream } from './access-log-h2.js';
import { peekModel } from './peek-model.js';

/** MessageSizes are the encoded sizes of decoded request and response messages, keyed by the message object. */
export type MessageSizes = WeakMap<object, number>;

/**
 * measuredService wraps every method of `service` so that each decoded request and each encoded response has its
 * size in `sizes`. Requests that arrive undecoded (Buffers) need no entry.
 */
export function measuredService(service: grpc.ServiceDefinition, sizes: MessageSizes): grpc.ServiceDefinition {
  const wrap = (method: grpc.MethodDefinition<unknown, unknown>): grpc.MethodDefinition<unknown, unknown> => ({
    ...method,
    requestDeserialize: (bytes: Buffer): unknown => {
      const value = method.requestDeserialize(bytes);
      if (typeof value === 'object' && value !== null) sizes.set(value, bytes.length);
      return value;
    },
    responseSerialize: (value: unknown): Buffer => {
      const bytes = method.responseSerialize(value);
      if (typeof value === 'object' && value !== null) sizes.set(value, bytes.length);
      return bytes;
    },
  });
  return Object.fromEntries(Object.entries(service).map(([name, method]) => [name, wrap(method)]));
}

/** modelOfMessage is the model (and version) a request message names: read from an undecoded infer request, or from the decoded fields. */
export function modelOfMessage(message: unknown): { model: string; version: string } | undefined {
  if (Buffer.isBuffer(message)) {
    const peeked = peekModel(message);
    return peeked && peeked.name !== '' ? { model: peeked.name, version: peeked.version } : undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as { name?: unknown; version?: unknown; model_name?: unknown };
  const model = typeof m.model_name === 'string' ? m.model_name : typeof m.name === 'string' ? m.name : '';
  return model === '' ? undefined : { model, version: typeof m.version === 'string' ? m.version : '' };
}

/** NAMED_BY_MESSAGE are the methods whose request names a model (the shared-memory ones name regions, not models). */
const NAMED_BY_MESSAGE = /^(?:Model|RepositoryModel)/;

/**
 * accessLogInterceptor records each call's line in `log` once its status is sent (or it is cancelled). It must be
 * the first of grpc-js's `interceptors` (the innermost), so that it sees every status, those the other
 * interceptors send included.
 */
export function accessLogInterceptor(log: AccessLog, sizes: MessageSizes, resolve: ResolveVersion): grpc.ServerInterceptor {
  return (method, call) => {
    const startUs = log.nowUs();
    const startMs = performance.now();
    const path = method.path;
    const name = path.slice(path.lastIndexOf('/') + 1);
    const named = NAMED_BY_MESSAGE.test(name);
    let requestBytes = 0;
    let responseBytes = 0;
    let model: { model: string; version: string } | undefined;
    /** Responses sent before they were encoded (grpc-js may hold one while metadata is sent): sized at the end. */
    let unsized: object[] | undefined;
    let done = false;
    const finish = (code: grpc.status): void => {
      if (done) return;
      done = true;
      for (const m of unsized ?? []) responseBytes += sizes.get(m) ?? 0;
      const version = model === undefined ? undefined : model.version !== '' ? model.version : resolve(model.model);
      log.record({
        startUs,
        durationUs: Math.max(1, Math.round((performance.now() - startMs) * 1000)),
        protocol: 'grpc',
        method: name,
        route: path,
        ...(model && { model: model.model }),
        ...(version !== undefined && { version }),
        status: grpc.status[code] ?? String(code),
        requestBytes,
        responseBytes,
      });
    };
    /*
     * grpc-js sends some statuses itself, past every interceptor (a message over the size limit, a message it
     * cannot decompress): they are seen here by wrapping the innermost call's sendStatus, which both paths use.
     */
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (status: Parameters<typeof sendStatus>[0]): void => {
      sendStatus(status);
      finish(status.code);
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMessage: (message: unknown, pass) => {
            requestBytes += Buffer.isBuffer(message) ? message.length : typeof message === 'object' && message !== null ? (sizes.get(message) ?? 0) : 0;
            if (model === undefined && named) model = modelOfMessage(message);
            pass(message);
          },
          onCancel: () => finish(grpc.status.CANCELLED),
        });
      },
      sendMessage: (message: unknown, pass) => {
        pass(message);
        if (typeof message !== 'object' || message === null) return;
        const n = sizes.get(message);
        if (n === undefined) (unsized ??= []).push(message);
        else responseBytes += n;
      },
    });
  };
}

/**
 * logUnservedCalls logs the calls grpc-js answers before any interceptor runs: a method the service does not have
 * (UNIMPLEMENTED), a request that is not gRPC. Like widenWindows in server.ts, it reaches grpc-js's HTTP/2
 * listeners through its private `http2Servers` map (grpc-js is pinned); its listener goes first, so that it sees
 * the answer grpc-js writes at once. If the map is gone, those calls are not logged.
 */
export function logUnservedCalls(server: grpc.Server, log: AccessLog, served: ReadonlySet<string>): void {
  const listeners = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  for (const listener of listeners?.keys() ?? []) {
    listener.prependListener('stream', (stream, headers) => {
      if (!served.has(String(headers[':path'] ?? '')) || headers['content-type']?.startsWith('application/grpc') !== true || headers[':method'] !== 'POST') {
        watchGrpcStream(log, stream, headers);
      }
    });
  }
}
