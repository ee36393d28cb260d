/**
 * Hostile gRPC requests, table-driven, against the replica's gRPC server and the cluster's gRPC router: messages
 * protobuf cannot decode (garbage, deep group nesting, truncated lengths), well-formed messages with absurd
 * contents, and raw HTTP/2 requests with broken framing or headers. Each gets a gRPC status other than
 * INTERNAL and UNKNOWN (or an HTTP 4xx where grpc-js answers at the HTTP level), never a silent reset; the
 * stack stays ready throughout.
 */
import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../reference-server/cluster/cluster.js';
import { callUnary, createInferenceClient } from '../../reference-server/grpc/client.js';
import { loadInferenceProtos } from '../../reference-server/grpc/load-protos.js';
import { frame, type GrpcAnswer, rawH2, rawUnary } from '../helpers/raw-grpc.js';
import { inputRows } from '../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../helpers/test-repo.js';

const S = grpc.status;
const SERVICE = '/inference.GRPCInferenceService';
const INFER = `${SERVICE}/ModelInfer`;
const ROW = Buffer.from(new Float32Array(inputRows(1)[0]!).buffer);

let repo: string;
let cluster: RunningCluster;

beforeAll(async () => {
  repo = makeRepository({ mlp: tinyMlpConfig('mlp', { max_batch_size: 8, dynamic_batching: { default_queue_policy: { allow_timeout_override: true } } }) });
  cluster = await startCluster({ modelRepository: repo, replicas: 1, httpPort: 0, grpcPort: 0, metricsPort: 0, adminPort: 0, restartDelayMs: null, coresPerReplica: 1, replicaGraceMs: 1000 });
});

afterAll(async () => {
  await cluster?.close(1000);
  if (repo) rmSync(repo, { recursive: true, force: true });
});

const { service } = loadInferenceProtos('String');
const encode = (method: string, message: object): Buffer => service[method]!.requestSerialize(message);
const infer = (over: Record<string, unknown> = {}, input: Record<string, unknown> = {}): Buffer =>
  encode('ModelInfer', { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: ['1', '16'], ...input }], raw_input_contents: [ROW], ...over });

type Row = [label: string, method: string, message: Buffer, codes: grpc.status[]];

