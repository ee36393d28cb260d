/**
 * Graceful shutdown of the real reference server: `close(graceMs)` answers every accepted request (none hangs or
 * is reset), refuses new connections and turns readiness off while it drains; and the `gauntlet serve` command
 * prints Triton's start-up lines, serves, and exits 0 on SIGTERM after draining.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUnary, createInferenceClient } from '../../reference-server/grpc/client.js';
import {
  FLOAT_TOLERANCE,
  httpRequest,
  infer,
  inferBody,
  inputRows,
  json,
  maxAbsDiff,
  metricValue,
  outputRows,
  startTestServer,
  type TestServer,
  waitUntil,
} from '../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../helpers/test-repo.js';

// 200 ms per execution, one request per batch: six requests take ~1.2 s, so closing finds them queued.
const SLOW = tinyMlpConfig('slow', { artificial_delay_us: 200_000, max_batch_size: 1, dynamic_batching: {} });
const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const readF32 = (b: Buffer): number[] => Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
type Outcome = { status: number | string; rows?: number[][]; error?: string };

/** sendMixed sends `n` requests to `slow` (every third over gRPC) and resolves each to its outcome, never rejecting. */
function sendMixed(server: TestServer, n: number): Promise<Outcome>[] {
  const client = createInferenceClient(`127.0.0.1:${server.grpcPort}`);
  const all = Array.from({ length: n }, (_, i): Promise<Outcome> => {
    const rows = inputRows(i);
    if (i % 3 === 2) {
      return callUnary<Record<string, any>>(client, 'ModelInfer', { model_name: 'slow', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16] }], raw_input_contents: [f32(rows[0]!)] }).then(
        (res) => ({ status: 200, rows: [readF32(res['raw_output_contents'][0])] }),
        (e: grpc.ServiceError) => ({ status: e.code === grpc.status.UNAVAILABLE ? 503 : `grpc ${e.code}`, error: e.details }),
      );
    }
    return httpRequest(server.httpPort, { path: '/v2/models/slow/infer', body: inferBody(rows) }).then(
      (r) => (r.status === 200 ? { status: 200, rows: outputRows(json(r)) } : { status: r.status, error: json(r)['error'] }),
      (e: Error) => ({ status: `reset: ${e.message}` }),
    );
  });
  void Promise.allSettled(all).then(() => client.close());
  return all;
}

const pending = (server: TestServer) => metricValue(server.metricsPort, 'nv_inference_pending_request_count', { model: 'slow' });

describe('close(graceMs)', () => {
  let reference: TestServer;
  beforeAll(async () => {
    reference = await startTestServer({ plain: tinyMlpConfig('plain') });
  });
  afterAll(async () => {
    await reference?.close(1000);
  });

  it('finishes every accepted request within the grace period, refuses new connections and is not ready meanwhile', async () => {
    const server = await startTestServer({ slow: SLOW });
    try {
      const outcomes = sendMixed(server, 6);
      // One executes, five wait: all six are accepted.
      await waitUntil(async () => (await pending(server)) === 5, 'five requests are queued');
      const closing = server.close(10_000);
      expect(server.repository.ready()).toBe(false);
      await expect(httpRequest(server.httpPort, { path: '/v2/health/ready' })).rejects.toThrow(/ECONNREFUSED/);
      const late = createInferenceClient(`127.0.0.1:${server.grpcPort}`);
      const refused = await callUnary(late, 'ServerReady', {}, { deadline: Date.now() + 3000 }).then(() => undefined, (e: grpc.ServiceError) => e);
      late.close();
      expect(refused?.code).toBe(grpc.status.UNAVAILABLE);
      const results = await Promise.all(outcomes);
      await closing;
      expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
      for (const [i, r] of results.entries()) {
        expect(maxAbsDiff(r.rows!, await infer(reference.httpPort, 'plain', inputRows(i))), `request ${i}`).toBeLessThan(FLOAT_TOLERANCE);
      }
    } finally {
      await server.close(0);
    }
  });

  it('answers requests still queued when the grace period ends with 503, not a reset', async () => {
    const server = await startTestServer({ slow: SLOW });
    try {
      const outcomes = sendMixed(server, 6);
      await waitUntil(async () => (await pending(server)) === 5, 'five requests are queued');
      await server.close(300);
      const results = await Promise.all(outcomes);
      // The first two finish (one running, one started before the grace period ended); the rest are told why.
      expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
      for (const r of results.filter((x) => x.status !== 200)) {
        expect(r.status).toBe(503);
        expect(r.error).toMatch(/model 'slow' version 1 is shutting down/);
      }
      expect(results.filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(1);
    } finally {
      await server.close(0);
    }
  });
});

describe('gauntlet serve', () => {
  const main = path.resolve('dist/src/cli/main.js');
  let child: ChildProcess | undefined;
  let repo: string | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('prints the ports, serves, and on SIGTERM drains in-flight requests and exits 0', async () => {
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (npm test does)`);
    repo = makeRepository({ plain: tinyMlpConfig('plain'), slow: SLOW });
    child = spawn(process.execPath, [main, 'serve', '--model-repository', repo, '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    const port = (service: string): number => Number(new RegExp(`Started ${service} at 127\\.0\\.0\\.1:(\\d+)`).exec(stdout)?.[1] ?? 0);
    await waitUntil(() => /Server is ready/.test(stdout) || child!.exitCode !== null, 'the server prints that it is ready', 30_000);
    expect(stdout, stderr).toMatch(/Server is ready/);
    const [httpPort, grpcPort, metricsPort] = [port('HTTPService'), port('GRPCInferenceService'), port('Metrics Service')];
    expect(httpPort).toBeGreaterThan(0);
    expect(grpcPort).toBeGreaterThan(0);
    expect(metricsPort).toBeGreaterThan(0);

    expect(await infer(httpPort, 'plain', inputRows(1))).toHaveLength(1);
    // Two slow requests: one executing, one queued, when SIGTERM arrives.
    const inflight = [1, 2].map((i) => httpRequest(httpPort, { path: '/v2/models/slow/infer', body: inferBody(inputRows(i)) }));
    await waitUntil(async () => (await metricValue(metricsPort, 'nv_inference_pending_request_count', { model: 'slow' })) === 1, 'a request is queued');
    child.kill('SIGTERM');
    expect((await Promise.all(inflight)).map((r) => r.status)).toEqual([200, 200]);
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/SIGTERM: draining in-flight requests/);
    expect(stdout).toMatch(/Server stopped\n$/);
  });
});
