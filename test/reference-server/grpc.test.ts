/**
 * The gRPC front end over the real reference server (real sockets, real ONNX Runtime) on free ports: every RPC,
 * contents forms, error mapping, the wire numbering Triton's and KServe's clients rely on, streaming and
 * graceful close. Answers are checked against the HTTP front end's answers for the same input. Datatypes the
 * tiny mlp cannot take (BYTES, integers, FP16) are covered without a server in grpc-codec.test.ts, malformed
 * ModelInfer requests in malformed.test.ts.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../reference-server/core/model-version.js';
import { callUnary, createInferenceClient, type InferenceClient, openInferStream } from '../../reference-server/grpc/client.js';
import { loadInferenceProtos, protoDir, SERVICE_NAME } from '../../reference-server/grpc/load-protos.js';
import { startGrpcServer } from '../../reference-server/grpc/server.js';
import { FLOAT_TOLERANCE, infer, inputRows, maxAbsDiff, startTestServer, type TestServer, waitUntil } from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

let server: TestServer;
let client: InferenceClient;

beforeAll(async () => {
  server = await startTestServer(
    {
      // Versions 1 and 2 of every model are on disk; mlp serves both.
      mlp: tinyMlpConfig('mlp', {
        max_batch_size: 8,
        version_policy: { all: {} },
        dynamic_batching: {
          preferred_batch_size: [4, 8],
          max_queue_delay_microseconds: 500,
          default_queue_policy: { timeout_action: 'REJECT', max_queue_size: 64, allow_timeout_override: true },
        },
        precision: 'fp32',
        accuracy: { reference: 'mlp', samples: 16, max_abs_error: 0, mean_abs_error: 0, cosine_similarity: 1 },
      }),
      big: tinyMlpConfig('big', { max_batch_size: 100_000 }),
      slow: tinyMlpConfig('slow', { artificial_delay_us: 300_000 }),
      broken: 'name: broken\nmax_batch_size: -1\n',
    },
    { versions: [1, 2], strictReadiness: false },
  );
  client = createInferenceClient(`127.0.0.1:${server.grpcPort}`);
});
afterAll(async () => {
  client?.close();
  await server?.close(1000);
});

type Obj = Record<string, any>;
const call = (method: Parameters<typeof callUnary>[1], req: object = {}): Promise<Obj> => callUnary<Obj>(client, method, req);
const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const readF32 = (b: Buffer): number[] => Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
const input = (rows = 1) => ({ name: 'input', datatype: 'FP32', shape: [rows, 16] });
const rawInfer = (model: string, rows: number[][], extra: Obj = {}): Obj => ({ model_name: model, inputs: [input(rows.length)], raw_input_contents: [f32(rows.flat())], ...extra });
/** rowsOf splits a raw FP32 output of the tiny mlp into rows of 4. */
const badShape = (model: string): Obj => ({ model_name: model, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3] }], raw_input_contents: [f32([1, 2, 3])] });
const rowsOf = (b: Buffer): number[][] => {
  const v = readF32(b);
  return Array.from({ length: v.length / 4 }, (_, i) => v.slice(i * 4, i * 4 + 4));
};

