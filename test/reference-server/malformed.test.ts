/**
 * Malformed requests to the real reference server, over HTTP and gRPC: each is answered with the right status
 * and a message that names the problem, and none of them disturbs the server, which stays ready and keeps serving.
 */
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUnary, createInferenceClient, type InferenceClient } from '../../reference-server/grpc/client.js';
import { errorOf, type HttpCall, httpRequest, infer, inferBody, inputRows, json, startTestServer, type TestServer } from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

const MAX_BODY = 16 * 1024;

let server: TestServer;
let client: InferenceClient;

beforeAll(async () => {
  server = await startTestServer({ mlp: tinyMlpConfig('mlp', { max_batch_size: 8, dynamic_batching: {} }) }, { maxBodyBytes: MAX_BODY });
  client = createInferenceClient(`127.0.0.1:${server.grpcPort}`);
});
afterAll(async () => {
  client?.close();
  await server?.close(1000);
});

const INFER = '/v2/models/mlp/infer';
const ROW = inputRows(1)[0]!;
const input = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'input', datatype: 'FP32', shape: [1, 16], data: ROW, ...over });
const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);

/** binary builds a binary-extension body: the JSON header, then `bytes`; the header length is the JSON's unless given. */
function binary(doc: object, bytes: Buffer, headerLength?: string | number): Pick<HttpCall, 'body' | 'headers'> {
  const head = Buffer.from(JSON.stringify(doc));
  return { body: Buffer.concat([head, bytes]), headers: { 'inference-header-content-length': headerLength ?? head.length } };
}
const binInput = (size: number): object => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16], parameters: { binary_data_size: size } }] });

type Row = [label: string, call: HttpCall, status: number, error: RegExp];

