/**
 * Response checks and output decoding: values within the tolerance (as numpy.isclose), datatypes and shapes (-1
 * for any size), outputs decoded from KServe JSON, the binary extension and gRPC (raw and typed contents), and
 * undecodable responses named, never thrown.
 */
import { describe, expect, it } from 'vitest';
import { checkOutputs, close, judgeHttp } from '../../../src/targets/response-check.js';
import { ErrorSamples } from '../../../src/targets/failures.js';
import { decodeGrpcOutputs, decodeHttpOutputs, type OutputTensor } from '../../../src/targets/response-outputs.js';
import { ProtoWriter } from '../../../src/targets/protobuf.js';

const BINARY_HEAD = Buffer.from(JSON.stringify({ outputs: [{ name: 'y', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }] }));
const TOL = { absolute: 1e-5, relative: 1e-4 };
const out: OutputTensor[] = [{ name: 'y', datatype: 'FP32', shape: [1, 3], values: [1, 2.0001, -3] }];

describe('close', () => {
  it.each<[unknown, unknown, boolean]>([
    [1, 1, true],
    [1.00001, 1, true],
    [100.009, 100, true],
    [100.02, 100, false],
    [0.00002, 0, false],
    [NaN, NaN, true],
    [0, NaN, false],
    [Infinity, Infinity, true],
    ['a', 'a', true],
    ['a', 'b', false],
    [true, true, true],
    [1, true, true],
    ['1', 1, false],
  ])('%s against %s: %s', (got, want, pass) => {
    expect(close(got as number, want as number, TOL)).toBe(pass);
  });
});

describe('checkOutputs', () => {
  it.each<[string, Parameters<typeof checkOutputs>[1], string | undefined]>([
    ['matching values', { expected: [{ name: 'y', values: [1, 2, -3] }] }, undefined],
    ['a value out of the default tolerance', { expected: [{ name: 'y', values: [1, 2.1, -3] }] }, "output 'y'[1] is 2.0001, expected 2.1 (tolerance 0.00001 + 0.0001 × |expected|)"],
    ['a value out of a tight tolerance', { expect: { outputs: [], tolerance: { absolute: 0, relative: 1e-6 } }, expected: [{ name: 'y', values: [1, 2, -3] }] }, "output 'y'[1] is 2.0001, expected 2 (tolerance 0 + 0.000001 × |expected|)"],
    ['a missing output', { expect: { outputs: [{ name: 'z' }], tolerance: TOL } }, "output 'z' is missing from the response"],
    ['another datatype', { expect: { outputs: [{ name: 'y', datatype: 'FP16' }], tolerance: TOL } }, "output 'y' is FP32, expected FP16"],
    ['another shape', { expect: { outputs: [{ name: 'y', shape: [1, 4] }], tolerance: TOL } }, "output 'y' has shape [1, 3], expected [1, 4]"],
    ['any size with -1', { expect: { outputs: [{ name: 'y', shape: [-1, 3] }], tolerance: TOL } }, undefined],
    ['another count', { expected: [{ name: 'y', values: [1, 2] }] }, "output 'y' has 3 values, expected 2"],
    ['the tolerance of expect', { expect: { outputs: [], tolerance: TOL }, expected: [{ name: 'y', values: [1, 2, -3] }] }, undefined],
  ])('%s', (_what, check, problem) => {
    expect(checkOutputs(out, check)).toBe(problem);
  });
});

