/**
 * What the replicas' gRPC server needs beyond grpc-js's defaults against malformed or stalled clients: request
 * decoding that cannot fail as INTERNAL (grpc-js answers a message protobuf cannot decode, deep group nesting
 * included, with INTERNAL), a bound on how long a unary request may take to arrive (grpc-js has no timer for a
 * client that sends half a message), and a drain that does not wait on such clients.
 */
import http2, { type ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { DRAIN_BODY_TIMEOUT_MS } from '../core/listen.js';

/**
 * MAX_DETAILS_CHARS bounds a status message: it travels in a trailer, and an error that quotes a 100 KB model
 * name would pass the client's header-list limit, so the client would never see the status (and a router's
 * shared connection to the replica would fail with it).
 */
const MAX_DETAILS_CHARS = 1000;

/** MalformedMessage stands in for a request message that could not be decoded. */
class MalformedMessage {
  constructor(readonly reason: string) {}
}

/**
 * tolerantService wraps every request deserializer of `service` so that it never throws: a message protobuf
 * cannot decode becomes a MalformedMessage, which the interceptor answers with INVALID_ARGUMENT.
 */
export function tolerantService(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const wrap = (method: grpc.MethodDefinition<unknown, unknown>): grpc.MethodDefinition<unknown, unknown> => ({
    ...method,
    requestDeserialize: (bytes: Buffer): unknown => {
      try {
        return method.requestDeserialize(bytes);
      } catch (err) {
        return new MalformedMessage(err instanceof Error ? err.message : String(err));
      }
    },
  });
  return Object.fromEntries(Object.entries(service).map(([name, method]) => [name, wrap(method)]));
}

/** GrpcGuard is the interceptor for grpc-js's `interceptors` option and the drain hook for closing. */
export interface GrpcGuard {
  interceptor: grpc.ServerInterceptor;
  /** drain gives every unary request still arriving DRAIN_BODY_TIMEOUT_MS more at most. */
  drain(): void;
}

/**
 * grpcGuard answers malformed messages with INVALID_ARGUMENT and a unary request whose message and half-close
 * have not arrived within `receiveTimeoutMs` of its headers (0 = no limit) with DEADLINE_EXCEEDED. Streaming
 * calls (ModelStreamInfer) may stay open and quiet between messages, so only their malformed messages are
 * refused.
 */
export function grpcGuard(receiveTimeoutMs: number): GrpcGuard {
  /** Unary calls still arriving, each with how to shorten its remaining time to at most `ms`. */
  const receiving = new Set<(ms: number) => void>();
  let draining = false;
  const interceptor: grpc.ServerInterceptor = (method, call) => {
    let timer: NodeJS.Timeout | undefined;
    let deadline = Infinity;
    let ended = false;
    const stopTimer = (): void => {
      clearTimeout(timer);
      receiving.delete(shorten);
    };
    const fail = (code: grpc.status, details: string): void => {
      stopTimer();
      if (ended) return;
      ended = true;
      call.sendStatus({ code, details: details.slice(0, MAX_DETAILS_CHARS), metadata: new grpc.Metadata() });
      resetAfterStatus(call);
    };
    const started = Date.now();
    const shorten = (ms: number): void => {
      if (Date.now() + ms >= deadline) return;
      deadline = Date.now() + ms;
      clearTimeout(timer);
      timer = setTimeout(() => {
        const why = draining ? 'the server is shutting down' : `receive timeout ${receiveTimeoutMs} ms`;
        fail(grpc.status.DEADLINE_EXCEEDED, `the request message did not arrive within ${Date.now() - started} ms of its headers (${why})`);
      }, ms);
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMessage: (message: unknown, pass) => {
            if (message instanceof MalformedMessage) fail(grpc.status.INVALID_ARGUMENT, `the request message is not a valid ${method.path.split('/').pop()}Request: ${message.reason}`);
            else if (!ended) pass(message);
          },
          onReceiveHalfClose: (pass) => {
            stopTimer();
            if (!ended) pass();
          },
          onCancel: stopTimer,
        });
        if (method.requestStream) return;
        const ms = draining ? DRAIN_BODY_TIMEOUT_MS : receiveTimeoutMs;
        if (ms > 0) {
          shorten(ms);
          receiving.add(shorten);
        }
      },
      sendStatus: (status, pass) => {
        stopTimer();
        if (ended) return;
        ended = true;
        pass(status.details !== undefined && status.details.length > MAX_DETAILS_CHARS ? { ...status, details: `${status.details.slice(0, MAX_DETAILS_CHARS)}…` } : status);
      },
    });
  };
  return {
    interceptor,
    drain: () => {
      draining = true;
      for (const shorten of receiving) shorten(DRAIN_BODY_TIMEOUT_MS);
    },
  };
}

/**
 * resetAfterStatus sends RST_STREAM(NO_ERROR) after the status of a call the server ended while its client was
 * still sending, as RFC 9113 §8.1 asks: grpc-js only ends its own side, so a client that never finishes would
 * keep the stream, and with it the connection and a graceful shutdown, open. grpc-js keeps the HTTP/2 stream
 * in a field of its innermost call object (this interceptor's `call`); if a later grpc-js moves it, the stream
 * is left to the client and the connection's keepalive, as before.
 */
function resetAfterStatus(call: grpc.ServerInterceptingCallInterface): void {
  const stream = (call as unknown as { stream?: Partial<ServerHttp2Stream> }).stream;
  if (typeof stream?.close !== 'function' || typeof stream.respond !== 'function' || stream.closed || stream.destroyed) return;
  stream.close(http2.constants.NGHTTP2_NO_ERROR);
}