const HTTP_ROWS: Row[] = [
  ['bad JSON', { path: INFER, body: '{"inputs": [' }, 400, /failed to parse the request JSON/],
  ['an empty body', { path: INFER, body: '' }, 400, /failed to parse the request JSON/],
  ['a JSON array body', { path: INFER, body: '[1, 2]' }, 400, /the request body must be a JSON object/],
  ['a JSON string body', { path: INFER, body: '"infer please"' }, 400, /the request body must be a JSON object/],
  ['no inputs', { path: INFER, body: {} }, 400, /the request must have an 'inputs' array/],
  ['inputs not a list', { path: INFER, body: { inputs: { input: ROW } } }, 400, /the request must have an 'inputs' array/],
  ['an empty inputs list', { path: INFER, body: { inputs: [] } }, 400, /request for model 'mlp' version 1 has no inputs/],
  ['an input that is not an object', { path: INFER, body: { inputs: [42] } }, 400, /inputs\[0\] must be an object/],
  ['an input without a name', { path: INFER, body: { inputs: [input({ name: undefined })] } }, 400, /inputs\[0\] must have a non-empty string 'name'/],
  ['FP64 for an FP32 input', { path: INFER, body: { inputs: [input({ datatype: 'FP64' })] } }, 400, /input 'input' of model 'mlp' version 1 has datatype FP64, expected FP32/],
  ['an unknown datatype', { path: INFER, body: { inputs: [input({ datatype: 'FP8' })] } }, 400, /input 'input' has an unknown datatype "FP8"/],
  ['BYTES for an FP32 input', { path: INFER, body: { inputs: [input({ datatype: 'BYTES', data: ROW.map(String) })] } }, 400, /has datatype BYTES, expected FP32/],
  ['fewer values than the shape needs', { path: INFER, body: { inputs: [input({ data: ROW.slice(0, 15) })] } }, 400, /input 'input' has 60 bytes of FP32 data, but shape \[1,16\] needs 64 bytes \(16 elements\)/],
  ['more values than the shape needs', { path: INFER, body: { inputs: [input({ data: [...ROW, 1] })] } }, 400, /has 68 bytes of FP32 data, but shape \[1,16\] needs 64 bytes/],
  ['a negative dimension', { path: INFER, body: { inputs: [input({ shape: [-1, 16] })] } }, 400, /input 'input' has an invalid shape \[-1,16\]/],
  ['a fractional dimension', { path: INFER, body: { inputs: [input({ shape: [1.5, 16] })] } }, 400, /input 'input' has an invalid shape \[1\.5,16\]/],
  ['string dimensions', { path: INFER, body: { inputs: [input({ shape: ['1', '16'] })] } }, 400, /input 'input' has an invalid shape \["1","16"\]/],
  ['a shape without the batch dimension', { path: INFER, body: { inputs: [input({ shape: [16] })] } }, 400, /has shape \[16\], expected \[-1,16\] \(the first dimension is the batch\)/],
  ['a wrong inner dimension', { path: INFER, body: { inputs: [input({ shape: [2, 8] })] } }, 400, /has shape \[2,8\], expected \[-1,16\]/],
  ['a batch over max_batch_size', { path: INFER, body: inferBody(inputRows(2, 9)) }, 400, /batch size 9, but model 'mlp' version 1 accepts 1 to 8 \(max_batch_size\)/],
  ['a batch of 0', { path: INFER, body: { inputs: [input({ shape: [0, 16], data: [] })] } }, 400, /batch size 0, but model 'mlp' version 1 accepts 1 to 8/],
  ['a string among the numbers', { path: INFER, body: { inputs: [input({ data: [...ROW.slice(0, 3), 'abc', ...ROW.slice(4)] })] } }, 400, /input 'input': element 3 of a FP32 tensor must be a number, got string "abc"/],
  ['a null among the numbers', { path: INFER, body: { inputs: [input({ data: [null, ...ROW.slice(1)] })] } }, 400, /element 0 of a FP32 tensor must be a number, got null/],
  ['an unknown model', { path: '/v2/models/nope/infer', body: inferBody([ROW]) }, 404, /unknown model 'nope'/],
  ['an unknown version', { path: '/v2/models/mlp/versions/7/infer', body: inferBody([ROW]) }, 404, /unknown version "7" of model 'mlp'/],
  ['an unexpected extra input', { path: INFER, body: { inputs: [input(), input({ name: 'extra' })] } }, 400, /unexpected input 'extra' for model 'mlp' version 1; expected 'input'/],
  ['a misnamed input', { path: INFER, body: { inputs: [input({ name: 'x' })] } }, 400, /unexpected input 'x' for model 'mlp' version 1/],
  ['the same input twice', { path: INFER, body: { inputs: [input(), input()] } }, 400, /input 'input' appears more than once/],
  ['an unknown requested output', { path: INFER, body: inferBody([ROW], { outputs: [{ name: 'nope' }] }) }, 400, /unexpected requested output 'nope' for model 'mlp' version 1; outputs are 'output'/],
  ['the same output requested twice', { path: INFER, body: inferBody([ROW], { outputs: [{ name: 'output' }, { name: 'output' }] }) }, 400, /output 'output' is requested more than once/],
  ['outputs not a list', { path: INFER, body: inferBody([ROW], { outputs: { name: 'output' } }) }, 400, /'outputs' must be an array/],
  ['binary_data that is not a boolean', { path: INFER, body: inferBody([ROW], { outputs: [{ name: 'output', parameters: { binary_data: 'yes' } }] }) }, 400, /output 'output': binary_data must be true or false/],
  ['the classification extension', { path: INFER, body: inferBody([ROW], { outputs: [{ name: 'output', parameters: { classification: 2 } }] }) }, 400, /classification extension is not supported/],
  ['an id that is not a string', { path: INFER, body: inferBody([ROW], { id: 7 }) }, 400, /'id' must be a string/],
  ['parameters that are not an object', { path: INFER, body: inferBody([ROW], { parameters: ['timeout'] }) }, 400, /'parameters' must be an object/],
  ['a negative timeout', { path: INFER, body: inferBody([ROW], { parameters: { timeout: -5 } }) }, 400, /parameter 'timeout' must be a non-negative integer \(microseconds\), got -5/],
  ['a timeout that is not a number', { path: INFER, body: inferBody([ROW], { parameters: { timeout: 'soon' } }) }, 400, /parameter 'timeout' must be a non-negative integer \(microseconds\), got "soon"/],
  ['a header length beyond the body', { path: INFER, ...binary(binInput(64), f32(ROW), 9999) }, 400, /Inference-Header-Content-Length is 9999, but the body has only \d+ bytes/],
  ['a header length that is not a number', { path: INFER, ...binary(binInput(64), f32(ROW), 'abc') }, 400, /Inference-Header-Content-Length must be a non-negative integer, got "abc"/],
  ['binary_data_size beyond the body', { path: INFER, ...binary(binInput(64), Buffer.alloc(10)) }, 400, /input 'input' needs 64 bytes of binary data, but only 10 are left in the body/],
  ['binary bytes left over', { path: INFER, ...binary(binInput(64), Buffer.concat([f32(ROW), Buffer.alloc(4)])) }, 400, /the body has 4 bytes of binary data after the last input that uses it/],
  ['both data and binary_data_size', { path: INFER, ...binary({ inputs: [input({ parameters: { binary_data_size: 64 } })] }, f32(ROW)) }, 400, /input 'input' has both 'data' and binary_data_size/],
  ['a negative binary_data_size', { path: INFER, ...binary(binInput(-4), Buffer.alloc(0)) }, 400, /input 'input': binary_data_size must be an integer >= 0/],
  ['neither data nor binary_data_size', { path: INFER, body: { inputs: [input({ data: undefined })] } }, 400, /input 'input' has neither 'data' nor binary_data_size/],
  ['a body over the limit', { path: INFER, body: inferBody(inputRows(3, 200)) }, 413, new RegExp(`the request body is \\d+ bytes, over the limit of ${MAX_BODY} bytes`)],
  ['a chunked body over the limit', { path: INFER, body: inferBody(inputRows(3, 200)), headers: { 'transfer-encoding': 'chunked' } }, 413, new RegExp(`the request body is over the limit of ${MAX_BODY} bytes`)],
  ['a gzip body that inflates over the limit', { path: INFER, body: gzipSync(Buffer.alloc(MAX_BODY * 8, 32)), headers: { 'content-encoding': 'gzip' } }, 413, new RegExp(`the decompressed request body is over the limit of ${MAX_BODY} bytes`)],
  ['an unsupported Content-Encoding', { path: INFER, body: JSON.stringify(inferBody([ROW])), headers: { 'content-encoding': 'br' } }, 415, /unsupported Content-Encoding 'br' \(supported: gzip, deflate, identity\)/],
  ['a truncated gzip body', { path: INFER, body: gzipSync(JSON.stringify(inferBody([ROW]))).subarray(0, 40), headers: { 'content-encoding': 'gzip' } }, 400, /failed to decompress the request body: unexpected end of file/],
  ['a body that claims gzip but is not', { path: INFER, body: JSON.stringify(inferBody([ROW])), headers: { 'content-encoding': 'gzip' } }, 400, /failed to decompress the request body: incorrect header check/],
  ['GET on infer', { method: 'GET', path: INFER }, 405, /GET is not allowed on \/v2\/models\/mlp\/infer; use POST/],
  ['POST on model metadata', { method: 'POST', path: '/v2/models/mlp', body: '{}' }, 405, /POST is not allowed on \/v2\/models\/mlp; use GET/],
  ['DELETE on model config', { method: 'DELETE', path: '/v2/models/mlp/config' }, 405, /DELETE is not allowed on \/v2\/models\/mlp\/config; use GET/],
  ['POST on readiness', { method: 'POST', path: '/v2/health/ready', body: '' }, 405, /POST is not allowed on \/v2\/health\/ready; use GET/],
  ['GET on the repository index', { method: 'GET', path: '/v2/repository/index' }, 405, /GET is not allowed on \/v2\/repository\/index; use POST/],
  ['an unknown route', { method: 'GET', path: '/v3/models' }, 404, /no route for GET \/v3\/models/],
  ['an unknown model action', { method: 'POST', path: '/v2/models/mlp/explain', body: '{}' }, 404, /no route for POST \/v2\/models\/mlp\/explain/],
  ['malformed percent-encoding in the model name', { method: 'GET', path: '/v2/models/%E0%A4%A/ready' }, 404, /malformed model name or version in the URL: "%E0%A4%A"/],
  ['bad JSON to the repository index', { path: '/v2/repository/index', body: '{ready' }, 400, /failed to parse the request JSON/],
  ['explicit model control', { path: '/v2/repository/models/mlp/load', body: '{}' }, 400, /explicit model control is not enabled/],
];

