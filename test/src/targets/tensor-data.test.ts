/**
 * Payload data: deterministic from the seed, the right bytes for every datatype, constants and given values,
 * and the half-precision bit patterns.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/scenario/random.js';
import type { InputSpec, RequestSpec } from '../../../src/targets/target-spec.js';
import { bfloat16Bits, buildPayloads, ELEMENT_BYTES, encodeRaw, float16Bits, makeTensorData } from '../../../src/targets/tensor-data.js';

const input = (datatype: string, data: InputSpec['data'] = { kind: 'random' }, shape = [3, 4]): InputSpec => ({ name: 'x', datatype, shape, data });

describe('tensor data', () => {
  it.each(Object.keys(ELEMENT_BYTES))('random %s has one element per shape entry, in range', (dt) => {
    const t = makeTensorData(input(dt), createRandom(1));
    expect(t.values).toHaveLength(12);
    expect(t.raw.length).toBe(12 * ELEMENT_BYTES[dt]!);
    for (const v of t.values) {
      if (dt === 'BOOL') expect(typeof v).toBe('boolean');
      else if (dt.startsWith('FP') || dt === 'BF16') expect((v as number) >= -1 && (v as number) < 1).toBe(true);
      else expect(Number.isInteger(v) && (v as number) >= -50 && (v as number) < 100).toBe(true);
    }
  });

  it('lays out FP32, INT64 and BOOL little-endian', () => {
    const t = makeTensorData(input('FP32', { kind: 'values', values: [1.5, -2] }, [2]), createRandom(1));
    expect([t.raw.readFloatLE(0), t.raw.readFloatLE(4)]).toEqual([1.5, -2]);
    expect(encodeRaw('INT64', [-1, 2 ** 40]).readBigInt64LE(8)).toBe(2n ** 40n);
    expect([...encodeRaw('BOOL', [true, false, 1, 0])]).toEqual([1, 0, 1, 0]);
  });

  it('serialises BYTES as 4-byte lengths and bytes, with short random strings', () => {
    expect(encodeRaw('BYTES', ['ab', '', 'é']).toString('hex')).toBe('020000006162' + '00000000' + '02000000c3a9');
    const t = makeTensorData(input('BYTES'), createRandom(5));
    for (const v of t.values) expect(v).toMatch(/^[a-z0-9]{1,16}$/);
  });

  it('fills zeros and ones', () => {
    expect(makeTensorData(input('INT32', { kind: 'ones' }, [3]), createRandom(1)).values).toEqual([1, 1, 1]);
    expect(makeTensorData(input('BOOL', { kind: 'zeros' }, [2]), createRandom(1)).values).toEqual([false, false]);
    expect(makeTensorData(input('FP16', { kind: 'ones' }, [1]), createRandom(1)).raw.readUInt16LE(0)).toBe(0x3c00);
  });

  it('rejects values that do not match the shape', () => {
    expect(() => makeTensorData(input('FP32', { kind: 'values', values: [1, 2] }, [3]), createRandom(1))).toThrow(/needs 3/);
  });

  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0.1, 0x2e66],
    [1 / 3, 0x3555],
    [65504, 0x7bff],
    [65520, 0x7c00],
    [2 ** -14, 0x0400],
    [2 ** -24, 0x0001],
    [2 ** -26, 0x0000],
    [-0, 0x8000],
    [Infinity, 0x7c00],
  ])('float16Bits(%d) is %i', (x, bits) => {
    expect(float16Bits(x)).toBe(bits);
  });

  it.each([
    [1, 0x3f80],
    [-2, 0xc000],
    [0.1, 0x3dcd],
    [3.4e38, 0x7f80],
  ])('bfloat16Bits(%d) is %i', (x, bits) => {
    expect(bfloat16Bits(x)).toBe(bits);
  });

  it('builds `payloads` distinct payloads only when some input is random', () => {
    const request = (kind: 'random' | 'ones'): RequestSpec => ({ inputs: [input('FP32', { kind })], payloads: 5 });
    const random = buildPayloads(request('random'), 9);
    expect(random).toHaveLength(5);
    expect(new Set(random.map((p) => p[0]!.raw.toString('hex'))).size).toBe(5);
    expect(buildPayloads(request('random'), 9)).toEqual(random);
    expect(buildPayloads(request('ones'), 9)).toHaveLength(1);
  });
});
