/**
 * TracePicks with OwnArrivals: however the arrivals of a looped, windowed trace are split among load workers,
 * every arrival sends its own line's variant, and the phases' variants are one list for the client.
 */
import { describe, expect, it } from 'vitest';
import { OwnArrivals } from '../../../src/load/own-arrivals.js';
import { TracePicks } from '../../../src/load/trace-picks.js';
import { createArrivals } from '../../../src/scenario/arrivals.js';
import type { PhasePlan } from '../../../src/scenario/plan.js';
import { NO_PICK, PickArray } from '../../../src/scenario/trace-replay.js';

const picks = (values: number[]): PickArray => PickArray.from(values) as PickArray;

function tracePhase(name: string, offsetsS: number[], variants: { model?: string; requestBytes?: number }[], lines: number[], loop?: number): PhasePlan {
  return {
    name,
    startS: 0,
    durationS: 100,
    slo: null,
    load: { kind: 'open', arrival: { type: 'constant' }, shape: { type: 'trace', file: 't', offsetsS, speed: 1, ...(loop && { loop }), variants, picks: picks(lines) } },
  };
}

describe('TracePicks', () => {
  const phases: PhasePlan[] = [
    { name: 'warm', startS: 0, durationS: 1, slo: null, load: { kind: 'open', arrival: { type: 'constant' }, shape: { type: 'constant', rps: 5 } } },
    tracePhase('a', [0, 0.1, 0.2, 0.3, 0.4], [{ model: 'm', requestBytes: 10 }, { model: 'n' }], [0, 1, NO_PICK, 1, 0], 3),
    tracePhase('b', [0, 1], [{ model: 'n' }, { model: 'm', requestBytes: 99 }], [1, 0]),
  ];

  it('lists every phase\'s variants once', () => {
    expect(new TracePicks(phases).variants).toEqual([{ model: 'm', requestBytes: 10 }, { model: 'n' }, { model: 'm', requestBytes: 99 }]);
  });

  it.each([1, 2, 3, 4])('gives each arrival its line\'s variant with %i worker(s)', (workers) => {
    const tp = new TracePicks(phases);
    const sent: [number, number | undefined][] = [];
    for (let w = 0; w < workers; w++) {
      const own = new OwnArrivals(createArrivals(phases[1]!, 1, 1), 0, w, workers);
      for (let t = own.next(); t !== undefined; t = own.next()) sent.push([Math.round(t), tp.pick(1, own.lastIndex)]);
    }
    sent.sort((x, y) => x[0] - y[0]);
    // 5 lines, 3 loops; line 2 sends the usual request.
    const line = [0, 1, undefined, 1, 0];
    expect(sent.map((s) => s[1])).toEqual([...line, ...line, ...line]);
    expect(tp.pick(0, 3)).toBeUndefined();
    expect(tp.pick(2, 0)).toBe(2);
    expect(tp.pick(2, 1)).toBe(1);
  });

  it('writes its picks to JSON as a list', () => {
    expect(JSON.stringify({ p: picks([1, 2]) })).toBe('{"p":[1,2]}');
  });
});
