/**
 * A tiny, fast HTTP target for client benchmarks: every request gets 200 with the same small JSON body. Run it as
 * its own process (`node dist/bench/lib/fixed-target.js [port] [--workers N]`, which prints `listening <port>`) so
 * that the load generator measured never shares a core or an event loop with it. One node:http process serves about
 * as fast as one core of a lean client sends, so give it more workers (cores) than the client has, or the
 * benchmark measures the target instead of the client.
 */
import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import { exitWithParent, parentPidFromEnv } from '../../reference-server/core/parent-watch.js';

/** FIXED_BODY is the body of every response. */
export const FIXED_BODY = Buffer.from('{"model_name":"fixed","outputs":[{"name":"output","datatype":"FP32","shape":[1,1],"data":[0.5]}]}');

const HEADERS = { 'content-type': 'application/json', 'content-length': FIXED_BODY.length };

/** FixedTarget is a running fixed target. */
export interface FixedTarget {
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** startFixedTarget listens on 127.0.0.1 (port 0 = any free port). */
export async function startFixedTarget(port = 0, host = '127.0.0.1'): Promise<FixedTarget> {
  const server = createServer((req, res) => {
    // Answer at once; Node drains any request body itself before the connection's next request.
    res.writeHead(200, HEADERS);
    res.end(FIXED_BODY);
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.requestTimeout = 0;
  server.on('connection', (s) => s.setNoDelay(true));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const RAW_RESPONSE = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${FIXED_BODY.length}\r\n\r\n`),
  FIXED_BODY,
]);

/**
 * startRawTarget is a much faster fixed target for requests without a body (GET): it answers every
 * end-of-headers it reads with a canned response, without parsing HTTP. One core of it outpaces one core of any
 * Node client, so a client benchmark measures the client. With `delayMs` > 0 each answer goes `delayMs` after its
 * request was read, as a server with a fixed service time and unbounded concurrency answers (one timer list: every
 * timer has the same duration, so the answers stay in order on each connection).
 */
export async function startRawTarget(port = 0, host = '127.0.0.1', delayMs = 0): Promise<{ port: number; close(): Promise<void> }> {
  const server = createNetServer((socket) => {
    socket.setNoDelay(true);
    let tail = '';
    socket.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      let n = 0;
      let at = text.indexOf('\r\n\r\n');
      let last = -4;
      while (at >= 0) {
        n++;
        last = at;
        at = text.indexOf('\r\n\r\n', at + 4);
      }
      tail = text.slice(last + 4);
      if (n === 0) return;
      const answer = n === 1 ? RAW_RESPONSE : Buffer.concat(Array.from({ length: n }, () => RAW_RESPONSE));
      if (delayMs > 0) setTimeout(() => socket.writable && socket.write(answer), delayMs);
      else socket.write(answer);
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * main runs the target as a process: `[port] [--workers N] [--raw [--delay-ms D]]` (workers share the port through
 * node:cluster; --delay-ms delays each raw answer by D ms).
 */
async function main(args: string[]): Promise<void> {
  // Started by a benchmark: die with it, whatever kills it (a target a user starts by hand keeps running).
  const parentPid = parentPidFromEnv();
  if (parentPid !== undefined) exitWithParent({ parentPid });
  if (args.includes('--raw')) {
    const d = args.indexOf('--delay-ms');
    const delayMs = d >= 0 ? Number(args[d + 1]) : 0;
    if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > 60_000) throw new Error(`--delay-ms: a number of ms from 0 to 60000, got ${args[d + 1]}`);
    const raw = await startRawTarget(Number(args.find((a, i) => /^\d+$/.test(a) && (d < 0 || i !== d + 1)) ?? 0), '127.0.0.1', delayMs);
    process.stdout.write(`listening ${raw.port}\n`);
    process.on('SIGTERM', () => process.exit(0));
    process.on('SIGINT', () => process.exit(0));
    return;
  }
  const w = args.indexOf('--workers');
  const workers = w >= 0 ? Number(args[w + 1]) : 1;
  const port = Number(args.find((a, i) => /^\d+$/.test(a) && (w < 0 || i !== w + 1)) ?? 0);
  if (workers > 1 && cluster.isPrimary) {
    // Workers listening on port 0 share one port chosen by the primary; print it once all of them are ready.
    let ready = 0;
    cluster.on('listening', (_worker, address) => {
      if (++ready === workers) process.stdout.write(`listening ${address.port}\n`);
    });
    for (let i = 0; i < workers; i++) cluster.fork();
    const stop = (): void => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }
  const target = await startFixedTarget(port);
  if (cluster.isPrimary) process.stdout.write(`listening ${target.port}\n`);
  const stop = (): void => void target.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
