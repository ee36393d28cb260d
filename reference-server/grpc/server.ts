/**
 * The gRPC front end of the reference server: binds GRPCInferenceService over an InferenceCore and shuts down
 * gracefully (stop accepting, let in-flight calls finish within a grace period, then force).
 */
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_TIMEOUTS, type ServerTimeouts } from '../core/listen.js';
import type { InferenceCore } from '../core/types.js';
import { createHandlers } from './handlers.js';
import { grpcGuard, tolerantService } from './hardening.js';
import { loadInferenceProtos } from './load-protos.js';

/** GrpcServerOptions says where to listen; port 0 picks any free port. */
export interface GrpcServerOptions {
  host: string;
  port: number;
  /** Largest request and response message; Triton's default is 2^31 - 1 bytes (effectively unbounded). */
  maxMessageBytes?: number;
  /** Idle-connection and receive timeouts (default DEFAULT_TIMEOUTS; docs/reference-server.md#timeouts). */
  timeouts?: Partial<ServerTimeouts>;
}

/** KEEPALIVE_TIME_MS is how often the server pings a connection to find clients that vanished without closing it. */
const KEEPALIVE_TIME_MS = 60_000;
/** KEEPALIVE_TIMEOUT_MS is how long a ping may go unanswered before the connection is closed. */
const KEEPALIVE_TIMEOUT_MS = 20_000;

/** RunningGrpcServer is a bound server: its port and a graceful close. */
export interface RunningGrpcServer {
  port: number;
  /** close stops accepting calls, waits up to graceMs (default 5000) for in-flight calls, then cancels the rest. */
  close(graceMs?: number): Promise<void>;
}

/** DEFAULT_MAX_MESSAGE_BYTES is the largest message accepted and sent by default, as in Triton (INT32_MAX). */
export const DEFAULT_MAX_MESSAGE_BYTES = 2 ** 31 - 1;

/** DEFAULT_CLOSE_GRACE_MS is how long close waits for in-flight calls by default. */
export const DEFAULT_CLOSE_GRACE_MS = 5000;

function bindAddress(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${h}:${port}`;
}

/** startGrpcServer serves the inference service for `core` and resolves once bound, with the bound port. */
export function startGrpcServer(core: InferenceCore, opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const { service } = loadInferenceProtos('String');
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const guard = grpcGuard(timeouts.grpcReceiveTimeoutMs);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    'grpc.max_connection_idle_ms': timeouts.idleTimeoutMs,
    'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
    'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
    interceptors: [guard.interceptor],
  });
  server.addService(tolerantService(service), createHandlers(core));

  let closing: Promise<void> | undefined;
  const close = (graceMs = DEFAULT_CLOSE_GRACE_MS): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        server.forceShutdown();
        finish();
      }, graceMs);
      guard.drain();
      server.tryShutdown(() => finish());
    });
    return closing;
  };

  return new Promise((resolve, reject) => {
    server.bindAsync(bindAddress(opts.host, opts.port), grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) {
        server.forceShutdown();
        reject(new Error(`gRPC server cannot listen on ${bindAddress(opts.host, opts.port)}: ${err.message}`));
        return;
      }
      resolve({ port, close });
    });
  });
}
