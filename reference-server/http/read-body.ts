/**
 * readBody collects a request body up to a byte limit, decompressing gzip/deflate bodies (Content-Encoding) as
 * Triton does. A body declared over the limit fails with 413 before any of it is read; a body of unknown length
 * that outgrows the limit fails with 413 as soon as it does (the caller then closes the connection rather than
 * reading the rest). A body with a Content-Length is read into one buffer of that size, so no copy joins the
 * chunks; decompression runs on libuv's thread pool, off the event loop.
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

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
  return new Promise<Buffer>((resolve, reject) => {
    const declared = req.headers['content-length'];
    const length = declared === undefined ? undefined : Number(declared);
    if (length !== undefined && length > limit) {
      reject(new BodyError(413, `the request body is ${declared} bytes, over the limit of ${limit} bytes`));
      return;
    }
    // One buffer of the declared size (a standalone ArrayBuffer, so it can be handed to a worker thread).
    const whole = length !== undefined && length > 0 ? Buffer.allocUnsafeSlow(length) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const onData = (chunk: Buffer): void => {
      if (failed) return;
      if (size + chunk.length > limit) {
        failed = true;
        req.off('data', onData);
        reject(new BodyError(413, `the request body is over the limit of ${limit} bytes`));
        return;
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    req.on('data', onData);
    req.on('error', (err) => {
      if (!failed) reject(new BodyError(400, `failed to read the request body: ${err.message}`));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const body = whole ? whole.subarray(0, size) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      resolve(body);
    });
  }).then((body) => decode(body, req.headers['content-encoding'], limit));
}

async function decode(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const e = (encoding ?? 'identity').trim().toLowerCase();
  if (e === 'identity' || e === '') return body;
  if (e !== 'gzip' && e !== 'deflate') throw new BodyError(415, `unsupported Content-Encoding '${encoding}' (supported: gzip, deflate, identity)`);
  try {
    return await (e === 'gzip' ? gunzipAsync : inflateAsync)(body, { maxOutputLength: limit });
  } catch (err) {
    // zlib stops at maxOutputLength with ERR_BUFFER_TOO_LARGE: the body is too large, not corrupt.
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BodyError(413, `the decompressed request body is over the limit of ${limit} bytes`);
    }
    throw new BodyError(400, `failed to decompress the request body: ${(err as Error).message}`);
  }
}
