/**
 * The dynamic batcher and queue policy of the real reference server, seen from outside: batches form under
 * concurrency and split back exactly, the queue bound and timeouts reject as Triton's do, preferred sizes shape
 * batches, ordering is preserved when asked, and every instance of a model works.
 *
 * Slow instances come from `artificial_delay_us` (a sleep in the worker after each execution): while an instance
 * sleeps, later requests wait in the queue, which makes queue states deterministic without sleeping in tests.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUnary, createInferenceClient, type InferenceClient, openInferStream } from '../../reference-server/grpc/client.js';
import {
  errorOf,
  FLOAT_TOLERANCE,
  httpRequest,
  infer,
  inferBody,
  inputRows,
  json,
  maxAbsDiff,
  metricValue,
  startTestServer,
  type TestServer,
} from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

const slow = (name: string, delayUs: number, extra: Record<string, unknown>) => tinyMlpConfig(name, { artificial_delay_us: delayUs, ...extra });
const queuePolicy = (policy: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ dynamic_batching: { default_queue_policy: policy, ...more } });
const pairOfInstances = { instance_group: [{ count: 2, kind: 'KIND_CPU' }], max_batch_size: 1 };
const orderingCase = (preserve: boolean) =>
  ({ ...pairOfInstances, dynamic_batching: { preserve_ordering: preserve, default_queue_policy: { timeout_action: 'DELAY', allow_timeout_override: true } } });

let server: TestServer;
let client: InferenceClient;

beforeAll(async () => {
  server = await startTestServer({
    plain: tinyMlpConfig('plain'),
    batched: slow('batched', 20_000, { dynamic_batching: { max_queue_delay_microseconds: 5000 } }),
    bounded: slow('bounded', 300_000, { max_batch_size: 8, ...queuePolicy({ max_queue_size: 2 }) }),
    reject: slow('reject', 200_000, queuePolicy({ default_timeout_microseconds: 50_000, timeout_action: 'REJECT' })),
    delay: slow('delay', 200_000, queuePolicy({ default_timeout_microseconds: 50_000, timeout_action: 'DELAY' })),
    override: slow('override', 200_000, queuePolicy({ default_timeout_microseconds: 50_000, allow_timeout_override: true })),
    preferred: tinyMlpConfig('preferred', { max_batch_size: 8, dynamic_batching: { preferred_batch_size: [2, 4], max_queue_delay_microseconds: 300_000 } }),
    pair: slow('pair', 300_000, { ...pairOfInstances, ...queuePolicy({ default_timeout_microseconds: 100_000 }) }),
    ordered: slow('ordered', 100_000, orderingCase(true)),
    unordered: slow('unordered', 100_000, orderingCase(false)),
  });
  client = createInferenceClient(`127.0.0.1:${server.grpcPort}`);
});
afterAll(async () => {
  client?.close();
  await server?.close(2000);
});

const metric = (name: string, model: string, extra: Record<string, string> = {}) => metricValue(server.metricsPort, name, { model, version: '1', ...extra });
const post = (model: string, rows: number[][], extra: Record<string, unknown> = {}) => httpRequest(server.httpPort, { path: `/v2/models/${model}/infer`, body: inferBody(rows, extra) });
const batchCounts = async (model: string): Promise<Map<number, number>> => {
  const s = json(await httpRequest(server.httpPort, { path: `/v2/models/${model}/stats` }))['model_stats'][0];
  return new Map((s['batch_stats'] as { batch_size: number; compute_infer: { count: number } }[]).map((b) => [b.batch_size, b.compute_infer.count]));
};
const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const readF32 = (b: Buffer): number[] => Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
/** grpcInfer resolves with the call's status code and details (0 and '' on success). */
const grpcInfer = (model: string, rows: number[][]): Promise<{ code: number; details: string }> =>
  callUnary(client, 'ModelInfer', { model_name: model, inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 16] }], raw_input_contents: [f32(rows.flat())] }).then(
    () => ({ code: grpc.status.OK, details: '' }),
    (e: grpc.ServiceError) => ({ code: e.code, details: e.details }),
  );

