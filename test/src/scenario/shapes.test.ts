import { describe, expect, it } from 'vitest';
import { integralOf, numericIntegral } from '../../../src/scenario/integral.js';
import type { ShapeSpec } from '../../../src/scenario/plan.js';
import { Registry } from '../../../src/scenario/registry.js';
import { createShape, registerShape, SHAPES } from '../../../src/scenario/shapes.js';

const ramp = (fromRps: number, toRps: number): ShapeSpec => ({ type: 'ramp', fromRps, toRps });
const burst: ShapeSpec = { type: 'burst', baseRps: 100, burstRps: 500, everyS: 10, lengthS: 2 };

describe('shapes: rate(t)', () => {
  it.each<[string, ShapeSpec, number, [number, number][]]>([
    ['constant', { type: 'constant', rps: 150 }, 30, [[0, 150], [29.9, 150], [100, 150]]],
    ['ramp up', ramp(100, 500), 20, [[0, 100], [5, 200], [10, 300], [20, 500], [25, 500]]],
    ['ramp down', ramp(500, 0), 10, [[0, 500], [5, 250], [10, 0]]],
    // Bursts occupy [k·10, k·10 + 2) for k ≥ 1: the phase starts at its base rate.
    ['burst', burst, 30, [[0, 100], [1, 100], [9.99, 100], [10, 500], [11.99, 500], [12, 100], [20, 500], [21.5, 500], [22, 100]]],
    ['trace', { type: 'trace', file: 't', offsetsS: [0, 0.5, 1.2, 1.4, 1.9, 4], speed: 1 }, 4, [[0.2, 2], [1, 3], [2.5, 0], [4, 1]]],
    ['trace at 2x', { type: 'trace', file: 't', offsetsS: [0, 0.5, 1.2, 1.4, 1.9, 4], speed: 2 }, 2, [[0.5, 5], [1.5, 0], [2, 1]]],
  ])('%s', (_, spec, durationS, points) => {
    const shape = createShape(spec, durationS);
    for (const [t, rps] of points) expect(shape.rate(t), `rate(${t})`).toBeCloseTo(rps, 9);
  });

  it.each<[ShapeSpec, number, number]>([
    [{ type: 'constant', rps: 150 }, 30, 150],
    [ramp(100, 500), 20, 500],
    [ramp(500, 100), 20, 500],
    [burst, 30, 500],
    [{ type: 'burst', baseRps: 300, burstRps: 50, everyS: 5, lengthS: 1 }, 30, 300],
    [{ type: 'trace', file: 't', offsetsS: [0, 0.5, 1.2, 1.4, 1.9, 4], speed: 1 }, 4, 3],
  ])('maxRps of %j over %d s is %d', (spec, durationS, max) => {
    expect(createShape(spec, durationS).maxRps).toBe(max);
  });
});

describe('shapes: closed-form integrals', () => {
  const cases: [string, ShapeSpec, number][] = [
    ['constant', { type: 'constant', rps: 150 }, 30],
    ['ramp up', ramp(100, 500), 20],
    ['ramp from 0', ramp(0, 1000), 20],
    ['ramp down to 0', ramp(800, 0), 20],
    ['flat ramp', ramp(200, 200), 20],
    ['burst', burst, 35],
    ['dip', { type: 'burst', baseRps: 300, burstRps: 50, everyS: 5, lengthS: 1 }, 30],
  ];

  it.each(cases)('%s agrees with numeric integration', (_, spec, durationS) => {
    const shape = createShape(spec, durationS);
    const numeric = numericIntegral(shape, durationS);
    for (let t = 0; t <= durationS; t += durationS / 37) {
      expect(shape.integral!(t), `Λ(${t})`).toBeCloseTo(numeric.at(t), 0);
    }
  });

  it.each(cases)('%s: timeAt inverts the integral', (_, spec, durationS) => {
    const shape = createShape(spec, durationS);
    for (let t = 0.013; t < durationS; t += durationS / 41) {
      const area = shape.integral!(t);
      expect(shape.integral!(shape.timeAt!(area)), `Λ(Λ⁻¹(${area}))`).toBeCloseTo(area, 6);
      if (shape.rate(t) > 0) expect(shape.timeAt!(area)).toBeCloseTo(t, 6);
    }
  });

  it.each([
    ['ramp (100 → 500 rps over 20 s)', ramp(100, 500), 20, 6000],
    ['burst (30 s: two bursts)', burst, 30, 100 * 26 + 500 * 4],
    ['burst (partial third burst)', burst, 31, 100 * 26 + 500 * 5],
  ])('%s: Λ(duration) is exact', (_, spec, durationS, total) => {
    expect(createShape(spec, durationS).integral!(durationS)).toBeCloseTo(total as number, 6);
  });

  it('a ramp down to 0 never reaches more than its area', () => {
    const shape = createShape(ramp(100, 0), 10);
    expect(shape.timeAt!(500)).toBeCloseTo(10, 9);
    expect(shape.timeAt!(501)).toBe(Infinity);
  });

  it('integralOf falls back to numeric integration for shapes without closed forms', () => {
    const sine = { rate: (t: number) => 100 + 50 * Math.sin(t), maxRps: 150 };
    const integral = integralOf(sine, 20);
    const exact = (t: number): number => 100 * t + 50 * (1 - Math.cos(t));
    for (const t of [0.5, 3, 7.25, 19.9]) {
      expect(integral.at(t)).toBeCloseTo(exact(t), 2);
      expect(integral.timeAt(exact(t))).toBeCloseTo(t, 4);
    }
    expect(integral.timeAt(exact(20) + 1)).toBe(Infinity);
  });
});

describe('registry', () => {
  it('throws when a shape type is registered twice', () => {
    expect(() => registerShape('constant', () => ({ rate: () => 1, maxRps: 1 }))).toThrow(/shape type "constant" is already registered/);
    expect(SHAPES.names()).toEqual(['constant', 'ramp', 'burst', 'trace']);
  });

  it('throws for unknown types, naming the known ones', () => {
    const r = new Registry<number>('widget');
    r.register('a', 1);
    expect(r.get('a')).toBe(1);
    expect(r.has('b')).toBe(false);
    expect(() => r.get('b')).toThrow('unknown widget type "b" (known: a)');
    expect(() => r.register('a', 2)).toThrow('widget type "a" is already registered');
  });
});
