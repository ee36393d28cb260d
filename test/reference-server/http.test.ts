/**
 * The KServe v2 HTTP front end of the real reference server (real sockets, real ONNX Runtime): health, metadata,
 * Triton's configuration, statistics and repository extensions, inference in JSON and with binary tensors,
 * compression, keep-alive, batching transparency and version policies.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type RunningServer } from '../../reference-server/server.js';
import {
  errorOf,
  FLOAT_TOLERANCE,
  httpRequest,
  infer,
  inferBody,
  inputRows,
  json,
  maxAbsDiff,
  outputRows,
  startTestServer,
  type TestServer,
} from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

// Two problems, on lines 2 and 5: both must be reported, each with its path.
const BROKEN_CONFIG = `name: broken
max_batch_size: -1
input:
  - name: input
    data_type: TYPE_FLOAT
    dims: [16]
output:
  - name: output
    data_type: TYPE_FP32
    dims: [4]
`;

let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await startTestServer(
    {
      single: tinyMlpConfig('single'),
      // A queue delay of 10 s: a batch goes out only when it is full (16), so each test below knows its batches.
      batcher: tinyMlpConfig('batcher', { max_batch_size: 16, dynamic_batching: { preferred_batch_size: [8, 16], max_queue_delay_microseconds: 10_000_000 } }),
      broken: BROKEN_CONFIG,
    },
    { strictReadiness: false },
  );
  port = server.httpPort;
});
afterAll(async () => {
  await server?.close(1000);
});

const get = (path: string) => httpRequest(port, { path });
const stats = async (model: string): Promise<Record<string, any>> => json(await get(`/v2/models/${model}/stats`))['model_stats'][0];

describe('health', () => {
  it('is live and ready (200, empty body) when every loaded model is ready, without strict readiness', async () => {
    for (const path of ['/v2/health/live', '/v2/health/ready']) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.body.length).toBe(0);
    }
  });

  it('is live but not ready (400) under strict readiness with a broken model in the repository', async () => {
    const strict = await startReferenceServer({ modelRepository: server.repo, models: ['single', 'broken'], httpPort: 0, grpcPort: 0, metricsPort: 0, strictReadiness: true });
    try {
      expect((await httpRequest(strict.httpPort, { path: '/v2/health/live' })).status).toBe(200);
      const ready = await httpRequest(strict.httpPort, { path: '/v2/health/ready' });
      expect(ready.status).toBe(400);
      expect(errorOf(ready)).toMatch(/not ready/);
      // The good model still serves.
      expect(await infer(strict.httpPort, 'single', inputRows(1))).toHaveLength(1);
    } finally {
      await strict.close(1000);
    }
  });
});

describe('metadata', () => {
  it('GET /v2 names the server and its extensions', async () => {
    const r = await get('/v2');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const doc = json(r);
    expect(doc).toMatchObject({ name: expect.any(String), version: expect.any(String) });
    expect(doc['extensions']).toEqual(expect.arrayContaining(['binary_tensor_data', 'model_repository', 'model_configuration', 'statistics', 'schedule_policy']));
  });

  it.each(['/v2/models/single', '/v2/models/single/versions/1'])('GET %s describes the model with -1 for the batch dimension', async (path) => {
    const r = await get(path);
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({
      name: 'single',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 16] }],
      outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 4] }],
    });
  });

  it.each([
    ['/v2/models/single/ready', 200],
    ['/v2/models/single/versions/1/ready', 200],
    ['/v2/models/single/versions/2/ready', 404],
    ['/v2/models/nope/ready', 404],
    ['/v2/models/broken/ready', 503],
  ])('GET %s → %i', async (path, status) => {
    const r = await get(path);
    expect(r.status).toBe(status);
    if (status !== 200) expect(errorOf(r)).toMatch(/single|nope|broken/);
  });

  it('GET /config returns the effective configuration with Triton’s field names', async () => {
    const r = await get('/v2/models/batcher/config');
    expect(r.status).toBe(200);
    expect(json(r)).toMatchObject({
      name: 'batcher',
      platform: 'onnxruntime_onnx',
      backend: 'onnxruntime',
      max_batch_size: 16,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [16] }],
      output: [{ name: 'output', data_type: 'TYPE_FP32', dims: [4] }],
      instance_group: [{ name: 'batcher_0', kind: 'KIND_CPU', count: 1 }],
      dynamic_batching: {
        preferred_batch_size: [8, 16],
        max_queue_delay_microseconds: 10_000_000,
        preserve_ordering: false,
        default_queue_policy: { timeout_action: 'REJECT', default_timeout_microseconds: 0, allow_timeout_override: false, max_queue_size: 0 },
      },
      version_policy: { latest: { num_versions: 1 } },
      parameters: { execution_provider: { string_value: 'cpu' } },
    });
    // A model without dynamic batching has none in its configuration.
    expect(json(await get('/v2/models/single/versions/1/config'))).not.toHaveProperty('dynamic_batching');
  });
});

describe('statistics', () => {
  it('reports Triton’s fields, and the counts move with each inference', async () => {
    const before = await stats('single');
    expect(before).toMatchObject({ name: 'single', version: '1', inference_count: expect.any(Number), execution_count: expect.any(Number), last_inference: expect.any(Number) });
    for (const k of ['success', 'fail', 'queue', 'compute_input', 'compute_infer', 'compute_output', 'cache_hit', 'cache_miss']) {
      expect(before['inference_stats'][k], k).toEqual({ count: expect.any(Number), ns: expect.any(Number) });
    }
    await infer(port, 'single', inputRows(1));
    await infer(port, 'single', inputRows(2));
    await infer(port, 'single', inputRows(3, 4));
    const bad = await httpRequest(port, { path: '/v2/models/single/infer', body: inferBody([[1, 2, 3]]) });
    expect(bad.status).toBe(400);
    const after = await stats('single');
    expect(after['inference_count'] - before['inference_count']).toBe(6);
    expect(after['execution_count'] - before['execution_count']).toBe(3);
    expect(after['inference_stats']['success']['count'] - before['inference_stats']['success']['count']).toBe(3);
    expect(after['inference_stats']['fail']['count'] - before['inference_stats']['fail']['count']).toBe(1);
    expect(after['inference_stats']['compute_infer']['ns']).toBeGreaterThan(before['inference_stats']['compute_infer']['ns']);
    expect(after['last_inference']).toBeGreaterThan(0);
    const sizes = (after['batch_stats'] as { batch_size: number; compute_infer: { count: number } }[]).map((b) => b.batch_size);
    expect(sizes).toEqual(expect.arrayContaining([1, 4]));
    // The version-qualified route reports the same numbers.
    expect(json(await get('/v2/models/single/versions/1/stats'))['model_stats'][0]['inference_count']).toBe(after['inference_count']);
  });

  it('GET /v2/models/stats lists every served model version; unknown models are 404', async () => {
    const doc = json(await get('/v2/models/stats'));
    expect((doc['model_stats'] as { name: string }[]).map((s) => s.name).sort()).toEqual(['batcher', 'single']);
    const r = await get('/v2/models/nope/stats');
    expect(r.status).toBe(404);
    expect(errorOf(r)).toMatch(/nope/);
  });
});

describe('repository index', () => {
  it('lists every model, the broken one UNAVAILABLE with each config problem, its path and line', async () => {
    const r = await httpRequest(port, { path: '/v2/repository/index', body: '' });
    expect(r.status).toBe(200);
    const rows = json<{ name: string; version: string; state: string; reason: string }[]>(r);
    expect(rows.map((m) => [m.name, m.state])).toEqual([
      ['batcher', 'READY'],
      ['broken', 'UNAVAILABLE'],
      ['single', 'READY'],
    ]);
    const reason = rows.find((m) => m.name === 'broken')!.reason;
    expect(reason).toMatch(/config\.yaml:2: max_batch_size: must be >= 0, got -1/);
    expect(reason).toMatch(/config\.yaml:5: input\[0\]\.data_type: must be one of .*got "TYPE_FLOAT"/);
  });

  it('filters to ready models with {"ready": true}', async () => {
    const rows = json<{ name: string; state: string }[]>(await httpRequest(port, { path: '/v2/repository/index', body: { ready: true } }));
    expect(rows.map((m) => m.name)).toEqual(['batcher', 'single']);
    expect(rows.every((m) => m.state === 'READY')).toBe(true);
  });
});

describe('inference', () => {
  it('answers JSON with the model, version, id and output', async () => {
    const r = await httpRequest(port, { path: '/v2/models/single/infer', body: inferBody(inputRows(5), { id: 'req-42' }) });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const doc = json(r);
    expect(doc).toMatchObject({ model_name: 'single', model_version: '1', id: 'req-42', outputs: [{ name: 'output', datatype: 'FP32', shape: [1, 4] }] });
    expect(doc['outputs'][0]['data']).toHaveLength(4);
    expect(doc['outputs'][0]['data'].every((v: unknown) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
    // No id in the request, none in the response.
    expect(json(await httpRequest(port, { path: '/v2/models/single/versions/1/infer', body: inferBody(inputRows(5)) }))).not.toHaveProperty('id');
  });

  it('takes binary inputs (Inference-Header-Content-Length, binary_data_size) and gives the JSON answer', async () => {
    const rows = inputRows(6, 3);
    const expected = await infer(port, 'single', rows);
    const bin = Buffer.from(new Float32Array(rows.flat()).buffer);
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 16], parameters: { binary_data_size: bin.length } }] }));
    const r = await httpRequest(port, {
      path: '/v2/models/single/infer',
      body: Buffer.concat([header, bin]),
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': header.length },
    });
    expect(r.status).toBe(200);
    expect(outputRows(json(r))).toEqual(expected);
  });

  it.each([
    ['binary_data: true on the output', { outputs: [{ name: 'output', parameters: { binary_data: true } }] }],
    ['the binary_data_output request parameter', { parameters: { binary_data_output: true } }],
    ['binary_data_output with the output listed', { parameters: { binary_data_output: true }, outputs: [{ name: 'output' }] }],
  ])('returns binary outputs when asked with %s', async (_how, extra) => {
    const rows = inputRows(7, 2);
    const expected = await infer(port, 'single', rows);
    const r = await httpRequest(port, { path: '/v2/models/single/infer', body: inferBody(rows, extra) });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    const jsonLength = Number(r.headers['inference-header-content-length']);
    const doc = JSON.parse(r.body.subarray(0, jsonLength).toString('utf8'));
    expect(doc.outputs).toEqual([{ name: 'output', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: 32 } }]);
    const raw = r.body.subarray(jsonLength);
    expect(raw.length).toBe(32);
    const values = Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)));
    expect(values).toEqual(expected.flat());
  });

  it('returns JSON data for an output requested with binary_data: false', async () => {
    const r = await httpRequest(port, { path: '/v2/models/single/infer', body: inferBody(inputRows(8), { outputs: [{ name: 'output', parameters: { binary_data: false } }] }) });
    expect(r.status).toBe(200);
    expect(r.headers['inference-header-content-length']).toBeUndefined();
    expect(json(r)['outputs']).toEqual([expect.objectContaining({ name: 'output', data: expect.any(Array) })]);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
  ])('accepts a %s-compressed body', async (encoding, compress) => {
    const rows = inputRows(9);
    const expected = await infer(port, 'single', rows);
    const r = await httpRequest(port, { path: '/v2/models/single/infer', body: compress(Buffer.from(JSON.stringify(inferBody(rows)))), headers: { 'content-encoding': encoding } });
    expect(r.status).toBe(200);
    expect(outputRows(json(r))).toEqual(expected);
  });

  it('serves many requests, failed ones included, over one keep-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<unknown>();
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 10 === 9
            ? httpRequest(port, { path: '/v2/models/nope/infer', body: inferBody(inputRows(i)), agent })
            : httpRequest(port, { path: i % 2 ? '/v2/health/ready' : '/v2/models/single/infer', body: i % 2 ? undefined : inferBody(inputRows(i)), agent }),
        ),
      );
      for (const r of replies) sockets.add(r.socket);
      expect(replies.map((r) => r.status)).toEqual(Array.from({ length: 40 }, (_, i) => (i % 10 === 9 ? 404 : 200)));
      expect(replies.every((r) => r.headers['connection'] !== 'close')).toBe(true);
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});

describe('batching is invisible in the results', () => {
  // Each case fills exactly one batch of 16 rows, so it runs as one execution of batch size 16.
  it.each([
    ['2 requests of 8 rows', [8, 8]],
    ['5 requests of mixed sizes', [1, 2, 3, 4, 6]],
    ['16 requests of 1 row', Array.from({ length: 16 }, () => 1)],
  ])('%s batched together equal the same rows run alone', async (_label, sizes) => {
    const requests = sizes.map((n, i) => inputRows(100 + i, n));
    const alone: number[][][] = [];
    for (const rows of requests) alone.push(await Promise.all(rows.map((row) => infer(port, 'single', [row]).then((o) => o[0]!))));
    const before = await stats('batcher');
    const batched = await Promise.all(requests.map((rows) => infer(port, 'batcher', rows)));
    const after = await stats('batcher');
    expect(after['execution_count'] - before['execution_count']).toBe(1);
    const sixteens = (s: Record<string, any>) => (s['batch_stats'] as { batch_size: number; compute_infer: { count: number } }[]).find((b) => b.batch_size === 16)?.compute_infer.count ?? 0;
    expect(sixteens(after) - sixteens(before)).toBe(1);
    batched.forEach((rows, i) => {
      expect(rows).toHaveLength(sizes[i]!);
      expect(maxAbsDiff(rows, alone[i]!), `request ${i}`).toBeLessThan(FLOAT_TOLERANCE);
    });
  });
});

describe('version policy', () => {
  let versioned: TestServer;
  beforeAll(async () => {
    versioned = await startTestServer(
      {
        latest2: tinyMlpConfig('latest2', { version_policy: { latest: { num_versions: 2 } } }),
        pick: tinyMlpConfig('pick', { version_policy: { specific: { versions: [1, 3] } } }),
      },
      { versions: [1, 2, 3], strictReadiness: false, models: ['latest2'] },
    );
  });
  afterAll(async () => {
    await versioned?.close(1000);
  });

  it('serves the latest two of versions 1, 2, 3 and lists them in the model metadata', async () => {
    const p = versioned.httpPort;
    expect(json(await httpRequest(p, { path: '/v2/models/latest2' }))['versions']).toEqual(['2', '3']);
    expect(json(await httpRequest(p, { path: '/v2/models/latest2/versions/2' }))['versions']).toEqual(['2']);
    for (const v of ['2', '3']) {
      const r = await httpRequest(p, { path: `/v2/models/latest2/versions/${v}/infer`, body: inferBody(inputRows(1)) });
      expect(r.status).toBe(200);
      expect(json(r)['model_version']).toBe(v);
    }
    // Without a version, the latest answers.
    expect(json(await httpRequest(p, { path: '/v2/models/latest2/infer', body: inferBody(inputRows(1)) }))['model_version']).toBe('3');
  });

  it.each([
    ['GET', '/v2/models/latest2/versions/1'],
    ['GET', '/v2/models/latest2/versions/1/ready'],
    ['GET', '/v2/models/latest2/versions/1/config'],
    ['GET', '/v2/models/latest2/versions/1/stats'],
    ['POST', '/v2/models/latest2/versions/1/infer'],
  ])('%s %s → 404: version 1 is outside the policy', async (method, path) => {
    const r = await httpRequest(versioned.httpPort, { method, path, body: method === 'POST' ? inferBody(inputRows(1)) : undefined });
    expect(r.status).toBe(404);
    expect(errorOf(r)).toMatch(/unknown version "1" of model 'latest2'/);
  });

  it('answers 503 for a version the policy serves that failed to load, 404 for one it does not serve', async () => {
    // A second server on the same repository: `pick` serves versions 1 and 3, and version 1's model is corrupt.
    writeFileSync(`${versioned.repo}/pick/1/model.onnx`, 'not an onnx model');
    const s = await startReferenceServer({ modelRepository: versioned.repo, models: ['pick'], httpPort: 0, grpcPort: 0, metricsPort: 0, strictReadiness: false });
    try {
      const v1 = await httpRequest(s.httpPort, { path: '/v2/models/pick/versions/1/infer', body: inferBody(inputRows(1)) });
      expect(v1.status).toBe(503);
      expect(errorOf(v1)).toMatch(/model 'pick' version 1 is not available: .+/);
      const v2 = await httpRequest(s.httpPort, { path: '/v2/models/pick/versions/2/infer', body: inferBody(inputRows(1)) });
      expect(v2.status).toBe(404);
      const v3 = await httpRequest(s.httpPort, { path: '/v2/models/pick/versions/3/infer', body: inferBody(inputRows(1)) });
      expect(v3.status).toBe(200);
      const index = json<{ name: string; version: string; state: string }[]>(await httpRequest(s.httpPort, { path: '/v2/repository/index', body: {} }));
      expect(index.map((m) => [m.version, m.state])).toEqual([
        ['3', 'READY'],
        ['1', 'UNAVAILABLE'],
      ]);
    } finally {
      await s.close(1000);
    }
  });
});
