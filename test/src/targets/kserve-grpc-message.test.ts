/**
 * The hand-written protobuf encoding of ModelInferRequest and decoding of ModelInferResponse, checked against
 * protobufjs (through @grpc/proto-loader and the reference server's .proto files) as the reference.
 */
import { describe, expect, it } from 'vitest';
import { loadInferenceProtos } from '../../../reference-server/grpc/load-protos.js';
import {
  checkInferSummary,
  decodeModelInferResponse,
  encodeModelInferRequest,
  frameGrpc,
  unframeGrpc,
} from '../../../src/targets/kserve-grpc-message.js';
import { ProtoReader, ProtoWriter } from '../../../src/targets/protobuf.js';
import type { RequestSpec } from '../../../src/targets/target-spec.js';
import { buildPayloads } from '../../../src/targets/tensor-data.js';

interface MethodDef {
  requestDeserialize(b: Buffer): Record<string, any>;
  responseSerialize(v: unknown): Buffer;
}
const method = (): MethodDef =>
  (loadInferenceProtos('Number').definition['inference.GRPCInferenceService'] as unknown as Record<string, MethodDef>)['ModelInfer']!;

describe('ModelInferRequest encoding', () => {
  it('decodes with protobufjs to the same request', () => {
    const request: RequestSpec = {
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [2, 3], data: { kind: 'random' } },
        { name: 'ids', datatype: 'INT64', shape: [3], data: { kind: 'values', values: [-5, 0, 2 ** 40] } },
        { name: 'text', datatype: 'BYTES', shape: [2], data: { kind: 'values', values: ['héllo', ''] } },
        { name: 'scalar', datatype: 'BOOL', shape: [], data: { kind: 'ones' } },
      ],
      outputs: ['output', 'other'],
      parameters: { flag: true, count: -3, ratio: 0.25, tag: 'abc' },
      payloads: 1,
    };
    const tensors = buildPayloads(request, 1)[0]!;
    const decoded = method().requestDeserialize(encodeModelInferRequest('mlp', '2', request, tensors));
    expect(decoded['model_name']).toBe('mlp');
    expect(decoded['model_version']).toBe('2');
    expect(decoded['inputs'].map((i: Record<string, unknown>) => [i['name'], i['datatype'], i['shape']])).toEqual([
      ['input', 'FP32', [2, 3]],
      ['ids', 'INT64', [3]],
      ['text', 'BYTES', [2]],
      ['scalar', 'BOOL', []],
    ]);
    expect(decoded['outputs'].map((o: Record<string, unknown>) => o['name'])).toEqual(['output', 'other']);
    const p = decoded['parameters'];
    expect([p.flag.bool_param, p.count.int64_param, p.ratio.double_param, p.tag.string_param]).toEqual([true, -3, 0.25, 'abc']);
    expect(decoded['raw_input_contents'].map((b: Buffer) => Buffer.from(b).toString('hex'))).toEqual(tensors.map((t) => t.raw.toString('hex')));
  });

  it('omits the version when there is none', () => {
    const request: RequestSpec = { inputs: [], payloads: 1 };
    expect(method().requestDeserialize(encodeModelInferRequest('m', undefined, request, []))['model_version']).toBe('');
  });
});

describe('ModelInferResponse decoding', () => {
  const response = (raw: boolean) =>
    method().responseSerialize({
      model_name: 'mlp',
      model_version: '1',
      outputs: [{ name: 'output', datatype: 'FP32', shape: [2, 4], ...(raw ? {} : { contents: { fp32_contents: [1, 2, 3, 4, 5, 6, 7, 8] } }) }],
      raw_output_contents: raw ? [Buffer.alloc(32)] : [],
    });

  it.each([
    ['raw_output_contents', true],
    ['typed contents', false],
  ])('reads outputs sent as %s', (_name, raw) => {
    const s = decodeModelInferResponse(response(raw));
    expect(s).toEqual({ modelName: 'mlp', outputs: [{ name: 'output', datatype: 'FP32', shape: [2, 4], hasContents: !raw }], rawOutputContents: raw ? 1 : 0 });
    expect(checkInferSummary(s, ['output'])).toBeUndefined();
    expect(checkInferSummary(s, ['missing'])).toMatch(/missing/);
  });

  it('finds responses without outputs or data wanting', () => {
    expect(checkInferSummary({ modelName: 'm', outputs: [], rawOutputContents: 0 }, undefined)).toMatch(/no outputs/);
    expect(checkInferSummary({ modelName: 'm', outputs: [{ name: 'o', datatype: 'FP32', shape: [1], hasContents: false }], rawOutputContents: 0 }, undefined)).toMatch(/data/);
  });

  it('throws on truncated messages and frames', () => {
    expect(() => decodeModelInferResponse(response(true).subarray(0, 10))).toThrow(RangeError);
    const framed = frameGrpc(Buffer.from('abc'));
    expect(unframeGrpc(framed)).toEqual([Buffer.from('abc')]);
    expect(() => unframeGrpc(framed.subarray(0, 6))).toThrow(/truncated/);
    expect(() => unframeGrpc(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/compressed/);
  });
});

describe('protobuf varints', () => {
  it.each([0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER])('round-trips %d', (v) => {
    const r = new ProtoReader(new ProtoWriter().varint(v).finish());
    expect(r.varint()).toBe(v);
    expect(r.done()).toBe(true);
  });
});
