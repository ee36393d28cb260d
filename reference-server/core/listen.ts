/**
 * What every listening part of the reference stack shares (front ends, router, metrics, admin API): binding a
 * server, hardening an HTTP/1.1 server against slow or broken clients, and counting requests in flight so that
 * closing waits for them up to a grace period.
 */
import type { Server } from 'node:http';
import type { Http2Server } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';

/** Listening is a started server: its port and how to stop it. */
export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** bind starts `server` on host:port (port 0 = any free port); rejects on a bind error such as EADDRINUSE. */
export async function bind(server: Server | Http2Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** listen binds an HTTP server and returns its port and a close() that also ends idle keep-alive connections. */
export async function listen(server: Server, host: string, port: number): Promise<Listening> {
  return {
    port: await bind(server, host, port),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * hardenHttpServer sets an HTTP/1.1 server up for inference traffic: keep-alive idle connections for
 * `keepAliveSeconds` (above common load-balancer idle timeouts), no request timeout (a queued request may take
 * long), Nagle off, and a JSON 400 for a request that is not HTTP instead of a silently dropped socket. It returns
 * the open sockets, for closing them after a grace period.
 */
export function hardenHttpServer(server: Server, keepAliveSeconds = 75): Set<Socket> {
  server.keepAliveTimeout = keepAliveSeconds * 1000;
  server.headersTimeout = server.keepAliveTimeout + 5000;
  server.requestTimeout = 0;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n${JSON.stringify({ error: `malformed HTTP request: ${err.message}` })}`);
    else socket.destroy();
  });
  return sockets;
}

/** InFlight counts the requests a server is handling, so that closing can wait for them. */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  /** enter counts one more request. */
  enter(): void {
    this.count++;
  }

  /** leave counts one request done. */
  leave(): void {
    if (--this.count > 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  /** size is the number of requests in flight. */
  get size(): number {
    return this.count;
  }

  /** drained resolves when no request is in flight, or after graceMs, whichever comes first. */
  async drained(graceMs: number): Promise<void> {
    if (this.count === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((r) => this.waiters.push(r)), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }
}
