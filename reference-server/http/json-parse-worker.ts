/**
 * The worker thread of JsonParsePool: parses one infer request body at a time (JSON.parse, flattening, tensor
 * encoding) and sends the InferRequest back, its large tensor buffers transferred rather than copied.
 */
import { parentPort } from 'node:worker_threads';
import { InferError } from '../core/errors.js';
import type { InferRequest } from '../core/types.js';
import { parseInferBody } from './infer-codec.js';
import { type ParseJob, type ParseResult, transferables } from './json-parse-protocol.js';

const port = parentPort!;

port.on('message', (job: ParseJob) => {
  let result: ParseResult;
  let transfer: ArrayBuffer[] = [];
  try {
    const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
    const request: InferRequest = parseInferBody(body, job.jsonLength, job.receivedNs);
    result = { id: job.id, request };
    transfer = transferables(request);
  } catch (err) {
    const e = err instanceof InferError ? err : new InferError('INTERNAL', `failed to parse the request: ${(err as Error).message}`);
    result = { id: job.id, error: { status: e.status, message: e.message, reason: e.reason } };
  }
  port.postMessage(result, transfer);
});
