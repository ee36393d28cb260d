/**
 * The kserve-http client against the real reference server (tiny mlp, real ONNX Runtime): JSON and binary
 * requests, check(), versions and requested outputs, and failures as data with their messages (unknown model,
 * bad input, a full queue).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import type { Outcome } from '../../../src/targets/client.js';
import { encodeInferBody } from '../../../src/targets/kserve-http-client.js';
import { createClient, type TargetClient } from '../../../src/targets/registry.js';
import type { RequestSpec, TargetSpec } from '../../../src/targets/target-spec.js';
import { buildPayloads } from '../../../src/targets/tensor-data.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { clientTestModels } from '../../helpers/test-repo.js';

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
    protocol: 'kserve-http',
    url: `http://127.0.0.1:${server.httpPort}`,
    model: 'tiny',
    binary: false,
    timeoutMs: 5000,
    maxInFlight: 64,
    connections: 0,
    ...target,
  };
  const c = createClient(spec, { ...REQUEST, ...request }, { seed: 42 });
  clients.push(c);
  return c;
}

function expectOk(o: Outcome): void {
  expect(o.code).toBe('OK');
  expect(o.bytes).toBeGreaterThan(0);
  expect(o.sentUs).toBeLessThanOrEqual(o.firstByteUs!);
  expect(o.firstByteUs!).toBeLessThanOrEqual(o.doneUs);
}

describe('kserve-http client', () => {
  it.each([
    ['JSON', false],
    ['binary', true],
  ])('sends %s infer requests that succeed, and check() passes', async (_name, binary) => {
    const c = client({ binary });
    await c.check();
    const outcomes = await Promise.all(Array.from({ length: 24 }, () => c.send()));
    outcomes.forEach(expectOk);
    expect(c.errorSamples()).toEqual([]);
  });

  it.each([
    ['JSON', false],
    ['binary', true],
  ])('asks for named outputs and a model version (%s)', async (_name, binary) => {
    const c = client({ binary, modelVersion: '1' }, { outputs: ['output'], parameters: { note: 'x' } });
    await c.check();
    expectOk(await c.send());
  });

  it('cycles through distinct payloads built from the seed', () => {
    const payloads = buildPayloads(REQUEST, 42).map((t) => encodeInferBody(REQUEST, t, false).body.toString());
    expect(new Set(payloads).size).toBe(4);
    expect(buildPayloads(REQUEST, 42).map((t) => encodeInferBody(REQUEST, t, false).body.toString())).toEqual(payloads);
  });

  it('records an unknown model as HTTP_404 with the server message, and check() throws TARGET_UNREACHABLE', async () => {
    const c = client({ model: 'nope' });
    expect((await c.send()).code).toBe('HTTP_404');
    expect(c.errorSamples()).toEqual([{ code: 'HTTP_404', message: "unknown model 'nope'" }]);
    const err = await c.check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GauntletError);
    expect(err).toMatchObject({ code: 'GAUNTLET_ERR_TARGET_UNREACHABLE', message: expect.stringMatching(/HTTP_404: unknown model 'nope'/) });
  });

  it('records an unknown version as HTTP_404', async () => {
    expect((await client({ modelVersion: '9' }).send()).code).toBe('HTTP_404');
  });

  it('records a request the model rejects as HTTP_400 with the reason', async () => {
    const c = client({}, { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: { kind: 'zeros' } }] });
    expect((await c.send()).code).toBe('HTTP_400');
    expect(c.errorSamples()[0]?.message).toMatch(/input/);
    await expect(c.check()).rejects.toThrow(/HTTP_400/);
  });

  it('records a full queue as HTTP_503, keeping the message once', async () => {
    const c = client({ model: 'full', binary: true }, { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16], data: { kind: 'ones' } }] });
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => c.send()));
    const codes = outcomes.map((o) => o.code);
    expect(codes.filter((x) => x === 'OK').length).toBeGreaterThanOrEqual(1);
    expect(codes.filter((x) => x === 'HTTP_503').length).toBeGreaterThanOrEqual(1);
    expect(codes.every((x) => x === 'OK' || x === 'HTTP_503')).toBe(true);
    expect(c.errorSamples()).toEqual([{ code: 'HTTP_503', message: expect.stringMatching(/the queue is full \(max_queue_size 1\)/) }]);
  });

  it('keeps the given connection count', async () => {
    const c = client({ connections: 2 });
    const outcomes = await Promise.all(Array.from({ length: 16 }, () => c.send()));
    outcomes.forEach(expectOk);
  });

  it('rejects targets it cannot send to as configuration errors', () => {
    expect(() => client({ model: undefined })).toThrow(/no model/);
    expect(() => client({ url: 'ftp://127.0.0.1:1' })).toThrow(/only http:\/\/ and https:\/\//);
    expect(() => client({}, { inputs: [{ name: 'input', datatype: 'FP99', shape: [1], data: { kind: 'random' } }] })).toThrow(/unknown datatype/);
  });
});