describe('decoding outputs', () => {
  it('reads JSON data (nested too) and binary tensors after the JSON', () => {
    const json = Buffer.from(JSON.stringify({ outputs: [{ name: 'y', datatype: 'INT32', shape: [2, 2], data: [[1, 2], [3, 4]] }] }));
    expect(decodeHttpOutputs('HTTP/1.1 200 OK', json)).toEqual({ ok: true, outputs: [{ name: 'y', datatype: 'INT32', shape: [2, 2], values: [1, 2, 3, 4] }] });
    const head = Buffer.from(JSON.stringify({ outputs: [{ name: 'y', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }, { name: 's', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 6 } }] }));
    const body = Buffer.concat([head, Buffer.from(new Float32Array([0.5, -2]).buffer), Buffer.from([2, 0, 0, 0, 0x68, 0x69])]);
    const decoded = decodeHttpOutputs(`HTTP/1.1 200 OK\r\ninference-header-content-length: ${head.length}`, body);
    expect(decoded).toEqual({ ok: true, outputs: [{ name: 'y', datatype: 'FP32', shape: [2], values: [0.5, -2] }, { name: 's', datatype: 'BYTES', shape: [1], values: ['hi'] }] });
  });

  it.each<[string, string, Buffer, RegExp]>([
    ['not JSON', 'HTTP/1.1 200 OK', Buffer.from('<html>'), /not JSON/],
    ['binary bytes missing', `HTTP/1.1 200 OK\r\ninference-header-content-length: ${BINARY_HEAD.length}`, BINARY_HEAD, /declares 8 binary bytes that are not there/],
    ['no data', 'HTTP/1.1 200 OK', Buffer.from(JSON.stringify({ outputs: [{ name: 'y', datatype: 'FP32', shape: [2] }] })), /has no data/],
  ])('names an HTTP response it cannot decode: %s', (_what, head, body, message) => {
    const d = decodeHttpOutputs(head, body);
    expect(d.ok).toBe(false);
    expect(!d.ok && d.message).toMatch(message);
  });

  it('reads gRPC raw_output_contents and typed contents (negative int32 included)', () => {
    const tensor = (name: string, datatype: string, shape: number[], contents?: ProtoWriter): ProtoWriter => {
      const t = new ProtoWriter().string(1, name).string(2, datatype).packedVarints(3, shape);
      return contents ? t.message(5, contents) : t;
    };
    const raw = new ProtoWriter().message(5, tensor('y', 'FP32', [2])).bytes(6, Buffer.from(new Float32Array([1.5, -1]).buffer)).finish();
    expect(decodeGrpcOutputs(raw)).toEqual({ ok: true, outputs: [{ name: 'y', datatype: 'FP32', shape: [2], values: [1.5, -1] }] });
    // -2 as an int32 content is ten bytes (two's complement in 64 bits), then 7.
    const minusTwo = new ProtoWriter().bytes(2, Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x07]));
    const typed = new ProtoWriter().message(5, tensor('i', 'INT32', [2], minusTwo)).finish();
    expect(decodeGrpcOutputs(typed)).toEqual({ ok: true, outputs: [{ name: 'i', datatype: 'INT32', shape: [2], values: [-2, 7] }] });
    const truncated = decodeGrpcOutputs(raw.subarray(0, raw.length - 3));
    expect(truncated.ok).toBe(false);
  });
});

describe('judgeHttp', () => {
  const res = (status: number, code: string, body: Buffer, bytes = body.length) => ({ outcome: { code, sentUs: 1, doneUs: 2, bytes }, status, head: 'HTTP/1.1 200 OK', body, error: '' });
  const json = Buffer.from(JSON.stringify({ outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 3], data: [1, 2, -3] }] }));
  const check = { expect: { status: [200, 404], outputs: [{ name: 'y', shape: [1, 3] }], tolerance: TOL }, expected: [{ name: 'y', values: [1, 2, -3] }] };

  it.each<[string, ReturnType<typeof res>, string]>([
    ['a right answer', res(200, 'OK', json), 'OK'],
    ['a wrong answer', res(200, 'OK', Buffer.from(json.toString().replace('-3', '3'))), 'BAD_OUTPUT'],
    ['an accepted refusal', res(404, 'HTTP_404', Buffer.from('{"error": "no"}')), 'OK'],
    ['a 2xx not accepted', res(201, 'OK', json), 'BAD_OUTPUT'],
    ['a refusal not accepted keeps its code', res(503, 'HTTP_503', Buffer.alloc(0)), 'HTTP_503'],
    ['a body cut at the kept limit', res(200, 'OK', json.subarray(0, 10), json.length), 'BAD_RESPONSE'],
    ['an undecodable body', res(200, 'OK', Buffer.from('<html>')), 'BAD_RESPONSE'],
  ])('%s', (_what, r, code) => {
    const samples = new ErrorSamples();
    const o = judgeHttp(r, check, decodeHttpOutputs, samples);
    expect(o.code).toBe(code);
    // Times are the response's: a judged answer is never faster or slower than it was.
    expect([o.sentUs, o.doneUs]).toEqual([1, 2]);
    if (code === 'BAD_OUTPUT' || code === 'BAD_RESPONSE') expect(samples.list()[0]!.code).toBe(code);
  });
});
