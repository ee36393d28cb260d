/**
 * Access logging for the server's gRPC front end: every call is watched at the HTTP/2 stream under grpc-js, as
 * the router watches its streams (watchGrpcStream), so that the line holds the bytes on the wire and the status
 * the client got, the statuses grpc-js sends by itself included (an unknown method, a message over the size
 * limit), and a call costs no interceptor.
 */
import type { Http2Server } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import type { AccessLog } from '../core/access-log.js';
import type { ResolveVersion } from '../http/access-log-http.js';
import { watchGrpcStream } from './access-log-h2.js';

/**
 * logGrpcCalls logs every call of `server`'s bound listeners. grpc-js offers no hook below its interceptors, so,
 * like widenWindows in server.ts, it reaches grpc-js's HTTP/2 listeners through its private `http2Servers` map
 * (grpc-js is pinned; test/reference-server/access-log.test.ts fails if that map goes). Its 'stream' listener goes
 * first, so that it sees the answer grpc-js writes at once for a call it refuses. Returns false when the map is gone.
 */
export function logGrpcCalls(server: grpc.Server, log: AccessLog, resolve: ResolveVersion): boolean {
  const listeners = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(listeners instanceof Map)) return false;
  for (const listener of listeners.keys()) listener.prependListener('stream', (stream, headers) => watchGrpcStream(log, stream, headers, resolve));
  return true;
}
