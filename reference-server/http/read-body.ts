/**
 * readBody collects a request body up to a byte limit, decompressing gzip/deflate bodies (Content-Encoding) as
 * Triton does. A body over the limit fails with 413 without buffering the rest.
 */
import type { IncomingMessage } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';

/** BodyError is a body that could not be read, with the HTTP status to answer. */
export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** readBody resolves with the whole (decompressed) body, or rejects with a BodyError. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      req.resume();
      reject(new BodyError(413, `the request body is ${declared} bytes, over the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new BodyError(413, `the request body is over the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (!failed) reject(new BodyError(400, `failed to read the request body: ${err.message}`));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      try {
        resolve(decode(body, req.headers['content-encoding'], limit));
      } catch (err) {
        if (err instanceof BodyError) reject(err);
        // zlib stops at maxOutputLength with ERR_BUFFER_TOO_LARGE: the body is too large, not corrupt.
        else if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          reject(new BodyError(413, `the decompressed request body is over the limit of ${limit} bytes`));
        } else reject(new BodyError(400, `failed to decompress the request body: ${(err as Error).message}`));
      }
    });
  });
}

function decode(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  const e = (encoding ?? 'identity').trim().toLowerCase();
  if (e === 'identity' || e === '') return body;
  if (e === 'gzip') return gunzipSync(body, { maxOutputLength: limit });
  if (e === 'deflate') return inflateSync(body, { maxOutputLength: limit });
  throw new BodyError(415, `unsupported Content-Encoding '${encoding}' (supported: gzip, deflate, identity)`);
}
