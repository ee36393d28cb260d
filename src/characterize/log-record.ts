/**
 * LogRecord: one access-log line as characterize uses it, whatever the log's format. Only times, sizes, latency,
 * status and a route or model name are kept: no addresses, user agents, query strings or bodies ever get here.
 */

/** LogRecord is one request read from an access log. */
export interface LogRecord {
  /**
   * When the request arrived, in microseconds since the Unix epoch. Formats that log the completion time (nginx's
   * $msec, $time_local, $time_iso8601) have the latency subtracted when the line carries one.
   */
  startUs: number;
  /** The resolution of the logged timestamp, in microseconds (1e6 for `$time_local`, 1000 for `$msec`). */
  resolutionUs: number;
  /** Time to serve the request (nginx $request_time, Envoy %DURATION%), in microseconds. */
  latencyUs?: number;
  /** Request bytes (nginx $request_length, Envoy %BYTES_RECEIVED%). */
  requestBytes?: number;
  /** Response bytes (nginx $body_bytes_sent, Envoy %BYTES_SENT%). */
  responseBytes?: number;
  /** The status as logged: an HTTP status (`200`, `503`) or a gRPC status name or number (`UNAVAILABLE`, `14`). */
  status?: string;
  /** The route (path without its query string) or the model name, as --model-field picks it. */
  route?: string;
}

/** LOG_FORMATS are the formats characterize reads (`auto` detects one per file from its first lines). */
export const LOG_FORMATS = ['nginx', 'envoy', 'jsonl', 'csv'] as const;
/** LogFormat is one of LOG_FORMATS. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** MalformedLine is a line that could not be read, with why; its text is never kept (it may hold addresses). */
export interface MalformedLine {
  file: string;
  line: number;
  reason: string;
}

/** FileReadStats says what was read from one input. */
export interface FileReadStats {
  /** The input as given (`-` for stdin). */
  name: string;
  /** The format read (detected, or as given), with its variant (`nginx combined`, `envoy json`, `jsonl`, ...). */
  format: string;
  lines: number;
  records: number;
  malformed: number;
  /** Set when a gzip input ended early: what was read up to the break is kept. */
  truncated?: boolean;
}

/** GRPC_CODES names gRPC's status codes by number. */
const GRPC_CODES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'] as const;
/** GRPC_CLIENT_ERRORS are the gRPC statuses that blame the request, like HTTP's 4xx. */
const GRPC_CLIENT_ERRORS = new Set(['INVALID_ARGUMENT', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'FAILED_PRECONDITION', 'OUT_OF_RANGE', 'UNAUTHENTICATED']);

/** grpcName is a logged gRPC status as its name (`14` → `UNAVAILABLE`), or undefined for an HTTP status. */
function grpcName(status: string): string | undefined {
  if (/^\d{3}$/.test(status)) return undefined;
  if (/^\d+$/.test(status)) return GRPC_CODES[Number(status)] ?? 'UNKNOWN';
  return status.toUpperCase();
}

/** isErrorStatus says whether a logged status is a server error: HTTP 5xx, or a gRPC status other than OK that does not blame the request. */
export function isErrorStatus(status: string): boolean {
  const g = grpcName(status);
  if (g === undefined) return status >= '500';
  return g !== 'OK' && !GRPC_CLIENT_ERRORS.has(g);
}

/** isClientErrorStatus says whether a logged status blames the request: HTTP 4xx, or gRPC's INVALID_ARGUMENT, NOT_FOUND and the like. */
export function isClientErrorStatus(status: string): boolean {
  const g = grpcName(status);
  return g === undefined ? status >= '400' && status < '500' : GRPC_CLIENT_ERRORS.has(g);
}
