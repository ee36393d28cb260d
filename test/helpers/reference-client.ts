/**
 * Small clients for tests of the reference server over real sockets: raw HTTP requests (so tests control
 * methods, headers and bytes exactly), KServe v2 infer bodies for the tiny mlp, deterministic inputs, and a
 * Prometheus scrape. Tests start real servers with startTestServer and stop them in afterAll.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { startReferenceServer, type RunningServer, type ServerOptions } from '../../reference-server/server.js';
import { makeRepository, TINY_MLP } from './test-repo.js';

/** HttpReply is a whole HTTP response. */
export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The socket the request used (to check keep-alive reuse). */
  socket: unknown;
}

/** HttpCall describes one raw HTTP request. */
export interface HttpCall {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string | object;
  agent?: http.Agent;
  /** Default 15 s: no test request may hang. */
  timeoutMs?: number;
}

/** httpRequest sends one request to 127.0.0.1:port and resolves with the whole response; objects are sent as JSON. */
export function httpRequest(port: number, call: HttpCall): Promise<HttpReply> {
  const body =
    call.body === undefined ? undefined : Buffer.isBuffer(call.body) ? call.body : Buffer.from(typeof call.body === 'string' ? call.body : JSON.stringify(call.body));
  const headers: Record<string, string | number> = { ...call.headers };
  if (body && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) headers['content-length'] = body.length;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: call.method ?? (body ? 'POST' : 'GET'), path: call.path, headers, agent: call.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), socket: req.socket }));
        res.on('error', reject);
      },
    );
    req.setTimeout(call.timeoutMs ?? 15_000, () => req.destroy(new Error(`${call.method ?? 'GET'} ${call.path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** json parses a reply body as JSON. */
export function json<T = Record<string, any>>(reply: HttpReply): T {
  return JSON.parse(reply.body.toString('utf8')) as T;
}

/** errorOf returns the `error` message of a reply (failing loudly when the body is not `{"error": "..."}`). */
export function errorOf(reply: HttpReply): string {
  const doc = json(reply);
  if (typeof doc['error'] !== 'string') throw new Error(`expected {"error": "..."}, got ${reply.body.toString('utf8')}`);
  return doc['error'];
}

/** inputRows makes `n` deterministic rows of the tiny mlp's input width, different for each seed. */
export function inputRows(seed: number, n = 1): number[][] {
  let s = (seed * 2654435761 + 1) >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.round(((s / 2 ** 32) * 4 - 2) * 1024) / 1024; // exact in FP32
  };
  return Array.from({ length: n }, () => Array.from({ length: TINY_MLP.inputSize }, next));
}

/** inferBody is a JSON infer request for the tiny mlp with `rows` as its batch. */
export function inferBody(rows: number[][], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, TINY_MLP.inputSize], data: rows.flat() }], ...extra };
}

/** outputRows splits a JSON infer response's `output` tensor into rows. */
export function outputRows(doc: Record<string, any>): number[][] {
  const out = (doc['outputs'] as { name: string; shape: number[]; data: number[] }[]).find((o) => o.name === 'output');
  if (!out) throw new Error(`no output in ${JSON.stringify(doc)}`);
  const [rows, width] = out.shape as [number, number];
  return Array.from({ length: rows }, (_, r) => out.data.slice(r * width, (r + 1) * width));
}

/** maxAbsDiff is the largest element-wise difference between two equally shaped row lists (Infinity if shapes differ). */
export function maxAbsDiff(a: number[][], b: number[][]): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  a.forEach((row, i) => {
    const other = b[i]!;
    if (row.length !== other.length) m = Infinity;
    row.forEach((v, j) => (m = Math.max(m, Math.abs(v - other[j]!))));
  });
  return m;
}

/** FLOAT_TOLERANCE bounds the difference between a row computed alone and inside a batch (summation order). */
export const FLOAT_TOLERANCE = 1e-5;

/** infer posts a JSON infer request and returns the output rows (throwing with the server's error otherwise). */
export async function infer(port: number, model: string, rows: number[][], extra: Record<string, unknown> = {}, agent?: http.Agent): Promise<number[][]> {
  const reply = await httpRequest(port, { path: `/v2/models/${model}/infer`, body: inferBody(rows, extra), agent });
  if (reply.status !== 200) throw new Error(`infer ${model}: HTTP ${reply.status}: ${reply.body.toString('utf8')}`);
  return outputRows(json(reply));
}

/** metricValue scrapes /metrics and returns the value of one sample (0 when absent). */
export async function metricValue(metricsPort: number, name: string, labels: Record<string, string>): Promise<number> {
  const text = (await httpRequest(metricsPort, { path: '/metrics' })).body.toString('utf8');
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

/** waitUntil polls a condition until it holds or the deadline passes (for states with no event to wait on). */
export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** TestServer is a running reference server on free ports over a fresh repository of tiny mlps (removed on close). */
export interface TestServer extends RunningServer {
  repo: string;
}

/** startTestServer writes a repository of tiny mlps with these configs and serves it on free local ports. */
export async function startTestServer(
  configs: Record<string, Record<string, unknown> | string>,
  opts: Partial<ServerOptions> & { versions?: number[] } = {},
): Promise<TestServer> {
  const { versions, ...rest } = opts;
  const repo = makeRepository(configs, versions);
  const server = await startReferenceServer({ modelRepository: repo, httpPort: 0, grpcPort: 0, metricsPort: 0, ...rest });
  const close = server.close;
  return Object.assign(server, {
    repo,
    close: async (graceMs?: number) => {
      await close(graceMs);
      rmSync(repo, { recursive: true, force: true });
    },
  });
}
