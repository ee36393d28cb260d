/**
 * Explicit model control on the real reference server (Triton's --model-control-mode=explicit): the repository
 * extension's load re-reads a model's config.yaml and files and swaps the model in while in-flight requests finish
 * on the old one; a bad config is a 400 listing its problems and the old model keeps serving; unload takes the
 * model out of service; only the --load-model models load at start-up.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { stringify } from 'yaml';
import { callUnary, createInferenceClient } from '../../reference-server/grpc/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, httpRequest, infer, inferBody, inputRows, json, startTestServer, type TestServer, waitUntil } from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

let server: TestServer;
let port: number;
const control = (model: string, action: 'load' | 'unload', body?: object | string) =>
  httpRequest(port, { method: 'POST', path: `/v2/repository/models/${model}/${action}`, ...(body !== undefined && { body }) });
const config = async (model: string): Promise<Record<string, any>> => json(await httpRequest(port, { path: `/v2/models/${model}/config` }));
const writeConfig = (model: string, cfg: Record<string, unknown> | string): void =>
  writeFileSync(path.join(server.repo, model, 'config.yaml'), typeof cfg === 'string' ? cfg : stringify(cfg));

beforeAll(async () => {
  server = await startTestServer(
    { tiny: tinyMlpConfig('tiny'), later: tinyMlpConfig('later'), slow: tinyMlpConfig('slow', { max_batch_size: 1, artificial_delay_us: 400_000 }) },
    { modelControl: 'explicit', models: ['tiny', 'slow'] },
  );
  port = server.httpPort;
});
afterAll(async () => {
  await server?.close(1000);
});

describe('explicit model control', () => {
  it('loads only the models named at start-up, and another one on request', async () => {
    expect((await httpRequest(port, { path: '/v2/models/later/ready' })).status).not.toBe(200);
    expect((await control('later', 'load')).status).toBe(200);
    expect((await httpRequest(port, { path: '/v2/models/later/ready' })).status).toBe(200);
    expect(await infer(port, 'later', inputRows(1))).toHaveLength(1);
  });

  it('re-reads config.yaml on load and serves the new configuration', async () => {
    expect((await config('tiny'))['max_batch_size']).toBe(64);
    writeConfig('tiny', tinyMlpConfig('tiny', { max_batch_size: 8, dynamic_batching: { max_queue_delay_microseconds: 100 } }));
    const reply = await control('tiny', 'load', {});
    expect(reply.status, reply.body.toString()).toBe(200);
    const cfg = await config('tiny');
    expect(cfg['max_batch_size']).toBe(8);
    expect(cfg['dynamic_batching']).toBeDefined();
    expect(await infer(port, 'tiny', inputRows(2, 3))).toHaveLength(3);
  });

  it('answers a bad config with 400 and every problem, and keeps serving the model loaded before', async () => {
    writeConfig('tiny', tinyMlpConfig('tiny', { max_batch_size: -1, instance_group: [{ count: 0, kind: 'KIND_CPU' }] }));
    const reply = await control('tiny', 'load');
    expect(reply.status).toBe(400);
    const error = errorOf(reply);
    expect(error).toMatch(/max_batch_size/);
    expect(error).toMatch(/instance_group/);
    expect(error).toMatch(/still served/);
    expect((await config('tiny'))['max_batch_size']).toBe(8);
    expect(await infer(port, 'tiny', inputRows(3))).toHaveLength(1);
    writeConfig('tiny', 'name: [unclosed');
    expect((await control('tiny', 'load')).status).toBe(400);
    expect((await httpRequest(port, { path: '/v2/health/ready' })).status).toBe(200);
  });

  it('lets in-flight requests finish on the old model while the new one is swapped in', async () => {
    const inFlight = httpRequest(port, { path: '/v2/models/slow/infer', body: inferBody(inputRows(4)) });
    await waitUntil(() => server.repository.model('slow').queueState().executing > 0, 'the request executes');
    writeConfig('slow', tinyMlpConfig('slow', { max_batch_size: 4 }));
    const load = await control('slow', 'load');
    expect(load.status).toBe(200);
    const reply = await inFlight;
    expect(reply.status, reply.body.toString()).toBe(200);
    expect((await config('slow'))['max_batch_size']).toBe(4);
  });

  it('sends a request whose body was still arriving during a reload to the new model', async () => {
    const body = Buffer.from(JSON.stringify(inferBody(inputRows(7))));
    const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v2/models/tiny/infer', headers: { 'content-length': body.length }, agent: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write(body.subarray(0, 10));
      // Admitted (the model resolved) once admission counts it: then reload, then send the rest.
      void waitUntil(() => server.admission.inflightRequests > 0, 'the request is admitted')
        .then(async () => {
          writeConfig('tiny', tinyMlpConfig('tiny', { max_batch_size: 4 }));
          expect((await control('tiny', 'load')).status).toBe(200);
          req.end(body.subarray(10));
        })
        .catch(reject);
    });
    const r = await reply;
    expect(r.status, r.body).toBe(200);
  });

  it('unloads a model, shows it in the index, and loads it back', async () => {
    expect((await control('later', 'unload')).status).toBe(200);
    expect((await httpRequest(port, { path: '/v2/models/later/ready' })).status).not.toBe(200);
    expect((await httpRequest(port, { path: '/v2/models/later/infer', body: inferBody(inputRows(5)) })).status).toBe(404);
    const index = json<{ name: string; state: string; reason: string }[]>(await httpRequest(port, { path: '/v2/repository/index', body: {} }));
    expect(index.find((e) => e.name === 'later')).toMatchObject({ state: 'UNAVAILABLE', reason: 'unloaded' });
    expect((await control('later', 'load')).status).toBe(200);
    expect(await infer(port, 'later', inputRows(6))).toHaveLength(1);
  });

  it('loads and unloads over gRPC too (RepositoryModelLoad / RepositoryModelUnload)', async () => {
    const client = createInferenceClient(`127.0.0.1:${server.grpcPort}`);
    try {
      writeConfig('tiny', tinyMlpConfig('tiny', { max_batch_size: 2 }));
      expect(await callUnary(client, 'RepositoryModelLoad', { model_name: 'tiny' })).toEqual({});
      expect((await config('tiny'))['max_batch_size']).toBe(2);
      writeConfig('tiny', tinyMlpConfig('tiny', { max_batch_size: -1 }));
      const bad = await callUnary(client, 'RepositoryModelLoad', { model_name: 'tiny' }).catch((e: { code: number; details: string }) => e);
      expect(bad).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/max_batch_size: must be >= 0/) });
      const params = await callUnary(client, 'RepositoryModelLoad', { model_name: 'tiny', parameters: { 'file:1/model.onnx': { bytes_param: Buffer.from('x') } } }).catch((e: { code: number; details: string }) => e);
      expect(params).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/unsupported load parameter\(s\): file:1\/model.onnx/) });
      const override = await callUnary(client, 'RepositoryModelLoad', { model_name: 'tiny', parameters: { config: { string_param: JSON.stringify(tinyMlpConfig('tiny', { max_batch_size: 3 })) } } });
      expect(override).toEqual({});
      expect((await config('tiny'))['max_batch_size']).toBe(3);
      expect(await callUnary(client, 'RepositoryModelUnload', { model_name: 'later' })).toEqual({});
      expect((await httpRequest(port, { path: '/v2/models/later/ready' })).status).not.toBe(200);
      expect(await callUnary(client, 'RepositoryModelLoad', { model_name: 'later' })).toEqual({});
      expect((await httpRequest(port, { path: '/v2/models/later/ready' })).status).toBe(200);
    } finally {
      client.close();
    }
  });

  it.each([
    ['a model with no folder', 'nothing', undefined, /no folder 'nothing'/],
    ['a name that leaves the repository', '..', undefined, /invalid model name/],
    ['a file sent in the request', 'tiny', { parameters: { 'file:1/model.onnx': 'eA==' } }, /unsupported load parameter\(s\): file:1\/model.onnx/],
    ['a config override with problems', 'tiny', { parameters: { config: '{"max_batch_size": -1}' } }, /max_batch_size/],
    ['a config override that is not JSON', 'tiny', { parameters: { config: '{' } }, /config: is not JSON/],
    ['a body that is not JSON', 'tiny', '{', /failed to parse/],
  ])('refuses %s with 400', async (_what, model, body, message) => {
    const reply = await control(encodeURIComponent(model), 'load', body);
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toMatch(message);
  });
});