async function grpcError(p: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

describe('health and metadata', () => {
  it('answers ServerLive, ServerReady and ServerMetadata from the core', async () => {
    expect(await call('ServerLive')).toEqual({ live: true });
    expect(await call('ServerReady')).toEqual({ ready: true });
    const meta = server.repository.serverMetadata();
    expect(await call('ServerMetadata')).toEqual({ name: meta.name, version: meta.version, extensions: meta.extensions });
  });

  it.each([
    ['mlp', '', true],
    ['mlp', '1', true],
    ['mlp', '2', true],
    ['mlp', '9', false],
    ['slow', '1', false], // on disk, but the default policy serves only the latest
    ['nope', '', false],
    ['broken', '', false],
  ])('ModelReady %s version %j → %s', async (name, version, ready) => {
    expect(await call('ModelReady', { name, version })).toEqual({ ready });
  });

  it('answers ModelMetadata with numeric shapes, every ready version, and NOT_FOUND for an unknown model', async () => {
    const meta = await call('ModelMetadata', { name: 'mlp' });
    expect(meta).toMatchObject({ name: 'mlp', platform: 'onnxruntime_onnx', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 16] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 4] }] });
    expect(meta.versions).toEqual(['1', '2']);
    expect((await call('ModelMetadata', { name: 'mlp', version: '1' })).versions).toEqual(['1']);
    const err = await grpcError(call('ModelMetadata', { name: 'nope' }));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toMatch(/unknown model 'nope'/);
  });

  it('lists the repository index, all or ready only', async () => {
    const all = (await call('RepositoryIndex', {})).models as Obj[];
    expect(all).toEqual(server.repository.index());
    expect(all.find((m) => m.name === 'broken')).toMatchObject({ state: 'UNAVAILABLE', reason: expect.stringMatching(/max_batch_size: must be >= 0/) });
    const ready = (await call('RepositoryIndex', { ready: true })).models as Obj[];
    expect(ready.map((m) => `${m.name}/${m.version}`).sort()).toEqual(['big/2', 'mlp/1', 'mlp/2', 'slow/2']);
    expect(ready.every((m) => m.state === 'READY')).toBe(true);
  });
});

describe('ModelInfer', () => {
  it('takes raw contents and answers in raw_output_contents, echoing the id, as HTTP answers', async () => {
    const rows = inputRows(1);
    const res = await call('ModelInfer', rawInfer('mlp', rows, { id: 'req-1' }));
    expect(res).toMatchObject({ model_name: 'mlp', model_version: '2', id: 'req-1', outputs: [{ name: 'output', datatype: 'FP32', shape: [1, 4], contents: null }] });
    expect(res.raw_output_contents).toHaveLength(1);
    expect(maxAbsDiff(rowsOf(res.raw_output_contents[0]), await infer(server.httpPort, 'mlp', rows))).toBeLessThan(FLOAT_TOLERANCE);
  });

  it('takes typed fp32_contents for a named version and still answers raw', async () => {
    const rows = inputRows(2, 2);
    const res = await call('ModelInfer', { model_name: 'mlp', model_version: '1', inputs: [{ ...input(2), contents: { fp32_contents: rows.flat() } }] });
    expect(res.model_version).toBe('1');
    expect(res.outputs[0].shape).toEqual([2, 4]);
    expect(maxAbsDiff(rowsOf(res.raw_output_contents[0]), await infer(server.httpPort, 'mlp', rows))).toBeLessThan(FLOAT_TOLERANCE);
  });

  it('returns the requested outputs', async () => {
    const res = await call('ModelInfer', rawInfer('mlp', inputRows(3), { outputs: [{ name: 'output' }] }));
    expect(res.outputs.map((o: Obj) => o.name)).toEqual(['output']);
    expect(res.raw_output_contents).toHaveLength(1);
  });

  it('accepts messages past grpc-js’s 4 MiB default, as Triton does', async () => {
    const n = 90_000; // 90 000 rows of 16 FP32 values: 5.8 MB
    const res = await call('ModelInfer', { model_name: 'big', inputs: [input(n)], raw_input_contents: [Buffer.alloc(n * 64)] });
    expect(res.outputs[0].shape).toEqual([n, 4]);
    expect(res.raw_output_contents[0].byteLength).toBe(n * 16);
  });

  it.each([
    ['INVALID_ARGUMENT', badShape('mlp'), grpc.status.INVALID_ARGUMENT, /input 'input' of model 'mlp' version 2 has shape \[1,3\], expected \[-1,16\]/],
    ['NOT_FOUND', rawInfer('nope', inputRows(1)), grpc.status.NOT_FOUND, /unknown model 'nope'/],
    ['UNAVAILABLE', rawInfer('broken', inputRows(1)), grpc.status.UNAVAILABLE, /model 'broken' is not available: .*max_batch_size/],
  ])('maps a core failure %s to its gRPC status with its message', async (_status, req, code, message) => {
    const err = await grpcError(call('ModelInfer', req));
    expect(err.code).toBe(code);
    expect(err.details).toMatch(message);
  });

  it('accepts a timeout parameter sent as int64_param (allow_timeout_override on mlp)', async () => {
    const res = await call('ModelInfer', rawInfer('mlp', inputRows(4), { parameters: { timeout: { int64_param: 10_000_000 } } }));
    expect(res.outputs[0].shape).toEqual([1, 4]);
  });
});

