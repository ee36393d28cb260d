/**
 * The requests of a trace replay: each variant's request is sized with the target protocol's own encoder so its
 * body is as close as possible to the line's request_bytes (within half a row), goes to its model (the mix's
 * template for it, when there is one), and stays within the payload budget.
 */
import { describe, expect, it } from 'vitest';
import { encodeModelInferRequest, frameGrpc } from '../../../src/targets/kserve-grpc-message.js';
import { encodeInferBody } from '../../../src/targets/kserve-http-client.js';
import type { Encode } from '../../../src/targets/request-mix.js';
import type { RequestSpec, TargetSpec } from '../../../src/targets/target-spec.js';
import { createClient } from '../../../src/targets/registry.js';
import { prepareTraceRequests } from '../../../src/targets/trace-requests.js';

const target: TargetSpec = { name: 't', protocol: 'kserve-http', url: 'http://127.0.0.1:1', model: 'mlp', binary: false, timeoutMs: 1000, maxInFlight: 1, connections: 1 };
const request: RequestSpec = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16], data: { kind: 'random' } }, { name: 'mask', datatype: 'INT32', shape: [1, 4], data: { kind: 'values', values: [1, 2, 3, 4] } }, { name: 'k', datatype: 'INT32', shape: [3], data: { kind: 'ones' } }], payloads: 8 };

interface Sent { model: string; version?: string; shapes: number[][]; body: Buffer }
const encoders: Record<string, [Encode<Sent>, (s: Sent) => number]> = {
  'http JSON': [(model, version, req, tensors) => ({ model, ...(version && { version }), shapes: req.inputs.map((i) => i.shape), body: encodeInferBody(req, tensors, false).body }), (s) => s.body.length],
  'http binary': [(model, version, req, tensors) => ({ model, ...(version && { version }), shapes: req.inputs.map((i) => i.shape), body: encodeInferBody(req, tensors, true).body }), (s) => s.body.length],
  grpc: [(model, version, req, tensors) => ({ model, ...(version && { version }), shapes: req.inputs.map((i) => i.shape), body: frameGrpc(encodeModelInferRequest(model, version, req, tensors)) }), (s) => s.body.length - 5],
};

describe('prepareTraceRequests', () => {
  it.each(Object.keys(encoders))('%s: sizes bodies within half a row of request_bytes, resizing the inputs that share the batch dimension', (name) => {
    const [encode, bodyBytes] = encoders[name]!;
    const one = prepareTraceRequests(target, request, [{ requestBytes: 0 }], 1, encode, bodyBytes)[0]!;
    expect(one.rows).toBe(1);
    const row = prepareTraceRequests(target, request, [{ requestBytes: one.bodyBytes + 100_000 }], 1, encode, bodyBytes)[0]!;
    const perRow = (row.bodyBytes - one.bodyBytes) / (row.rows! - 1);
    for (const want of [one.bodyBytes, 2_000, 10_000, 64_000, 300_000]) {
      const [r] = prepareTraceRequests(target, request, [{ model: 'other', modelVersion: '2', requestBytes: want }], 1, encode, bodyBytes);
      expect(Math.abs(r!.bodyBytes - want), `${want} bytes: got ${r!.bodyBytes} (${r!.rows} rows)`).toBeLessThanOrEqual(perRow / 2 + 8);
      expect(r!.payload.model).toBe('other');
      expect(r!.payload.version).toBe('2');
      expect(r!.payload.shapes).toEqual([[r!.rows, 16], [r!.rows, 4], [3]]);
    }
  });

  it('sends a model its mix template, and shares equal requests', () => {
    const mixed: RequestSpec = { ...request, mix: [{ name: 'a', weight: 1, model: 'a', inputs: [{ name: 'x', datatype: 'INT32', shape: [2], data: { kind: 'values', values: [5, 6] } }] }, { name: 'b', weight: 1, model: 'b', inputs: [{ name: 'y', datatype: 'FP32', shape: [1, 8], data: { kind: 'zeros' } }] }] };
    const [encode, bodyBytes] = encoders['http binary']!;
    const r = prepareTraceRequests(target, mixed, [{ model: 'b', requestBytes: 400 }, { model: 'a', requestBytes: 20 }, { model: 'c' }, { model: 'b', requestBytes: 401 }], 1, encode, bodyBytes);
    expect(r.map((x) => [x.model, x.payload.shapes])).toEqual([['b', [[r[0]!.rows, 8]]], ['a', [[r[1]!.rows]]], ['c', [[2]]], ['b', [[r[0]!.rows, 8]]]]);
    expect(r[3]).toBe(r[0]);
  });

  it('refuses sizes beyond the limits, and a scalar first input', () => {
    const [encode, bodyBytes] = encoders['http binary']!;
    expect(() => prepareTraceRequests(target, request, [{ requestBytes: 256 << 20 }], 1, encode, bodyBytes)).toThrow(/rows of 23 tensor elements; a request may have at most 16777216/);
    const scalar: RequestSpec = { inputs: [{ name: 's', datatype: 'FP32', shape: [], data: { kind: 'random' } }], payloads: 1 };
    expect(() => prepareTraceRequests(target, scalar, [{ requestBytes: 100 }], 1, encode, bodyBytes)).toThrow(/first input s is a scalar/);
    const big = Array.from({ length: 30 }, (_, i) => ({ requestBytes: (12 + i) << 20 }));
    expect(() => prepareTraceRequests(target, request, big, 1, encode, bodyBytes)).toThrow(/more than the 256 MiB of tensor data a run may build/);
  });

  it('refuses sizes and models for an http target, whose body is its own', async () => {
    const http: TargetSpec = { ...target, protocol: 'http', http: { method: 'POST', path: '/x', headers: {} } };
    expect(() => createClient(http, request, { seed: 1, variants: [{ model: 'a' }] })).toThrow(/protocol http sends its own body/);
    await createClient(http, request, { seed: 1, variants: [] }).close();
  });
});