const MESSAGE_ROWS: Row[] = [
  // Bytes protobuf cannot decode.
  ['garbage', INFER, Buffer.alloc(64, 0xff), [S.INVALID_ARGUMENT]],
  ['groups nested 100,000 deep', INFER, Buffer.alloc(100_000, 0x7b), [S.INVALID_ARGUMENT]],
  ['groups nested 100,000 deep to ServerLive', `${SERVICE}/ServerLive`, Buffer.alloc(100_000, 0x7b), [S.INVALID_ARGUMENT]],
  ['groups nested 100,000 deep to RepositoryIndex', `${SERVICE}/RepositoryIndex`, Buffer.alloc(100_000, 0x7b), [S.INVALID_ARGUMENT]],
  ['a truncated length', INFER, Buffer.from([0x0a, 0xff]), [S.INVALID_ARGUMENT, S.NOT_FOUND]],
  ['a length past the end', INFER, Buffer.from([0x0a, 0x64, 0x61]), [S.INVALID_ARGUMENT, S.NOT_FOUND]],
  ['a length of 2^35', INFER, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x7f]), [S.INVALID_ARGUMENT, S.NOT_FOUND]],
  ['a varint of 11 bytes', INFER, Buffer.from([0x08, ...Array(10).fill(0xff), 0x01]), [S.INVALID_ARGUMENT, S.NOT_FOUND]],
  ['a model name sent as a varint', INFER, Buffer.from([0x08, 0x01]), [S.INVALID_ARGUMENT, S.NOT_FOUND]],
  ['an end-group tag with no start', INFER, Buffer.from([0x0c]), [S.INVALID_ARGUMENT, S.NOT_FOUND]],
  ['wire type 7', INFER, Buffer.from([0x0f, 0x00]), [S.INVALID_ARGUMENT, S.NOT_FOUND]],
  // Well-formed messages with absurd contents.
  ['an empty message', INFER, Buffer.alloc(0), [S.NOT_FOUND, S.INVALID_ARGUMENT]],
  ['a 10,000-dimension shape', INFER, infer({}, { shape: Array(10_000).fill('1') }), [S.INVALID_ARGUMENT]],
  ['a dimension of 2^63 - 1', INFER, infer({}, { shape: ['9223372036854775807', '16'] }), [S.INVALID_ARGUMENT]],
  ['a negative dimension', INFER, infer({}, { shape: ['-9223372036854775808', '16'] }), [S.INVALID_ARGUMENT]],
  ['10,000 inputs', INFER, infer({ inputs: Array.from({ length: 10_000 }, (_, i) => ({ name: `i${i}`, datatype: 'FP32', shape: ['1'] })), raw_input_contents: [] }), [S.INVALID_ARGUMENT]],
  ['a model name of 100 KB', INFER, infer({ model_name: 'm'.repeat(100_000) }), [S.NOT_FOUND]],
  ['an empty datatype', INFER, infer({}, { datatype: '' }), [S.INVALID_ARGUMENT]],
  ['a timeout of 2^64 - 1 µs', INFER, infer({ parameters: { timeout: { uint64_param: '18446744073709551615' } } }), [S.INVALID_ARGUMENT]],
  ['a timeout as a 10,000-character string', INFER, infer({ parameters: { timeout: { string_param: '9'.repeat(10_000) } } }), [S.INVALID_ARGUMENT]],
  ['10,000 parameters', INFER, infer({ parameters: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`p${i}`, { bool_param: true }])) }), [S.OK]],
  ['an unknown method', `${SERVICE}/Nope`, Buffer.alloc(0), [S.UNIMPLEMENTED]],
  ['an unknown service', '/nope.Service/ModelInfer', Buffer.alloc(0), [S.UNIMPLEMENTED]],
  ['a path with bad percent-encoding', `${SERVICE}/%E0%A4%A`, Buffer.alloc(0), [S.UNIMPLEMENTED]],
];

const FORBIDDEN = [S.INTERNAL, S.UNKNOWN];

describe.each([
  ['the replica', () => cluster.supervisor.replicas[0]!.grpcPort],
  ['the router', () => cluster.grpcPort],
])('malformed gRPC messages to %s', (_name, port) => {
  it.each(MESSAGE_ROWS)('%s', async (_label, method, message, codes) => {
    const a = await rawUnary(port(), method, message);
    expect(codes, `${a.code}: ${a.details.slice(0, 300)}`).toContain(a.code);
  });

  it('a garbage message on ModelStreamInfer is answered in the stream with a decoding error, and the stream stays usable', async () => {
    // As every other failed request on a stream (Triton's way): an error_message in the stream's response, not
    // INTERNAL and not the end of the stream: the well-formed request sent after it is still answered.
    const client = new grpc.Client(`127.0.0.1:${port()}`, grpc.credentials.createInsecure());
    const decode = service['ModelStreamInfer']!.responseDeserialize as (b: Buffer) => { error_message: string; infer_response?: { outputs?: unknown[] } };
    const answers: { error_message: string; infer_response?: { outputs?: unknown[] } }[] = [];
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = client.makeBidiStreamRequest(`${SERVICE}/ModelStreamInfer`, (b: Buffer) => b, (b: Buffer) => b, new grpc.Metadata(), { deadline: Date.now() + 15_000 });
      call.on('data', (b: Buffer) => answers.push(decode(b)));
      call.on('status', resolve);
      call.on('error', () => {});
      call.write(Buffer.alloc(100_000, 0x7b));
      call.write(infer());
      call.end();
    });
    client.close();
    expect(status.code, status.details).toBe(S.OK);
    expect(answers).toHaveLength(2);
    expect(answers.find((a) => a.error_message !== '')?.error_message).toMatch(/cannot be decoded/);
    expect(answers.find((a) => a.error_message === '')?.infer_response?.outputs).toHaveLength(1);
  });
});

