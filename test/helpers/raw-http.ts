/**
 * Raw HTTP/1.1 over a plain socket, for requests no HTTP client would send (broken framing, odd methods, header
 * floods) and for clients that stall: what came back, and whether the server closed the connection.
 */
import net from 'node:net';

/** RawReply is what a server sent back on one connection. */
export interface RawReply {
  /** The status of the first response, or undefined when nothing that looks like a status line came back. */
  status?: number;
  /** Everything received, as latin1 text. */
  text: string;
  /** Whether the server closed (or reset) the connection. */
  closed: boolean;
  /** Milliseconds from the first byte written to the end of the exchange. */
  elapsedMs: number;
}

/** RawOptions bound an exchange; it ends at the first whole response, when the server closes, or at the deadline. */
export interface RawOptions {
  /** Give up after this long (default 10 s); the reply then says what arrived until then. */
  timeoutMs?: number;
  /** Keep the connection open after a whole response, until the server closes it or the deadline passes. */
  waitForClose?: boolean;
}

/** rawExchange writes `chunks` (one write each) to 127.0.0.1:port and collects the answer. */
export function rawExchange(port: number, chunks: (string | Buffer)[], opts: RawOptions = {}): Promise<RawReply> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text, closed, elapsedMs: performance.now() - started });
      socket.destroy();
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 10_000);
    socket.on('data', (d: Buffer) => {
      received.push(d);
      if (!opts.waitForClose && wholeResponse(Buffer.concat(received).toString('latin1'))) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
    });
  });
}

/** wholeResponse tells whether `text` holds a response's headers and all of its body (with neither a length nor chunks: once closed). */
function wholeResponse(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = text.slice(0, end);
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) return text.endsWith('\r\n0\r\n\r\n');
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  return length !== null && text.length - (end + 4) >= Number(length[1]);
}
