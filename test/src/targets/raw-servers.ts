/**
 * Servers for client tests that misbehave on purpose (raw TCP, so they can answer garbage, stall or hang up at
 * any byte), a small node:http server, and a port nobody listens on. All listen on 127.0.0.1, port 0.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** Listening is a started test server. */
export interface Listening {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

/** rawServer calls `onConnection` for each accepted socket (and its index); close() destroys every socket. */
export async function rawServer(onConnection: (socket: net.Socket, index: number) => void): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  const state: Listening = { port: 0, accepted: 0, close: async () => {} };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket, state.accepted++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return state;
}

/** onRequests calls `answer` with each request head (up to the blank line) received on a socket. */
export function onRequests(socket: net.Socket, answer: (head: string, n: number) => void): void {
  let buf = '';
  let n = 0;
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
      const head = buf.slice(0, end);
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      buf = buf.slice(end + 4 + length);
      answer(head, n++);
    }
  });
}

/** httpServer starts a node:http server with `handler`. */
export async function httpServer(handler: http.RequestListener): Promise<Listening> {
  const server = http.createServer(handler);
  const state: Listening = { port: 0, accepted: 0, close: async () => {} };
  server.on('connection', () => state.accepted++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return state;
}

/** deadPort is a port that was free a moment ago and has nobody listening (bound, then closed). */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** OK_RESPONSE is a complete keep-alive 200 response. */
export const OK_RESPONSE = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
