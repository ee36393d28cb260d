/**
 * The gRPC front end over a real grpc-js server on a free port: every RPC, contents forms, error mapping,
 * malformed requests, the wire numbering Triton's and KServe's clients rely on, streaming and graceful close.
 * Test bodies use only `{core, grpcAddress}` from the target, so the real server can replace the fake one.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceCore } from '../../reference-server/core/types.js';
import { callUnary, createInferenceClient, type InferenceClient, openInferStream } from '../../reference-server/grpc/client.js';
import { fromWireParameters } from '../../reference-server/grpc/infer-request.js';
import { loadInferenceProtos, protoDir, SERVICE_NAME } from '../../reference-server/grpc/load-protos.js';
import { startGrpcServer } from '../../reference-server/grpc/server.js';
import { startFakeTarget, type TestTarget } from './fake-core.js';

let target: TestTarget;
let core: InferenceCore;
let grpcAddress: string;
let client: InferenceClient;

beforeAll(async () => {
  target = await startFakeTarget();
  ({ core, grpcAddress } = target);
  client = createInferenceClient(grpcAddress);
});
afterAll(async () => {
  client.close();
  await target.close();
});

type Obj = Record<string, any>;
const call = (method: Parameters<typeof callUnary>[1], req: object = {}): Promise<Obj> => callUnary<Obj>(client, method, req);
const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const readF32 = (b: Buffer): number[] => Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
const lp = (...items: string[]): Buffer => Buffer.concat(items.flatMap((s) => { const h = Buffer.alloc(4); h.writeUInt32LE(Buffer.byteLength(s)); return [h, Buffer.from(s)]; }));
const param = (v: string | number | boolean): Obj =>
  typeof v === 'string' ? { string_param: v } : typeof v === 'boolean' ? { bool_param: v } : { int64_param: v };
const input0 = (shape = [1, 4]) => ({ name: 'INPUT0', datatype: 'FP32', shape });

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
    const meta = core.serverMetadata();
    expect(await call('ServerMetadata')).toEqual({ name: meta.name, version: meta.version, extensions: meta.extensions });
  });

  it.each([
    ['add_one', '', true],
    ['add_one', '1', true],
    ['add_one', '9', false],
    ['nope', '', false],
    ['broken', '', false],
  ])('ModelReady %s version %j → %s', async (name, version, ready) => {
    expect(await call('ModelReady', { name, version })).toEqual({ ready });
  });

  it('answers ModelMetadata with numeric shapes and NOT_FOUND for an unknown model', async () => {
    const meta = await call('ModelMetadata', { name: 'add_one' });
    expect(meta).toMatchObject({ name: 'add_one', platform: 'onnxruntime_onnx', inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 4] }] });
    expect(meta.versions).toEqual([core.model('add_one').version]);
    const err = await grpcError(call('ModelMetadata', { name: 'nope' }));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toMatch(/nope/);
  });

  it('lists the repository index, all or ready only', async () => {
    const all = (await call('RepositoryIndex', {})).models as Obj[];
    expect(all).toEqual(core.index());
    expect(all.find((m) => m.name === 'broken')).toMatchObject({ state: 'UNAVAILABLE', reason: expect.stringMatching(/.+/) });
    const ready = (await call('RepositoryIndex', { ready: true })).models as Obj[];
    expect(ready.length).toBeGreaterThan(0);
    expect(ready.every((m) => m.state === 'READY')).toBe(true);
  });
});

describe('ModelInfer', () => {
  it('takes raw contents and answers in raw_output_contents, echoing the id', async () => {
    const res = await call('ModelInfer', { model_name: 'add_one', id: 'req-1', inputs: [input0()], raw_input_contents: [f32([1, 2, 3, 4.5])] });
    expect(res).toMatchObject({ model_name: 'add_one', id: 'req-1', outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [1, 4], contents: null }] });
    expect(res.raw_output_contents).toHaveLength(1);
    expect(readF32(res.raw_output_contents[0])).toEqual([2, 3, 4, 5.5]);
  });

  it('takes typed fp32_contents and still answers raw', async () => {
    const res = await call('ModelInfer', { model_name: 'add_one', model_version: '1', inputs: [{ ...input0([2, 4]), contents: { fp32_contents: [0, 1, 2, 3, 4, 5, 6, 7] } }] });
    expect(res.model_version).toBe('1');
    expect(readF32(res.raw_output_contents[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it.each<[string, string, unknown[], (b: Buffer) => unknown[]]>([
    ['BOOL', 'bool_contents', [true, false, true], (b) => [...b].map(Boolean)],
    ['INT8', 'int_contents', [-128, 0, 127], (b) => [0, 1, 2].map((i) => b.readInt8(i))],
    ['INT16', 'int_contents', [-300, 0, 300], (b) => [0, 1, 2].map((i) => b.readInt16LE(i * 2))],
    ['INT32', 'int_contents', [-70000, 0, 70000], (b) => [0, 1, 2].map((i) => b.readInt32LE(i * 4))],
    ['INT64', 'int64_contents', ['-9007199254740993', '0', '9007199254740993'], (b) => [0, 1, 2].map((i) => b.readBigInt64LE(i * 8).toString())],
    ['UINT8', 'uint_contents', [0, 1, 255], (b) => [...b]],
    ['UINT32', 'uint_contents', [0, 1, 4294967295], (b) => [0, 1, 2].map((i) => b.readUInt32LE(i * 4))],
    ['UINT64', 'uint64_contents', ['0', '1', '18446744073709551615'], (b) => [0, 1, 2].map((i) => b.readBigUInt64LE(i * 8).toString())],
    ['FP64', 'fp64_contents', [-1.5, 0, 1e300], (b) => [0, 1, 2].map((i) => b.readDoubleLE(i * 8))],
  ])('round-trips typed %s contents as raw bytes', async (datatype, field, values, read) => {
    const res = await call('ModelInfer', { model_name: 'echo', inputs: [{ name: 'X', datatype, shape: [3], contents: { [field]: values } }] });
    expect(res.outputs[0]).toMatchObject({ name: 'X', datatype, shape: [3] });
    expect(read(res.raw_output_contents[0])).toEqual(values);
  });

  it('takes BYTES as bytes_contents or length-prefixed raw, and answers length-prefixed', async () => {
    const typed = await call('ModelInfer', { model_name: 'echo', inputs: [{ name: 'S', datatype: 'BYTES', shape: [2], contents: { bytes_contents: [Buffer.from('héllo'), Buffer.from('')] } }] });
    expect(typed.raw_output_contents[0]).toEqual(lp('héllo', ''));
    const raw = await call('ModelInfer', { model_name: 'echo', inputs: [{ name: 'S', datatype: 'BYTES', shape: [1, 3] }], raw_input_contents: [lp('a', 'bc', 'def')] });
    expect(raw.outputs[0]).toMatchObject({ datatype: 'BYTES', shape: [1, 3] });
    expect(raw.raw_output_contents[0]).toEqual(lp('a', 'bc', 'def'));
  });

  it('passes FP16 raw bytes through untouched and returns only the requested outputs', async () => {
    const half = Buffer.from([0x00, 0x3c, 0x00, 0xc0]); // 1.0, -2.0
    const res = await call('ModelInfer', {
      model_name: 'echo',
      inputs: [{ name: 'H', datatype: 'FP16', shape: [2] }, { name: 'B', datatype: 'BF16', shape: [1] }],
      outputs: [{ name: 'H' }],
      raw_input_contents: [half, Buffer.from([0x80, 0x3f])],
    });
    expect(res.outputs).toHaveLength(1);
    expect(res.outputs[0]).toMatchObject({ name: 'H', datatype: 'FP16', shape: [2] });
    expect(res.raw_output_contents[0]).toEqual(half);
  });

  it('accepts messages past grpc-js’s 4 MiB default, as Triton does', async () => {
    const n = 1_500_000;
    const res = await call('ModelInfer', { model_name: 'echo', inputs: [{ name: 'BIG', datatype: 'FP32', shape: [n] }], raw_input_contents: [Buffer.alloc(n * 4, 1)] });
    expect(res.raw_output_contents[0].byteLength).toBe(n * 4);
  });

  it.each([
    ['INVALID_ARGUMENT', grpc.status.INVALID_ARGUMENT, /INVALID_ARGUMENT/],
    ['NOT_FOUND', grpc.status.NOT_FOUND, /NOT_FOUND/],
    ['UNAVAILABLE', grpc.status.UNAVAILABLE, /queue full/],
    ['INTERNAL', grpc.status.INTERNAL, /INTERNAL/],
    ['plain', grpc.status.INTERNAL, /something broke/],
  ])('maps a core failure %s to gRPC status %i with its message', async (failWith, code, message) => {
    const err = await grpcError(call('ModelInfer', { model_name: 'fail', parameters: { fail_with: param(failWith) }, inputs: [] }));
    expect(err.code).toBe(code);
    expect(err.details).toMatch(message);
  });
});

describe('malformed ModelInfer requests', () => {
  const echoIn = (name: string, datatype: string, shape: number[], contents?: Obj) => ({ name, datatype, shape, ...(contents ? { contents } : {}) });
  it.each<[string, Obj, grpc.status, RegExp]>([
    ['raw count mismatch', { model_name: 'echo', inputs: [echoIn('A', 'FP32', [1]), echoIn('B', 'FP32', [1])], raw_input_contents: [f32([1])] }, grpc.status.INVALID_ARGUMENT, /raw_input_contents has 1 entries for 2 inputs: input 'B'/],
    ['raw size vs shape', { model_name: 'add_one', inputs: [input0()], raw_input_contents: [f32([1, 2, 3])] }, grpc.status.INVALID_ARGUMENT, /input 'INPUT0': raw_input_contents has 12 bytes, FP32 shape \[1,4\] needs 16/],
    ['typed count vs shape', { model_name: 'add_one', inputs: [{ ...input0(), contents: { fp32_contents: [1, 2, 3] } }] }, grpc.status.INVALID_ARGUMENT, /input 'INPUT0': fp32_contents has 3 elements, shape \[1,4\] needs 4/],
    ['raw and typed mixed', { model_name: 'echo', inputs: [echoIn('A', 'FP32', [1]), echoIn('B', 'FP32', [1], { fp32_contents: [1] })], raw_input_contents: [f32([1]), f32([2])] }, grpc.status.INVALID_ARGUMENT, /input 'B': contents must not be set/],
    ['unknown datatype', { model_name: 'echo', inputs: [echoIn('A', 'FP8', [1])], raw_input_contents: [Buffer.alloc(1)] }, grpc.status.INVALID_ARGUMENT, /input 'A': unknown datatype 'FP8'/],
    ['negative dimension', { model_name: 'add_one', inputs: [input0([-1, 4])], raw_input_contents: [f32([1, 2, 3, 4])] }, grpc.status.INVALID_ARGUMENT, /input 'INPUT0': shape \[-1,4\] has an invalid dimension -1/],
    ['typed data in the wrong field', { model_name: 'echo', inputs: [echoIn('A', 'FP32', [1], { int_contents: [1] })] }, grpc.status.INVALID_ARGUMENT, /input 'A': a FP32 input carries its data in fp32_contents, not int_contents/],
    ['FP16 as typed contents', { model_name: 'echo', inputs: [echoIn('H', 'FP16', [1], { fp32_contents: [1] })] }, grpc.status.INVALID_ARGUMENT, /input 'H': FP16 data must be sent in raw_input_contents/],
    ['out-of-range INT8', { model_name: 'echo', inputs: [echoIn('A', 'INT8', [1], { int_contents: [300] })] }, grpc.status.INVALID_ARGUMENT, /input 'A'.*300/],
    ['no data', { model_name: 'add_one', inputs: [input0()] }, grpc.status.INVALID_ARGUMENT, /input 'INPUT0': no data/],
    ['BYTES length past the end', { model_name: 'echo', inputs: [echoIn('S', 'BYTES', [1])], raw_input_contents: [Buffer.from([100, 0, 0, 0, 65])] }, grpc.status.INVALID_ARGUMENT, /input 'S': BYTES element at byte 0 claims 100 bytes/],
    ['BYTES count vs shape', { model_name: 'echo', inputs: [echoIn('S', 'BYTES', [3])], raw_input_contents: [lp('a', 'b')] }, grpc.status.INVALID_ARGUMENT, /input 'S': raw_input_contents holds 2 BYTES elements, shape \[3\] needs 3/],
    ['unknown model', { model_name: 'nope', inputs: [input0()], raw_input_contents: [f32([1, 2, 3, 4])] }, grpc.status.NOT_FOUND, /nope/],
    ['unknown version', { model_name: 'add_one', model_version: '9', inputs: [input0()], raw_input_contents: [f32([1, 2, 3, 4])] }, grpc.status.NOT_FOUND, /9/],
  ])('%s → status %i naming the problem, and the server keeps answering', async (_case, req, code, message) => {
    const err = await grpcError(call('ModelInfer', req));
    expect(err.code).toBe(code);
    expect(err.details).toMatch(message);
    expect(await call('ServerLive')).toEqual({ live: true });
    const ok = await call('ModelInfer', { model_name: 'add_one', inputs: [input0()], raw_input_contents: [f32([0, 0, 0, 0])] });
    expect(readF32(ok.raw_output_contents[0])).toEqual([1, 1, 1, 1]);
  });
});

describe('request parameters', () => {
  it('converts every InferParameter kind to a plain value', () => {
    expect(
      fromWireParameters({
        b: { parameter_choice: 'bool_param', bool_param: true },
        i: { parameter_choice: 'int64_param', int64_param: '-42' },
        big: { parameter_choice: 'int64_param', int64_param: '9007199254740993' },
        u: { parameter_choice: 'uint64_param', uint64_param: '18446744073709551615' },
        s: { parameter_choice: 'string_param', string_param: 'x' },
        d: { parameter_choice: 'double_param', double_param: 0.25 },
        unset: {},
      }),
    ).toEqual({ b: true, i: -42, big: 9007199254740993n, u: 18446744073709551615n, s: 'x', d: 0.25 });
    expect(fromWireParameters({})).toBeUndefined();
  });
});

describe('ModelConfig', () => {
  it('returns the effective configuration as Triton’s message', async () => {
    const { config } = await call('ModelConfig', { name: 'add_one' });
    const expected = core.model('add_one').config;
    expect(config).toMatchObject({
      name: 'add_one',
      platform: expected.platform,
      backend: expected.backend,
      max_batch_size: expected.max_batch_size,
      input: [{ name: 'INPUT0', data_type: 'TYPE_FP32', dims: [4], format: 'FORMAT_NONE' }],
      output: [{ name: 'OUTPUT0', data_type: 'TYPE_FP32', dims: [4] }],
      instance_group: [{ name: 'add_one_0', kind: 'KIND_CPU', count: expected.instance_group[0]!.count }],
      scheduling_choice: 'dynamic_batching',
      dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: 500, default_queue_policy: { timeout_action: 'REJECT', max_queue_size: 64, allow_timeout_override: true } },
      version_policy: { policy_choice: 'latest', latest: { num_versions: 1 } },
    });
    expect(config.parameters.execution_provider).toEqual({ string_value: expected.execution_provider });
    expect(config.parameters.accuracy_cosine_similarity).toEqual({ string_value: '1' });
    const err = await grpcError(call('ModelConfig', { name: 'nope' }));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
  });

  it('puts max_batch_size in field 4 and dynamic_batching in field 11 on the wire', async () => {
    const { service } = loadInferenceProtos();
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest(`/${SERVICE_NAME}/ModelConfig`, service.ModelConfig!.requestSerialize, (b: Buffer) => b, { name: 'add_one' }, (err, res) => (err ? reject(err) : resolve(res!)));
    });
    const config = wireFields(wireFields(bytes).get(1)![0] as Buffer);
    expect(config.get(4)).toEqual([8n]);
    expect((config.get(1)![0] as Buffer).toString()).toBe('add_one');
    const batching = wireFields(config.get(11)![0] as Buffer);
    expect(batching.get(2)).toEqual([500n]); // max_queue_delay_microseconds
    // Our proto decodes the same bytes back (round trip through protobufjs reflection).
    const decoded = protoRoot().lookupType('inference.ModelConfigResponse').decode(bytes).toJSON();
    expect(decoded.config).toMatchObject({ name: 'add_one', max_batch_size: 8, dynamic_batching: { max_queue_delay_microseconds: '500' } });
  });
});

describe('ModelStatistics', () => {
  it('reports one model version, all versions of a name, or every model', async () => {
    await call('ModelInfer', { model_name: 'add_one', model_version: '1', inputs: [input0()], raw_input_contents: [f32([0, 0, 0, 0])] });
    const one = (await call('ModelStatistics', { name: 'add_one', version: '1' })).model_stats as Obj[];
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ name: 'add_one', version: '1', inference_count: expect.any(Number) });
    expect(one[0]!.inference_count).toBeGreaterThan(0);
    expect(one[0]!.inference_stats.success.count).toBeGreaterThan(0);
    const versions = (await call('ModelStatistics', { name: 'add_one' })).model_stats as Obj[];
    expect(versions.map((s) => s.version).sort()).toEqual(core.models().filter((m) => m.name === 'add_one').map((m) => m.version).sort());
    const all = (await call('ModelStatistics', {})).model_stats as Obj[];
    expect(all).toHaveLength(core.models().length);
    expect((await grpcError(call('ModelStatistics', { name: 'nope' }))).code).toBe(grpc.status.NOT_FOUND);
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
    const ok = (id: string, delayMs: number) => ({ model_name: 'add_one', id, parameters: { delay_ms: param(delayMs) }, inputs: [input0()], raw_input_contents: [f32([1, 1, 1, 1])] });
    stream.write(ok('slow', 300));
    stream.write({ model_name: 'fail', id: 'bad', parameters: { fail_with: param('UNAVAILABLE') }, inputs: [] });
    stream.write(ok('fast', 0));
    await waitFor(() => got.length === 2);
    stream.write({ model_name: 'nope', id: 'missing', inputs: [] });
    stream.end();
    await ended;
    const ids = got.map((m) => m.infer_response?.id);
    expect(ids).toHaveLength(4);
    expect(ids.slice(0, 2).sort()).toEqual(['bad', 'fast']);
    expect(new Set(ids)).toEqual(new Set(['slow', 'bad', 'fast', 'missing']));
    const byId = new Map(got.map((m) => [m.infer_response.id, m]));
    expect(byId.get('bad')!.error_message).toMatch(/queue full/);
    expect(byId.get('missing')!.error_message).toMatch(/nope/);
    expect(byId.get('slow')!.error_message).toBe('');
    expect(readF32(byId.get('slow')!.infer_response.raw_output_contents[0])).toEqual([2, 2, 2, 2]);
  });
});

describe('graceful close', () => {
  it('lets an in-flight call finish, then refuses new ones', async () => {
    const server = await startGrpcServer(core, { host: '127.0.0.1', port: 0 });
    const c = createInferenceClient(`127.0.0.1:${server.port}`);
    await callUnary(c, 'ServerLive', {}); // connected, so the next call reaches the server at once
    const inflight = callUnary<Obj>(c, 'ModelInfer', { model_name: 'add_one', parameters: { delay_ms: param(300) }, inputs: [input0()], raw_input_contents: [f32([1, 2, 3, 4])] });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await server.close(5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(readF32((await inflight).raw_output_contents[0])).toEqual([2, 3, 4, 5]);
    const err = await grpcError(callUnary(c, 'ServerLive', {}, { deadline: Date.now() + 2000 }));
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(err.code);
    c.close();
  });

  it('cancels calls still running when the grace period ends', async () => {
    const server = await startGrpcServer(core, { host: '127.0.0.1', port: 0 });
    const c = createInferenceClient(`127.0.0.1:${server.port}`);
    await callUnary(c, 'ServerLive', {});
    const inflight = grpcError(callUnary(c, 'ModelInfer', { model_name: 'add_one', parameters: { delay_ms: param(3000) }, inputs: [input0()], raw_input_contents: [f32([1, 2, 3, 4])] }));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await server.close(200);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect((await inflight).code).not.toBe(grpc.status.OK);
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

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