describe('ModelConfig', () => {
  it('returns the effective configuration as Triton’s message', async () => {
    const { config } = await call('ModelConfig', { name: 'mlp' });
    const expected = server.repository.model('mlp').config;
    expect(config).toMatchObject({
      name: 'mlp',
      platform: expected.platform,
      backend: expected.backend,
      max_batch_size: 8,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [16], format: 'FORMAT_NONE' }],
      output: [{ name: 'output', data_type: 'TYPE_FP32', dims: [4] }],
      instance_group: [{ name: 'mlp_0', kind: 'KIND_CPU', count: 1 }],
      scheduling_choice: 'dynamic_batching',
      dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: 500, default_queue_policy: { timeout_action: 'REJECT', max_queue_size: 64, allow_timeout_override: true } },
      version_policy: { policy_choice: 'all' },
    });
    expect(config.parameters.execution_provider).toEqual({ string_value: 'cpu' });
    expect(config.parameters.precision).toEqual({ string_value: 'fp32' });
    expect(config.parameters.accuracy_cosine_similarity).toEqual({ string_value: '1' });
    const err = await grpcError(call('ModelConfig', { name: 'nope' }));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
  });

  it('puts max_batch_size in field 4 and dynamic_batching in field 11 on the wire', async () => {
    const { service } = loadInferenceProtos();
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest(`/${SERVICE_NAME}/ModelConfig`, service.ModelConfig!.requestSerialize, (b: Buffer) => b, { name: 'mlp' }, (err, res) => (err ? reject(err) : resolve(res!)));
    });
    const config = wireFields(wireFields(bytes).get(1)![0] as Buffer);
    expect(config.get(4)).toEqual([8n]);
    expect((config.get(1)![0] as Buffer).toString()).toBe('mlp');
    const batching = wireFields(config.get(11)![0] as Buffer);
    expect(batching.get(2)).toEqual([500n]); // max_queue_delay_microseconds
    // Our proto decodes the same bytes back (round trip through protobufjs reflection).
    const decoded = protoRoot().lookupType('inference.ModelConfigResponse').decode(bytes).toJSON();
    expect(decoded.config).toMatchObject({ name: 'mlp', max_batch_size: 8, dynamic_batching: { max_queue_delay_microseconds: '500' } });
  });
});

describe('ModelStatistics', () => {
  it('reports one model version, all versions of a name, or every model', async () => {
    await call('ModelInfer', { ...rawInfer('mlp', inputRows(5)), model_version: '1' });
    const one = (await call('ModelStatistics', { name: 'mlp', version: '1' })).model_stats as Obj[];
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ name: 'mlp', version: '1', inference_count: expect.any(Number) });
    expect(one[0]!.inference_count).toBeGreaterThan(0);
    expect(one[0]!.inference_stats.success.count).toBeGreaterThan(0);
    expect(one[0]!.batch_stats.length).toBeGreaterThan(0);
    const versions = (await call('ModelStatistics', { name: 'mlp' })).model_stats as Obj[];
    expect(versions.map((s) => s.version).sort()).toEqual(['1', '2']);
    const all = (await call('ModelStatistics', {})).model_stats as Obj[];
    expect(all).toHaveLength(server.repository.models().length);
    expect((await grpcError(call('ModelStatistics', { name: 'nope' }))).code).toBe(grpc.status.NOT_FOUND);
    expect((await grpcError(call('ModelStatistics', { name: 'broken' }))).code).toBe(grpc.status.UNAVAILABLE);
  });
});

