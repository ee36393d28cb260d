/**
 * The messages between JsonParsePool and its worker threads, and which buffers travel by transfer.
 */
import type { InferStatus } from '../core/errors.js';
import type { InferRequest } from '../core/types.js';

/** ParseJob is one body to parse. */
export interface ParseJob {
  id: number;
  body: Uint8Array;
  jsonLength: string | undefined;
  receivedNs: bigint;
}

/** ParseResult is the parsed request, or the InferError the body deserves. */
export type ParseResult =
  | { id: number; request: InferRequest }
  | { id: number; error: { status: InferStatus; message: string; reason: string } };

/**
 * TRANSFER_MIN_BYTES: buffers at least this large move between threads by transfer. Smaller ones are copied;
 * they may be slices of Node's shared 8 KiB allocation pool, which must never be transferred.
 */
export const TRANSFER_MIN_BYTES = 64 * 1024;

/** transferables lists the distinct large ArrayBuffers that a request's tensors view. */
export function transferables(request: InferRequest): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (view: Uint8Array): void => {
    const b = view.buffer;
    if (b instanceof ArrayBuffer && b.byteLength >= TRANSFER_MIN_BYTES) out.add(b);
  };
  for (const t of request.inputs) {
    if (Array.isArray(t.data)) t.data.forEach(add);
    else add(t.data);
  }
  return [...out];
}

/** bodyTransfer is the body's buffer when it can be transferred whole (it is the body and nothing else). */
export function bodyTransfer(body: Uint8Array): ArrayBuffer[] {
  const b = body.buffer;
  return b instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === b.byteLength && b.byteLength >= TRANSFER_MIN_BYTES ? [b] : [];
}
