/**
 * Large JSON bodies on the real reference server: JSON has its own, lower limit (binary tensors keep the body
 * limit), checked from the headers before the body is read; a large JSON body is parsed on a worker thread, with
 * the same answers as on the main thread, so health checks keep answering while several are parsed at once.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARSE_OFFLOAD_BYTES } from '../../reference-server/http/json-parse-pool.js';
import { errorOf, httpRequest, inferBody, inputRows, json, outputRows, startTestServer, type TestServer } from '../helpers/reference-client.js';
import { TINY_MLP, tinyMlpConfig } from '../helpers/test-repo.js';

const INFER = '/v2/models/tiny/infer';

describe('the JSON body limit', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') }, { maxJsonBodyBytes: 4096, maxBodyBytes: 1 << 20 });
  });
  afterAll(async () => {
    await server?.close(1000);
  });

  const rows = inputRows(3, 64);

  it('refuses a JSON body over it with 413 from its Content-Length, naming the JSON limit', async () => {
    const reply = await httpRequest(server.httpPort, { path: INFER, body: inferBody(rows) });
    expect(reply.status).toBe(413);
    expect(errorOf(reply)).toMatch(/^the JSON part of the request is \d+ bytes, over the limit of 4096 bytes for JSON \(binary tensors may use the binary data extension, up to 1048576 bytes\)$/);
  });

  it('takes the same tensor as binary data, whose JSON part is small', async () => {
    const head = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [64, TINY_MLP.inputSize], parameters: { binary_data_size: 64 * TINY_MLP.inputSize * 4 } }] }));
    const body = Buffer.concat([head, Buffer.from(new Float32Array(rows.flat()).buffer)]);
    expect(body.length).toBeGreaterThan(4096);
    const reply = await httpRequest(server.httpPort, { path: INFER, body, headers: { 'inference-header-content-length': head.length } });
    expect(reply.status).toBe(200);
  });

  it('refuses a chunked JSON body as soon as it outgrows the limit, and closes the connection', async () => {
    const reply = await new Promise<{ status: number; connection?: string; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.httpPort, method: 'POST', path: INFER, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers['connection'], body }));
      });
      req.on('error', reject);
      req.write(JSON.stringify(inferBody(rows))); // 8 KB: over the limit, the rest is never sent
    });
    expect(reply.status).toBe(413);
    expect(reply.connection).toBe('close');
    expect(JSON.parse(reply.body).error).toMatch(/the request body is over the limit of 4096 bytes/);
  });
});

describe('large JSON bodies', () => {
  let server: TestServer;

  beforeAll(async () => {
    // The byte budget (256 MiB by default) would shed the sixth 40 MB body; it is not what is tested here.
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') }, { maxJsonBodyBytes: 64 << 20, maxBodyBytes: 64 << 20, maxInflightBytes: 512 << 20 });
  });
  afterAll(async () => {
    await server?.close(1000);
  });

  it('are parsed on a worker thread with the same answers: a padded body, and a malformed one', async () => {
    const doc = inferBody(inputRows(5, 4));
    const small = await httpRequest(server.httpPort, { path: INFER, body: doc });
    const padded = Buffer.from(`${' '.repeat(PARSE_OFFLOAD_BYTES)}${JSON.stringify(doc)}`);
    const large = await httpRequest(server.httpPort, { path: INFER, body: padded });
    expect(large.status).toBe(200);
    expect(outputRows(json(large))).toEqual(outputRows(json(small)));
    const broken = await httpRequest(server.httpPort, { path: INFER, body: Buffer.from(`${' '.repeat(PARSE_OFFLOAD_BYTES)}{"inputs": [`) });
    expect(broken.status).toBe(400);
    expect(errorOf(broken)).toMatch(/^failed to parse the request JSON/);
  });

  it('leave health checks answering while six of them are parsed', async () => {
    // 40 MB of JSON numbers each (the shape does not match, so each gets 400 once parsed): what one parse costs
    // this thread is the wait a health check would see if the server parsed on its event loop.
    const values = Array.from({ length: 4_000_000 }, (_, i) => (i % 997) / 7);
    const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, TINY_MLP.inputSize], data: values }] }));
    const t0 = performance.now();
    JSON.parse(body.toString('utf8'));
    const parseMs = performance.now() - t0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let done = false;
    let longestMs = 0;
    let checks = 0;
    const health = (async () => {
      while (!done) {
        const s = performance.now();
        const r = await httpRequest(server.httpPort, { path: '/v2/health/ready', agent });
        expect(r.status).toBe(200);
        longestMs = Math.max(longestMs, performance.now() - s);
        checks++;
      }
    })();
    const replies = await Promise.all(Array.from({ length: 6 }, () => httpRequest(server.httpPort, { path: INFER, body, timeoutMs: 120_000 })));
    done = true;
    await health;
    agent.destroy();
    expect(replies.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(errorOf(replies[0]!)).toMatch(/input 'input' has 16000000 bytes of FP32 data, but shape \[1,16\] needs 64 bytes/);
    expect(checks).toBeGreaterThan(6);
    expect(longestMs).toBeLessThan(parseMs);
  });
});