describe('ModelStreamInfer', () => {
  it('answers each request in order of completion, reports failures in error_message and stays open', async () => {
    const stream = openInferStream(client);
    const got: Obj[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: Obj) => got.push(m));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    stream.write({ ...rawInfer('slow', inputRows(1)), id: 'slow' }); // 300 ms
    stream.write({ ...badShape('mlp'), id: 'bad' });
    stream.write({ ...rawInfer('mlp', inputRows(2)), id: 'fast' });
    await waitUntil(() => got.length === 2, 'the two quick answers');
    stream.write({ ...rawInfer('nope', inputRows(3)), id: 'missing' });
    stream.end();
    await ended;
    const ids = got.map((m) => m.infer_response?.id);
    expect(ids).toHaveLength(4);
    expect(ids.slice(0, 2).sort()).toEqual(['bad', 'fast']);
    expect(new Set(ids)).toEqual(new Set(['slow', 'bad', 'fast', 'missing']));
    const byId = new Map(got.map((m) => [m.infer_response.id, m]));
    expect(byId.get('bad')!.error_message).toMatch(/has shape \[1,3\], expected \[-1,16\]/);
    expect(byId.get('bad')!.infer_response.model_name).toBe('mlp');
    expect(byId.get('missing')!.error_message).toMatch(/unknown model 'nope'/);
    expect(byId.get('slow')!.error_message).toBe('');
    expect(maxAbsDiff(rowsOf(byId.get('slow')!.infer_response.raw_output_contents[0]), await infer(server.httpPort, 'mlp', inputRows(1)))).toBeLessThan(FLOAT_TOLERANCE);
    expect(maxAbsDiff(rowsOf(byId.get('fast')!.infer_response.raw_output_contents[0]), await infer(server.httpPort, 'mlp', inputRows(2)))).toBeLessThan(FLOAT_TOLERANCE);
  });
});

describe('graceful close of the gRPC front end', () => {
  /** slowRequests sends two 300 ms requests to `slow` and resolves once one runs and the other waits. */
  async function slowRequests(c: InferenceClient): Promise<Promise<grpc.ServiceError | Obj>[]> {
    const pending = () => (server.repository.model('slow') as ModelVersion).stats.pendingSource();
    const calls = [1, 2].map((i) => callUnary<Obj>(c, 'ModelInfer', rawInfer('slow', inputRows(i))).catch((e: grpc.ServiceError) => e));
    await waitUntil(() => pending() === 1, 'one slow request is queued');
    return calls;
  }

  it('lets in-flight calls finish, then refuses new ones', async () => {
    const front = await startGrpcServer(server.repository, { host: '127.0.0.1', port: 0 });
    const c = createInferenceClient(`127.0.0.1:${front.port}`);
    const calls = await slowRequests(c);
    await front.close(5000);
    for (const r of await Promise.all(calls)) expect(r).toMatchObject({ outputs: [{ shape: [1, 4] }] });
    const err = await grpcError(callUnary(c, 'ServerLive', {}, { deadline: Date.now() + 2000 }));
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(err.code);
    c.close();
  });

  it('cancels calls still running when the grace period ends', async () => {
    const front = await startGrpcServer(server.repository, { host: '127.0.0.1', port: 0 });
    const c = createInferenceClient(`127.0.0.1:${front.port}`);
    const calls = await slowRequests(c);
    const t0 = Date.now();
    await front.close(100);
    expect(Date.now() - t0).toBeLessThan(1500);
    const results = await Promise.all(calls);
    // The queued call (due at ~600 ms) cannot have finished within the 100 ms grace period.
    expect(results.some((r) => r instanceof Error && (r as grpc.ServiceError).code !== grpc.status.OK)).toBe(true);
    c.close();
  });
});