describe('dynamic batching', () => {
  it('batches 64 concurrent requests into far fewer executions, each answer equal to the request run alone', async () => {
    const inputs = Array.from({ length: 64 }, (_, i) => inputRows(i));
    const alone = await Promise.all(inputs.map((rows) => infer(server.httpPort, 'plain', rows)));
    const execBefore = await metric('nv_inference_exec_count', 'batched');
    const successBefore = await metric('nv_inference_request_success', 'batched');
    const batched = await Promise.all(inputs.map((rows) => infer(server.httpPort, 'batched', rows)));
    const executions = (await metric('nv_inference_exec_count', 'batched')) - execBefore;
    expect(executions).toBeGreaterThan(0);
    expect(executions).toBeLessThan(16);
    expect((await metric('nv_inference_request_success', 'batched')) - successBefore).toBe(64);
    batched.forEach((rows, i) => expect(maxAbsDiff(rows, alone[i]!), `request ${i}`).toBeLessThan(FLOAT_TOLERANCE));
    // Batches bigger than one really formed.
    expect([...(await batchCounts('batched')).keys()].some((size) => size > 1)).toBe(true);
  });

  it('splits requests that carry several rows back into their own rows', async () => {
    const inputs = Array.from({ length: 10 }, (_, i) => inputRows(200 + i, i + 1));
    const alone = await Promise.all(inputs.map((rows) => infer(server.httpPort, 'plain', rows)));
    const inferencesBefore = await metric('nv_inference_count', 'batched');
    const batched = await Promise.all(inputs.map((rows) => infer(server.httpPort, 'batched', rows)));
    expect((await metric('nv_inference_count', 'batched')) - inferencesBefore).toBe(55);
    batched.forEach((rows, i) => {
      expect(rows).toHaveLength(i + 1);
      expect(maxAbsDiff(rows, alone[i]!), `request ${i}`).toBeLessThan(FLOAT_TOLERANCE);
    });
  });

  it('runs every request alone without dynamic_batching: executions equal requests', async () => {
    const execBefore = await metric('nv_inference_exec_count', 'plain');
    const onesBefore = (await batchCounts('plain')).get(1) ?? 0;
    await Promise.all(Array.from({ length: 16 }, (_, i) => infer(server.httpPort, 'plain', inputRows(i))));
    expect((await metric('nv_inference_exec_count', 'plain')) - execBefore).toBe(16);
    expect(((await batchCounts('plain')).get(1) ?? 0) - onesBefore).toBe(16);
  });

  it('sends the largest preferred size at once, and the largest preferred size reached when the delay ends', async () => {
    // preferred [2, 4], delay 300 ms: 7 requests → 4 at once; then 2 of the 3 left when the delay ends; then 1.
    const replies = await Promise.all(Array.from({ length: 7 }, (_, i) => post('preferred', inputRows(i))));
    expect(replies.map((r) => r.status)).toEqual(Array(7).fill(200));
    expect(Object.fromEntries(await batchCounts('preferred'))).toEqual({ 1: 1, 2: 1, 4: 1 });
    expect(await metric('nv_inference_exec_count', 'preferred')).toBe(3);
  });
});

