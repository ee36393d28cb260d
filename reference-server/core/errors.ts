/**
 * Inference errors with the status classes Triton uses. Front ends map them: HTTP 400/404/503/500 and gRPC
 * INVALID_ARGUMENT/NOT_FOUND/UNAVAILABLE/INTERNAL.
 */

/** InferStatus is the protocol-independent class of a failed request. */
export type InferStatus = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'UNAVAILABLE' | 'INTERNAL';

/** InferError is a request failure the client must be told about, with the status class it maps to. */
export class InferError extends Error {
  readonly status: InferStatus;
  /** reason is a short machine-readable label used for `nv_inference_request_failure{reason}`. */
  readonly reason: string;
  constructor(status: InferStatus, message: string, reason?: string) {
    super(message);
    this.name = 'InferError';
    this.status = status;
    this.reason = reason ?? defaultReason(status);
  }
}

function defaultReason(status: InferStatus): string {
  switch (status) {
    case 'INVALID_ARGUMENT':
      return 'REJECTED';
    case 'NOT_FOUND':
      return 'REJECTED';
    case 'UNAVAILABLE':
      return 'REJECTED';
    case 'INTERNAL':
      return 'BACKEND';
  }
}

/** invalid makes an INVALID_ARGUMENT error. */
export const invalid = (message: string): InferError => new InferError('INVALID_ARGUMENT', message);
/** notFound makes a NOT_FOUND error. */
export const notFound = (message: string): InferError => new InferError('NOT_FOUND', message);
/** unavailable makes an UNAVAILABLE error (queue full, timeout, model not ready). */
export const unavailable = (message: string, reason = 'REJECTED'): InferError =>
  new InferError('UNAVAILABLE', message, reason);
/** internal makes an INTERNAL error. */
export const internal = (message: string): InferError => new InferError('INTERNAL', message);

/** HTTP_STATUS maps an InferStatus to the HTTP status code Triton answers with. */
export const HTTP_STATUS: Readonly<Record<InferStatus, number>> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};