describe('wire numbering matches Triton’s and KServe’s protos', () => {
  // Looked up in triton-inference-server/common protobuf/{grpc_service,model_config}.proto (and KServe's
  // grpc_predict_v2.proto for the KServe core): these numbers must never change.
  it.each<[string, string, number]>([
    ['inference.ModelInferRequest', 'model_name', 1], ['inference.ModelInferRequest', 'id', 3],
    ['inference.ModelInferRequest', 'parameters', 4], ['inference.ModelInferRequest', 'inputs', 5],
    ['inference.ModelInferRequest', 'outputs', 6], ['inference.ModelInferRequest', 'raw_input_contents', 7],
    ['inference.ModelInferRequest.InferInputTensor', 'contents', 5],
    ['inference.ModelInferResponse', 'outputs', 5], ['inference.ModelInferResponse', 'raw_output_contents', 6],
    ['inference.InferParameter', 'double_param', 4], ['inference.InferParameter', 'uint64_param', 5],
    ['inference.InferTensorContents', 'fp32_contents', 6], ['inference.InferTensorContents', 'bytes_contents', 8],
    ['inference.ModelStreamInferResponse', 'error_message', 1], ['inference.ModelStreamInferResponse', 'infer_response', 2],
    ['inference.ModelStatistics', 'inference_stats', 6], ['inference.ModelStatistics', 'batch_stats', 7],
    ['inference.InferStatistics', 'cache_miss', 8], ['inference.InferBatchStatistics', 'compute_output', 4],
    ['inference.RepositoryIndexRequest', 'ready', 2],
    ['inference.RepositoryModelLoadRequest', 'model_name', 2], ['inference.RepositoryModelLoadRequest', 'parameters', 3],
    ['inference.RepositoryModelUnloadRequest', 'model_name', 2], ['inference.ModelRepositoryParameter', 'string_param', 3],
    ['inference.ModelConfig', 'platform', 2], ['inference.ModelConfig', 'version_policy', 3],
    ['inference.ModelConfig', 'max_batch_size', 4], ['inference.ModelConfig', 'input', 5],
    ['inference.ModelConfig', 'instance_group', 7], ['inference.ModelConfig', 'dynamic_batching', 11],
    ['inference.ModelConfig', 'parameters', 14], ['inference.ModelConfig', 'backend', 17],
    ['inference.ModelInput', 'dims', 4], ['inference.ModelInput', 'optional', 8], ['inference.ModelOutput', 'dims', 3],
    ['inference.ModelInstanceGroup', 'count', 2], ['inference.ModelInstanceGroup', 'kind', 4],
    ['inference.ModelDynamicBatching', 'default_queue_policy', 6], ['inference.ModelQueuePolicy', 'max_queue_size', 4],
  ])('%s.%s is field %i', (type, field, id) => {
    expect(protoRoot().lookupType(type).fields[field]?.id).toBe(id);
  });

  it('numbers the enums as Triton does', () => {
    expect(protoRoot().lookupEnum('inference.DataType').values).toMatchObject({ TYPE_BOOL: 1, TYPE_INT64: 9, TYPE_FP16: 10, TYPE_FP32: 11, TYPE_STRING: 13, TYPE_BF16: 14 });
    expect(protoRoot().lookupEnum('inference.ModelInstanceGroup.Kind').values).toEqual({ KIND_AUTO: 0, KIND_GPU: 1, KIND_CPU: 2, KIND_MODEL: 3 });
    expect(protoRoot().lookupEnum('inference.ModelQueuePolicy.TimeoutAction').values).toEqual({ REJECT: 0, DELAY: 1 });
  });
});

let root: protobuf.Root | undefined;
function protoRoot(): protobuf.Root {
  root ??= new protobuf.Root().loadSync(join(protoDir(), 'grpc_service.proto'), { keepCase: true });
  return root;
}

/** wireFields splits one protobuf message into its fields by number (varints as bigint, length-delimited as Buffer). */
function wireFields(buf: Buffer): Map<number, (bigint | Buffer)[]> {
  const out = new Map<number, (bigint | Buffer)[]>();
  let off = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[off++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (off < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    let value: bigint | Buffer;
    if ((key & 7) === 0) value = varint();
    else if ((key & 7) === 2) {
      const len = Number(varint());
      value = buf.subarray(off, off + len);
      off += len;
    } else throw new Error(`unexpected wire type ${key & 7}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}
