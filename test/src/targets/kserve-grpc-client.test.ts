/**
 * The kserve-grpc client against the real reference server (grpc-js front end, tiny mlp on ONNX Runtime): calls
 * that succeed, check(), and failures as data with their messages (unknown model, a full queue, nobody
 * listening, no answer, close with calls in flight).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../../src/targets/client.js';
import { createClient, type TargetClient } from '../../../src/targets/registry.js';
import type { RequestSpec, TargetSpec } from '../../../src/targets/target-spec.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { clientTestModels } from '../../helpers/test-repo.js';
import { deadPort, rawServer } from './raw-servers.js';

let server: TestServer;
const clients: TargetClient[] = [];

beforeAll(async () => {
  server = await startTestServer(clientTestModels());
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.close(1000);
});

const REQUEST: RequestSpec = { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 16], data: { kind: 'random' } }], payloads: 4 };

function client(target: Partial<TargetSpec> = {}, request: Partial<RequestSpec> = {}): TargetClient {
  const spec: TargetSpec = {
    name: 'test',
    protocol: 'kserve-grpc',
    url: `127.0.0.1:${server.grpcPort}`,
    model: 'tiny',
    binary: true,
    timeoutMs: 5000,
    maxInFlight: 64,
    connections: 0,
    ...target,
  };
  const c = createClient(spec, { ...REQUEST, ...request }, { seed: 7 });
  clients.push(c);
  return c;
}

function expectOk(o: Outcome): void {
  expect(o.code).toBe('OK');
  expect(o.bytes).toBeGreaterThan(0);
  expect(o.sentUs).toBeLessThanOrEqual(o.firstByteUs!);
  expect(o.firstByteUs!).toBeLessThanOrEqual(o.doneUs);
}

describe('kserve-grpc client', () => {
  it('sends ModelInfer calls that succeed, multiplexed, and check() passes', async () => {
    const c = client();
    await c.check();
    const outcomes = await Promise.all(Array.from({ length: 32 }, () => c.send()));
    outcomes.forEach(expectOk);
    expect(c.errorSamples()).toEqual([]);
  });

  it('asks for named outputs and a model version over several connections (grpc:// URL)', async () => {
    const c = client({ url: `grpc://127.0.0.1:${server.grpcPort}`, modelVersion: '1', connections: 2 }, { outputs: ['output'] });
    await c.check();
    (await Promise.all(Array.from({ length: 8 }, () => c.send()))).forEach(expectOk);
  });

  it('records an unknown model as GRPC_NOT_FOUND with the server message, and check() throws', async () => {
    const c = client({ model: 'nope' });
    expect((await c.send()).code).toBe('GRPC_NOT_FOUND');
    expect(c.errorSamples()).toEqual([{ code: 'GRPC_NOT_FOUND', message: "unknown model 'nope'" }]);
    await expect(c.check()).rejects.toMatchObject({ code: 'GAUNTLET_ERR_TARGET_UNREACHABLE', message: expect.stringMatching(/GRPC_NOT_FOUND: unknown model 'nope'/) });
  });

  it('records a request the model rejects as GRPC_INVALID_ARGUMENT', async () => {
    const c = client({}, { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: { kind: 'zeros' } }] });
    expect((await c.send()).code).toBe('GRPC_INVALID_ARGUMENT');
    expect(c.errorSamples()[0]?.message).toMatch(/input/);
  });

  it('records a full queue as GRPC_UNAVAILABLE', async () => {
    const c = client({ model: 'full' }, { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16], data: { kind: 'ones' } }] });
    const codes = (await Promise.all(Array.from({ length: 6 }, () => c.send()))).map((o) => o.code);
    expect(codes.filter((x) => x === 'OK').length).toBeGreaterThanOrEqual(1);
    expect(codes.filter((x) => x === 'GRPC_UNAVAILABLE').length).toBeGreaterThanOrEqual(1);
    expect(codes.every((x) => x === 'OK' || x === 'GRPC_UNAVAILABLE')).toBe(true);
    expect(c.errorSamples()).toEqual([{ code: 'GRPC_UNAVAILABLE', message: expect.stringMatching(/the queue is full \(max_queue_size 1\)/) }]);
  });

  it('records ECONNREFUSED quickly when nobody listens, and check() says so', async () => {
    const c = client({ url: `127.0.0.1:${await deadPort()}` });
    const o = await c.send();
    expect(o.code).toBe('ECONNREFUSED');
    expect(o.doneUs - o.sentUs).toBeLessThan(1_000_000);
    await expect(c.check()).rejects.toThrow(/ECONNREFUSED/);
  });

  it('records TIMEOUT within timeoutMs when the server accepts and never answers', async () => {
    const silent = await rawServer((s) => s.resume());
    try {
      const o = await client({ url: `127.0.0.1:${silent.port}`, timeoutMs: 200 }).send();
      expect(o.code).toBe('TIMEOUT');
      expect(o.doneUs - o.sentUs).toBeLessThan(1_000_000);
    } finally {
      await silent.close();
    }
  });

  it('close() resolves calls in flight as CANCELLED', async () => {
    const c = client({ model: 'full' }, { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16], data: { kind: 'ones' } }] });
    const pending = c.send();
    await new Promise((r) => setTimeout(r, 50));
    await c.close();
    expect((await pending).code).toBe('CANCELLED');
  });

  it('rejects addresses that are not host:port as configuration errors', () => {
    expect(() => client({ url: 'http://127.0.0.1:8001/x' })).toThrow(/host:port/);
  });
});
