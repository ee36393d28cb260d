/**
 * Unit tests of the gRPC front end's conversions: decoded ModelInferRequest contents (typed or raw, every
 * datatype, BYTES length-prefixed) to the core's tensors and back to raw_output_contents, InferParameters to
 * plain values, and errors to gRPC statuses. The tiny mlp served in grpc.test.ts takes only FP32, so the other
 * datatypes are covered here, without a server.
 */
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { InferError } from '../../reference-server/core/errors.js';
import type { Tensor } from '../../reference-server/core/tensor.js';
import { toServiceError } from '../../reference-server/grpc/handlers.js';
import { fromWireParameters, fromWireRequest } from '../../reference-server/grpc/infer-request.js';
import { toWireResponse } from '../../reference-server/grpc/infer-response.js';

type Obj = Record<string, any>;
const lp = (...items: string[]): Buffer => Buffer.concat(items.flatMap((s) => { const h = Buffer.alloc(4); h.writeUInt32LE(Buffer.byteLength(s)); return [h, Buffer.from(s)]; }));

describe('toServiceError', () => {
  it.each([
    ['INVALID_ARGUMENT', new InferError('INVALID_ARGUMENT', 'bad'), grpc.status.INVALID_ARGUMENT, 'bad'],
    ['NOT_FOUND', new InferError('NOT_FOUND', 'gone'), grpc.status.NOT_FOUND, 'gone'],
    ['UNAVAILABLE', new InferError('UNAVAILABLE', 'queue full'), grpc.status.UNAVAILABLE, 'queue full'],
    ['INTERNAL', new InferError('INTERNAL', 'broke'), grpc.status.INTERNAL, 'broke'],
    ['a plain Error', new Error('something broke'), grpc.status.INTERNAL, 'something broke'],
    ['a thrown string', 'oops', grpc.status.INTERNAL, 'oops'],
  ])('maps %s to status %i', (_what, err, code, details) => {
    const { metadata, ...status } = toServiceError(err);
    expect(status).toEqual({ code, details });
    // UNAVAILABLE (overload, queue full or timed out) tells the client when to retry: gRPC's Retry-After.
    if (code === grpc.status.UNAVAILABLE) expect(metadata?.get('grpc-retry-pushback-ms')).toEqual(['1000']);
    else expect(metadata).toBeUndefined();
  });
});

describe('wire contents conversion', () => {
  /** echo turns the converted request's inputs straight into a response, as a model returning its inputs would. */
  const echo = (msg: Obj): { tensors: Tensor[]; raw: Buffer[] } => {
    const req = fromWireRequest(msg, 0n);
    const res = toWireResponse({ modelName: 'echo', modelVersion: '1', outputs: req.inputs }, '');
    return { tensors: req.inputs, raw: res.raw_output_contents.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)) };
  };

  it.each<[string, string, unknown[], (b: Buffer) => unknown[]]>([
    ['BOOL', 'bool_contents', [true, false, true], (b) => [...b].map(Boolean)],
    ['INT8', 'int_contents', [-128, 0, 127], (b) => [0, 1, 2].map((i) => b.readInt8(i))],
    ['INT16', 'int_contents', [-300, 0, 300], (b) => [0, 1, 2].map((i) => b.readInt16LE(i * 2))],
    ['INT32', 'int_contents', [-70000, 0, 70000], (b) => [0, 1, 2].map((i) => b.readInt32LE(i * 4))],
    ['INT64', 'int64_contents', ['-9007199254740993', '0', '9007199254740993'], (b) => [0, 1, 2].map((i) => b.readBigInt64LE(i * 8).toString())],
    ['UINT8', 'uint_contents', [0, 1, 255], (b) => [...b]],
    ['UINT32', 'uint_contents', [0, 1, 4294967295], (b) => [0, 1, 2].map((i) => b.readUInt32LE(i * 4))],
    ['UINT64', 'uint64_contents', ['0', '1', '18446744073709551615'], (b) => [0, 1, 2].map((i) => b.readBigUInt64LE(i * 8).toString())],
    ['FP32', 'fp32_contents', [-1.5, 0, 0.25], (b) => [0, 1, 2].map((i) => b.readFloatLE(i * 4))],
    ['FP64', 'fp64_contents', [-1.5, 0, 1e300], (b) => [0, 1, 2].map((i) => b.readDoubleLE(i * 8))],
  ])('round-trips typed %s contents as raw bytes', (datatype, field, values, read) => {
    const { tensors, raw } = echo({ inputs: [{ name: 'X', datatype, shape: [3], contents: { [field]: values } }] });
    expect(tensors[0]).toMatchObject({ name: 'X', datatype, shape: [3] });
    expect(read(raw[0]!)).toEqual(values);
  });

  it('takes BYTES as bytes_contents or length-prefixed raw, and answers length-prefixed', () => {
    const typed = echo({ inputs: [{ name: 'S', datatype: 'BYTES', shape: [2], contents: { bytes_contents: [Buffer.from('héllo'), Buffer.from('')] } }] });
    expect((typed.tensors[0]!.data as Uint8Array[]).map((b) => Buffer.from(b).toString())).toEqual(['héllo', '']);
    expect(typed.raw[0]).toEqual(lp('héllo', ''));
    const raw = echo({ inputs: [{ name: 'S', datatype: 'BYTES', shape: [1, 3] }], raw_input_contents: [lp('a', 'bc', 'def')] });
    expect(raw.tensors[0]).toMatchObject({ datatype: 'BYTES', shape: [1, 3] });
    expect(raw.raw[0]).toEqual(lp('a', 'bc', 'def'));
  });

  it('passes FP16 and BF16 raw bytes through untouched, and keeps the requested outputs with their parameters', () => {
    const half = Buffer.from([0x00, 0x3c, 0x00, 0xc0]); // 1.0, -2.0
    const msg = {
      inputs: [{ name: 'H', datatype: 'FP16', shape: [2] }, { name: 'B', datatype: 'BF16', shape: [1] }],
      outputs: [{ name: 'H', parameters: { binary_data: { parameter_choice: 'bool_param', bool_param: true } } }],
      raw_input_contents: [half, Buffer.from([0x80, 0x3f])],
    };
    const req = fromWireRequest(msg, 0n);
    expect(req.outputs).toEqual([{ name: 'H', parameters: { binary_data: true } }]);
    const { raw } = echo(msg);
    expect(raw).toEqual([half, Buffer.from([0x80, 0x3f])]);
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
