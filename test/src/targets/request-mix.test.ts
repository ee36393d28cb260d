/**
 * RequestMix: templates picked by weight from a stream seeded by the scenario's seed (the same seed, the same
 * order), each template's requests taken in turn, and every template's own model.
 */
import { describe, expect, it } from 'vitest';
import { RequestMix } from '../../../src/targets/request-mix.js';
import type { InputSpec, RequestSpec, TargetSpec } from '../../../src/targets/target-spec.js';

const target: TargetSpec = { name: 't', protocol: 'kserve-http', url: 'http://127.0.0.1:1', model: 'fallback', binary: false, timeoutMs: 1000, maxInFlight: 1, connections: 1 };
const input = (v: number): InputSpec => ({ name: 'x', datatype: 'INT32', shape: [1], data: { kind: 'values', values: [v] } });
const request: RequestSpec = {
  inputs: [],
  payloads: 4,
  mix: [
    { name: 'a', weight: 3, model: 'ma', inputs: [input(0)], samples: [{ inputs: [input(1)] }, { inputs: [input(2)] }] },
    { name: 'b', weight: 1, inputs: [input(9)] },
  ],
};

/** picks returns n picks as `model:value`. */
function picks(seed: number, n: number): string[] {
  const mix = new RequestMix(target, request, seed, (model, _v, _req, tensors) => `${model}:${tensors[0]!.values[0]}`);
  return Array.from({ length: n }, () => mix.next().payload);
}

describe('RequestMix', () => {
  it('picks templates by weight, the same order for the same seed, another for another seed', () => {
    const a = picks(1, 4000);
    expect(picks(1, 4000)).toEqual(a);
    expect(picks(2, 4000)).not.toEqual(a);
    const share = a.filter((p) => p.startsWith('ma:')).length / a.length;
    expect(share).toBeGreaterThan(0.72);
    expect(share).toBeLessThan(0.78);
  });

  it("takes a template's requests in turn and falls back to the target's model", () => {
    const a = picks(1, 200);
    expect(a.filter((p) => p.startsWith('ma:')).slice(0, 4)).toEqual(['ma:1', 'ma:2', 'ma:1', 'ma:2']);
    expect(new Set(a.filter((p) => !p.startsWith('ma:')))).toEqual(new Set(['fallback:9']));
  });
});
