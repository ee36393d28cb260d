/**
 * How clients name failures: socket errors, HTTP statuses and gRPC statuses become stable outcome codes (see
 * OUTCOME_CODES in client.ts), and the first few distinct error messages are kept for diagnostics. A failed
 * request is data; only `check()` throws (checkFailed: GAUNTLET_ERR_TARGET_UNREACHABLE).
 */

import { GauntletError } from '../errors.js';
import { isTlsError } from './tls-options.js';

/** ErrorSample is one distinct failure seen during a run: its outcome code and a readable message. */
export interface ErrorSample {
  code: string;
  message: string;
}

/** transportCode maps a socket, DNS or HTTP/2 session error to a stable outcome code. */
export function transportCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'EHOSTUNREACH':
    case 'ENOTFOUND':
      return code;
    case 'ENETUNREACH':
      return 'EHOSTUNREACH';
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return 'ENOTFOUND';
    case 'ETIMEDOUT':
      return 'TIMEOUT';
    default:
      // A failed TLS handshake or certificate check is its own outcome: the target is up, but gauntlet cannot
      // talk to it as configured (tls.ca_file, tls.server_name, a client certificate).
      return isTlsError(code) ? 'TLS_ERROR' : 'SOCKET_ERROR';
  }
}

const httpCodes: string[] = [];

/** httpCode is the outcome code of a final HTTP status: OK for 2xx, else HTTP_<status> (strings cached). */
export function httpCode(status: number): string {
  if (status >= 200 && status < 300) return 'OK';
  return (httpCodes[status] ??= `HTTP_${status}`);
}

/** GRPC_STATUS_NAMES are the standard gRPC status names, indexed by their numeric code. */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

const grpcCodes = GRPC_STATUS_NAMES.map((name) => (name === 'OK' ? 'OK' : `GRPC_${name}`));

/** grpcCode is the outcome code of a gRPC status: OK, GRPC_<NAME>, or GRPC_UNKNOWN for a code outside the standard set. */
export function grpcCode(status: number): string {
  return grpcCodes[status] ?? 'GRPC_UNKNOWN';
}

/** grpcStatusOfHttp maps the HTTP status of a gRPC response that is not 200 to a gRPC status, as the gRPC spec says. */
export function grpcStatusOfHttp(status: number): number {
  if (status === 400) return 13; // INTERNAL
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  if (status === 404) return 12; // UNIMPLEMENTED
  if (status === 429 || status === 502 || status === 503 || status === 504) return 14; // UNAVAILABLE
  return 2; // UNKNOWN
}

/** MAX_MESSAGE_CHARS bounds each sampled message. */
const MAX_MESSAGE_CHARS = 500;

/** ErrorSamples keeps the first `limit` distinct (code, message) pairs; once full it ignores everything, cheaply. */
export class ErrorSamples {
  private readonly samples: ErrorSample[] = [];

  constructor(private readonly limit = 10) {}

  /** full is true once no more samples are kept (callers skip building messages then). */
  get full(): boolean {
    return this.samples.length >= this.limit;
  }

  /** add keeps the pair unless it is already kept or the list is full. */
  add(code: string, message: string): void {
    if (this.full) return;
    const m = message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
    if (this.samples.some((s) => s.code === code && s.message === m)) return;
    this.samples.push({ code, message: m });
  }

  /** list returns copies of the kept samples, oldest first. */
  list(): ErrorSample[] {
    return this.samples.map((s) => ({ ...s }));
  }
}

/** checkFailed is the error `Client.check()` throws: the target cannot serve the request, with the outcome code that said so. */
export function checkFailed(target: string, code: string, message: string): GauntletError {
  return new GauntletError('GAUNTLET_ERR_TARGET_UNREACHABLE', `${target}: ${code}: ${message}`);
}