describe('malformed HTTP requests', () => {
  it.each(HTTP_ROWS)('%s → %i naming the problem', async (_label, call, status, error) => {
    const reply = await httpRequest(server.httpPort, call);
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(errorOf(reply)).toMatch(error);
    if (status === 405) expect(reply.headers['allow']).toMatch(/^(GET|POST)$/);
  });

  it('answers a request that is not HTTP with 400 and closes the connection', async () => {
    const socket = net.connect(server.httpPort, '127.0.0.1');
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer to a garbage request')));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise<void>((resolve, reject) => {
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    socket.write('HELLO THERE\r\n\r\n');
    await closed;
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(text).toMatch(/"error":"malformed HTTP request: .+"/);
  });

  it('is still ready afterwards, and a valid request still gets the right answer', async () => {
    expect((await httpRequest(server.httpPort, { path: '/v2/health/ready' })).status).toBe(200);
    const rows = await infer(server.httpPort, 'mlp', [ROW]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveLength(4);
    // The same request over the binary extension gives the same answer.
    const r = await httpRequest(server.httpPort, { path: INFER, ...binary(binInput(64), f32(ROW)) });
    expect(r.status).toBe(200);
    expect(json(r)['outputs'][0]['data']).toEqual(rows[0]);
  });
});

type Obj = Record<string, any>;
const gin = (over: Obj = {}): Obj => ({ name: 'input', datatype: 'FP32', shape: [1, 16], ...over });
const RAW = f32(ROW);
const lengthPrefixed = (...items: string[]): Buffer =>
  Buffer.concat(items.flatMap((s) => [Buffer.from(Uint32Array.of(Buffer.byteLength(s)).buffer), Buffer.from(s)]));

type GrpcRow = [label: string, request: Obj, code: grpc.status, details: RegExp];

const GRPC_ROWS: GrpcRow[] = [
  ['fewer raw contents than inputs', { inputs: [gin(), gin({ name: 'extra' })], raw_input_contents: [RAW] }, grpc.status.INVALID_ARGUMENT, /raw_input_contents has 1 entries for 2 inputs: input 'extra' has no data/],
  ['raw contents shorter than the shape', { inputs: [gin()], raw_input_contents: [RAW.subarray(0, 60)] }, grpc.status.INVALID_ARGUMENT, /input 'input': raw_input_contents has 60 bytes, FP32 shape \[1,16\] needs 64/],
  ['typed contents shorter than the shape', { inputs: [gin({ contents: { fp32_contents: ROW.slice(0, 15) } })] }, grpc.status.INVALID_ARGUMENT, /input 'input': fp32_contents has 15 elements, shape \[1,16\] needs 16/],
  ['typed and raw contents together', { inputs: [gin({ contents: { fp32_contents: ROW } })], raw_input_contents: [RAW] }, grpc.status.INVALID_ARGUMENT, /input 'input': contents must not be set when the request uses raw_input_contents/],
  ['an unknown datatype', { inputs: [gin({ datatype: 'FP8' })], raw_input_contents: [RAW] }, grpc.status.INVALID_ARGUMENT, /input 'input': unknown datatype 'FP8'/],
  ['a negative dimension', { inputs: [gin({ shape: [-1, 16] })], raw_input_contents: [RAW] }, grpc.status.INVALID_ARGUMENT, /input 'input': shape \[-1,16\] has an invalid dimension -1/],
  ['typed data in the wrong field', { inputs: [gin({ contents: { int_contents: ROW.map(Math.round) } })] }, grpc.status.INVALID_ARGUMENT, /input 'input': a FP32 input carries its data in fp32_contents, not int_contents/],
  ['FP16 as typed contents', { inputs: [gin({ datatype: 'FP16', contents: { fp32_contents: ROW } })] }, grpc.status.INVALID_ARGUMENT, /input 'input': FP16 data must be sent in raw_input_contents/],
  ['an input without data', { inputs: [gin()] }, grpc.status.INVALID_ARGUMENT, /input 'input': no data: set contents or raw_input_contents/],
  ['no inputs', { inputs: [] }, grpc.status.INVALID_ARGUMENT, /request for model 'mlp' version 1 has no inputs/],
  ['FP64 for an FP32 input', { inputs: [gin({ datatype: 'FP64', contents: { fp64_contents: ROW } })] }, grpc.status.INVALID_ARGUMENT, /input 'input' of model 'mlp' version 1 has datatype FP64, expected FP32/],
  ['BYTES for an FP32 input', { inputs: [gin({ datatype: 'BYTES', shape: [1, 2] })], raw_input_contents: [lengthPrefixed('a', 'b')] }, grpc.status.INVALID_ARGUMENT, /has datatype BYTES, expected FP32/],
  ['a BYTES length past the end', { inputs: [gin({ datatype: 'BYTES', shape: [1] })], raw_input_contents: [Buffer.from([100, 0, 0, 0, 65])] }, grpc.status.INVALID_ARGUMENT, /input 'input': BYTES element at byte 0 claims 100 bytes, past the end of the data/],
  ['an out-of-range INT8', { inputs: [gin({ datatype: 'INT8', shape: [1], contents: { int_contents: [300] } })] }, grpc.status.INVALID_ARGUMENT, /input 'input': element 0 \(300\) is not an integer in range for INT8/],
  ['a batch over max_batch_size', { inputs: [gin({ shape: [9, 16] })], raw_input_contents: [Buffer.alloc(9 * 64)] }, grpc.status.INVALID_ARGUMENT, /batch size 9, but model 'mlp' version 1 accepts 1 to 8 \(max_batch_size\)/],
  ['a shape without the batch dimension', { inputs: [gin({ shape: [16] })], raw_input_contents: [RAW] }, grpc.status.INVALID_ARGUMENT, /has shape \[16\], expected \[-1,16\]/],
  ['a misnamed input', { inputs: [gin({ name: 'x' })], raw_input_contents: [RAW] }, grpc.status.INVALID_ARGUMENT, /unexpected input 'x' for model 'mlp' version 1/],
  ['the same input twice', { inputs: [gin(), gin()], raw_input_contents: [RAW, RAW] }, grpc.status.INVALID_ARGUMENT, /input 'input' appears more than once/],
  ['an unknown requested output', { inputs: [gin()], raw_input_contents: [RAW], outputs: [{ name: 'nope' }] }, grpc.status.INVALID_ARGUMENT, /unexpected requested output 'nope'/],
  ['a timeout that is not a number', { inputs: [gin()], raw_input_contents: [RAW], parameters: { timeout: { string_param: 'soon' } } }, grpc.status.INVALID_ARGUMENT, /parameter 'timeout' must be a non-negative integer \(microseconds\), got "soon"/],
  ['an unknown model', { model_name: 'nope', inputs: [gin()], raw_input_contents: [RAW] }, grpc.status.NOT_FOUND, /unknown model 'nope'/],
  ['an unknown version', { model_version: '7', inputs: [gin()], raw_input_contents: [RAW] }, grpc.status.NOT_FOUND, /unknown version "7" of model 'mlp'/],
  ['a message over the size limit', { inputs: [gin({ shape: [8, 16] })], raw_input_contents: [Buffer.alloc(MAX_BODY + 1)] }, grpc.status.RESOURCE_EXHAUSTED, /larger than max/],
];

describe('malformed gRPC ModelInfer requests', () => {
  it.each(GRPC_ROWS)('%s → status %i naming the problem', async (_label, request, code, details) => {
    const err = await callUnary(client, 'ModelInfer', { model_name: 'mlp', ...request }).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err, 'the call should fail').toBeDefined();
    expect(err!.code).toBe(code);
    expect(err!.details).toMatch(details);
  });

  it('still answers afterwards: ready, and a valid request gives the HTTP answer', async () => {
    expect(await callUnary(client, 'ServerReady', {})).toEqual({ ready: true });
    const res = await callUnary<Obj>(client, 'ModelInfer', { model_name: 'mlp', inputs: [gin()], raw_input_contents: [RAW] });
    const out = res['raw_output_contents'][0] as Buffer;
    const values = Array.from(new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength)));
    expect(values).toEqual((await infer(server.httpPort, 'mlp', [ROW]))[0]);
  });
});