type H2Row = [label: string, headers: Record<string, string>, body: Buffer | undefined];

const H2_ROWS: H2Row[] = [
  ['GET instead of POST', { ':method': 'GET' }, undefined],
  ['a text/plain content type', { 'content-type': 'text/plain' }, frame(Buffer.alloc(0))],
  ['no content type', { 'content-type': '' }, frame(Buffer.alloc(0))],
  ['a frame longer than the body', {}, frame(Buffer.alloc(4), false, 100)],
  ['a frame header cut short', {}, Buffer.from([0, 0, 0])],
  ['the compressed flag without an encoding', {}, frame(Buffer.alloc(4), true)],
  ['an unsupported encoding', { 'grpc-encoding': 'br' }, frame(Buffer.from('xx'), true)],
  ['two messages on a unary call', {}, Buffer.concat([frame(Buffer.alloc(0)), frame(Buffer.alloc(0))])],
  ['no message on a unary call', {}, undefined],
  ['a grpc-timeout of 99999999 hours', { 'grpc-timeout': '99999999H' }, frame(Buffer.alloc(0))],
  ['a path with bad percent-encoding', { ':path': '/%E0%A4%A/%ZZ' }, frame(Buffer.alloc(0))],
  ['a path without a method', { ':path': '/' }, frame(Buffer.alloc(0))],
  ['100 metadata entries of 100 bytes', Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x-m${i}`, 'v'.repeat(100)])), frame(Buffer.alloc(0))],
  ['binary metadata that is not base64', { 'x-bad-bin': '!!!not base64!!!' }, frame(Buffer.alloc(0))],
];

describe.each([
  ['the replica', () => cluster.supervisor.replicas[0]!.grpcPort],
  ['the router', () => cluster.grpcPort],
])('raw HTTP/2 requests to %s', (_name, port) => {
  it.each(H2_ROWS)('%s is answered, not with INTERNAL', async (_label, headers, body) => {
    const a: GrpcAnswer = await rawH2(port(), { headers, body });
    expect(a.reset, JSON.stringify(a)).toBeUndefined();
    if (a.code === undefined) expect(a.httpStatus, JSON.stringify(a)).toBeGreaterThanOrEqual(400);
    else expect(FORBIDDEN, JSON.stringify(a)).not.toContain(a.code);
    if (a.httpStatus !== undefined && a.httpStatus !== 200) expect(a.httpStatus).toBeLessThan(500);
  });
});

describe.each([
  ['the replica', () => cluster.supervisor.replicas[0]!.grpcPort],
  ['the router', () => cluster.grpcPort],
])('a header flood to %s', (_name, port) => {
  it('300 metadata entries: the stream is refused with ENHANCE_YOUR_CALM (HTTP/2 has no status for it), and the connection is not', async () => {
    const a = await rawH2(port(), { headers: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-m${i}`, 'v'.repeat(100)])), body: frame(Buffer.alloc(0)) });
    if (a.reset !== undefined) expect(a.rstCode, JSON.stringify(a)).toBe(11);
    else expect(FORBIDDEN).not.toContain(a.code);
  });
});

describe('afterwards', () => {
  it('both still answer: ready, and a valid inference', async () => {
    for (const port of [cluster.grpcPort, cluster.supervisor.replicas[0]!.grpcPort]) {
      const client = createInferenceClient(`127.0.0.1:${port}`);
      try {
        expect(await callUnary(client, 'ServerReady', {})).toEqual({ ready: true });
        const res = await callUnary<Record<string, Buffer[]>>(client, 'ModelInfer', { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16] }], raw_input_contents: [ROW] });
        expect(res['raw_output_contents']![0]!.length).toBe(16);
      } finally {
        client.close();
      }
    }
    expect(cluster.supervisor.replicas.map((r) => [r.state, r.restarts])).toEqual([['ready', 0]]);
  });
});
