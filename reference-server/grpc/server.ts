/**
 * The gRPC front end of the reference server: binds GRPCInferenceService over an InferenceCore and shuts down
 * gracefully (stop accepting, let in-flight calls finish within a grace period, then force).
 */
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { type AccessLog, servedVersion } from '../core/access-log.js';
import { Admission } from '../core/admission.js';
import { DEFAULT_TIMEOUTS, type ServerTimeouts } from '../core/listen.js';
import type { InferenceCore } from '../core/types.js';
import { logGrpcCalls } from './access-log-grpc.js';
import { createHandlers, type Decode } from './handlers.js';
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
  /** Admission control shared with the other front ends (default: one of its own, with the default limits). */
  admission?: Admission;
  /** Where each call gets its line (docs/reference-server.md#access-log); default none. */
  accessLog?: AccessLog;
}

/** KEEPALIVE_TIME_MS is how often the server pings a connection to find clients that vanished without closing it. */
const KEEPALIVE_TIME_MS = 60_000;
/** KEEPALIVE_TIMEOUT_MS is how long a ping may go unanswered before the connection is closed. */
const KEEPALIVE_TIMEOUT_MS = 20_000;

/** SESSION_WINDOW_BYTES is each connection's receive window; STREAM_WINDOW_BYTES each call's. */
export const SESSION_WINDOW_BYTES = 16 * 1024 * 1024;
const STREAM_WINDOW_BYTES = 1024 * 1024;

/**
 * widenWindows gives every connection of grpc-js's HTTP/2 listeners a 16 MiB receive window (and every call
 * 1 MiB) instead of HTTP/2's 64 KiB. With 64 KiB a client can have one 64 KiB message in flight per connection
 * until the server's busy event loop reads it and sends a WINDOW_UPDATE: under load, requests queued in the
 * clients for seconds before the server even saw them, to be refused. grpc-js offers no option for the server's
 * windows, so its listeners are reached through its private `http2Servers` map (grpc-js is pinned); if that map
 * is gone, nothing changes.
 */
function widenWindows(server: grpc.Server): void {
  const listeners = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  for (const listener of listeners?.keys() ?? []) {
    listener.updateSettings({ initialWindowSize: STREAM_WINDOW_BYTES });
    listener.on('session', (session: ServerHttp2Session) => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
  }
}

/** INFER_METHODS receive their messages undecoded: the handler decodes them only once admission said yes. */
const INFER_METHODS = ['ModelInfer', 'ModelStreamInfer'];

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
  const log = opts.accessLog;
  const resolveVersion = servedVersion(core);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    'grpc.max_connection_idle_ms': timeouts.idleTimeoutMs,
    'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
    'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
    interceptors: [guard.interceptor],
  });
  const decode = service['ModelInfer']!.requestDeserialize as Decode;
  const raw: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...service };
  for (const name of INFER_METHODS) raw[name] = { ...service[name]!, requestDeserialize: (bytes: Buffer) => bytes };
  const admission = opts.admission ?? new Admission();
  server.addService(tolerantService(raw), createHandlers({ core, admission, decode }));

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
    }).then(() => {
      if (!opts.admission) admission.close();
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
      widenWindows(server);
      if (log && !logGrpcCalls(server, log, resolveVersion)) process.stderr.write('warning: access log: gRPC calls are not logged: this grpc-js hides its HTTP/2 listeners\n');
      resolve({ port, close });
    });
  });
}