describe('queue policy', () => {
  it('rejects requests past max_queue_size with 503 naming the limit, and counts them as REJECTED', async () => {
    const rejectedBefore = await metric('nv_inference_request_failure', 'bounded', { reason: 'REJECTED' });
    // One executes (300 ms), two wait in the queue, the rest find it full.
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => post('bounded', inputRows(i))));
    const ok = replies.filter((r) => r.status === 200);
    const rejected = replies.filter((r) => r.status !== 200);
    expect(ok.length).toBeGreaterThanOrEqual(3);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    for (const r of rejected) {
      expect(r.status).toBe(503);
      expect(errorOf(r)).toMatch(/inference request for model 'bounded' version 1 rejected: the queue is full \(max_queue_size 2\)/);
    }
    expect((await metric('nv_inference_request_failure', 'bounded', { reason: 'REJECTED' })) - rejectedBefore).toBe(rejected.length);
  });

  it('answers gRPC UNAVAILABLE when the queue is full', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => grpcInfer('bounded', inputRows(i))));
    const ok = results.filter((r) => r.code === grpc.status.OK);
    const rejected = results.filter((r) => r.code !== grpc.status.OK);
    expect(ok.length).toBeGreaterThanOrEqual(3);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    for (const r of rejected) {
      expect(r.code).toBe(grpc.status.UNAVAILABLE);
      expect(r.details).toMatch(/the queue is full \(max_queue_size 2\)/);
    }
  });

  // Each case sends two requests at once to a model whose instance sleeps 200 ms: the first to arrive runs at
  // once, the second waits in the queue for longer than the 50 ms default timeout.
  it.each([
    ['REJECT: the waiting request times out', 'reject', {}, [200, 503]],
    ['REJECT without allow_timeout_override: a longer `timeout` parameter is ignored', 'reject', { parameters: { timeout: 10_000_000 } }, [200, 503]],
    ['REJECT with allow_timeout_override: a longer `timeout` parameter is honoured', 'override', { parameters: { timeout: 10_000_000 } }, [200, 200]],
    ['REJECT with allow_timeout_override but no `timeout` parameter: the default applies', 'override', {}, [200, 503]],
    ['DELAY: the waiting request still succeeds', 'delay', {}, [200, 200]],
  ])('%s', async (_label, model, extra, statuses) => {
    const failedBefore = await metric('nv_inference_request_failure', model, { reason: 'REJECTED' });
    const replies = await Promise.all([post(model, inputRows(1), extra), post(model, inputRows(2), extra)]);
    expect(replies.map((r) => r.status).sort()).toEqual(statuses);
    for (const r of replies.filter((x) => x.status !== 200)) {
      expect(errorOf(r)).toMatch(new RegExp(`inference request for model '${model}' version 1 timed out in the queue`));
    }
    const failures = statuses.filter((s) => s !== 200).length;
    expect((await metric('nv_inference_request_failure', model, { reason: 'REJECTED' })) - failedBefore).toBe(failures);
  });
});

describe('instances', () => {
  it('runs two instances at once: of three requests with a 100 ms queue timeout on 300 ms executions, two succeed', async () => {
    // With one instance only the first would finish in time; with three, all would.
    const replies = await Promise.all([1, 2, 3].map((i) => post('pair', inputRows(i))));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 503]);
    expect(errorOf(replies.find((r) => r.status === 503)!)).toMatch(/timed out in the queue/);
  });

  /**
   * Over one gRPC stream (responses arrive in the order the server sends them), six requests to a model with two
   * 100 ms instances. The first two occupy both instances; the third times out in the queue at once (1 µs
   * `timeout`, DELAY) and so runs only after every request still in time: it finishes ~100 ms after the fourth
   * and fifth. Without preserve_ordering they overtake it; with it, responses come in request order.
   */
  async function completionOrder(model: string): Promise<string[]> {
    const stream = openInferStream(client);
    const ids: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: Record<string, any>) => {
        if (m['error_message']) reject(new Error(`request ${m['infer_response']?.['id']}: ${m['error_message']}`));
        ids.push(m['infer_response']['id']);
      });
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    for (let i = 1; i <= 6; i++) {
      stream.write({
        model_name: model,
        id: `r${i}`,
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16] }],
        raw_input_contents: [f32(inputRows(i)[0]!)],
        parameters: i === 3 ? { timeout: { int64_param: 1 } } : {},
      });
    }
    stream.end();
    await done;
    return ids;
  }

  it('lets a later request overtake a delayed one without preserve_ordering (the test can tell)', async () => {
    const ids = await completionOrder('unordered');
    expect(ids).toHaveLength(6);
    expect(ids.indexOf('r4')).toBeLessThan(ids.indexOf('r3'));
    expect(ids.indexOf('r5')).toBeLessThan(ids.indexOf('r3'));
  });

  it('answers in request order with preserve_ordering, on two instances', async () => {
    expect(await completionOrder('ordered')).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('gives each streamed request its own answer', async () => {
    const stream = openInferStream(client);
    const got = new Map<string, number[]>();
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: Record<string, any>) => got.set(m['infer_response']['id'], readF32(m['infer_response']['raw_output_contents'][0])));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    for (let i = 0; i < 4; i++) {
      stream.write({ model_name: 'ordered', id: `s${i}`, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16] }], raw_input_contents: [f32(inputRows(50 + i)[0]!)] });
    }
    stream.end();
    await done;
    for (let i = 0; i < 4; i++) {
      const alone = await infer(server.httpPort, 'plain', inputRows(50 + i));
      expect(maxAbsDiff([got.get(`s${i}`)!], alone)).toBeLessThan(FLOAT_TOLERANCE);
    }
  });
});
