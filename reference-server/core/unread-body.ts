/**
 * answerUnread answers an HTTP/1.1 request whose body the server will not use (a shed request, a body over the
 * limit, an unknown model) and leaves its connection in a correct state. A small body (Content-Length up to
 * DRAIN_MAX_BYTES) is read and thrown away, so the keep-alive connection serves the next request. A larger body,
 * or one of unknown length, is not worth reading: the answer says `connection: close`, and the connection
 * lingers, still reading and discarding, until the client stops sending or LINGER_MS pass.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** DRAIN_MAX_BYTES is the largest unread body that is drained to keep the connection open. */
export const DRAIN_MAX_BYTES = 1024 * 1024;
/** LINGER_MS bounds how long a closing connection keeps reading what the client still sends. */
export const LINGER_MS = 2000;

/** bodyLength is the request's declared body length: 0 without a body, Infinity when unknown (chunked). */
export function bodyLength(req: IncomingMessage): number {
  const declared = req.headers['content-length'];
  if (declared !== undefined) return /^\d+$/.test(declared.trim()) ? Number(declared) : Infinity;
  return req.headers['transfer-encoding'] !== undefined ? Infinity : 0;
}

/** answerUnread writes a whole response without reading the request body first. */
export function answerUnread(req: IncomingMessage, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer): void {
  if (res.headersSent || res.destroyed) return;
  const close = !req.complete && bodyLength(req) > DRAIN_MAX_BYTES;
  if (close) linger(req.socket);
  res.writeHead(status, { ...headers, 'content-length': body.length, ...(close && { connection: 'close' }) });
  res.end(body);
  // Node reads and discards the rest of an unconsumed body once the response is finished (req._dump).
}

/**
 * linger makes the server's close of this socket graceful. With `connection: close`, Node's HTTP server calls
 * socket.destroySoon() once the response is written, which closes the socket while the client may still be
 * sending its body; the kernel then answers with a reset, and a reset can make the client lose the response it
 * has not read yet. Here the socket ends its side only, keeps reading (and discarding), and is destroyed when
 * the client ends its side or after LINGER_MS.
 */
function linger(socket: Socket): void {
  socket.destroySoon = function lingeringDestroySoon(this: Socket): void {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.once('end', () => this.destroy());
    this.resume();
  };
}
