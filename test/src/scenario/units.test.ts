import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, formatDuration, formatRps, parseDuration, parseRate, RATE_PATTERN } from '../../../src/scenario/units.js';

describe('parseDuration', () => {
  it.each([
    [10, 10],
    [0.25, 0.25],
    ['10', 10],
    ['500ms', 0.5],
    ['10s', 10],
    ['2m', 120],
    ['1h', 3600],
    ['1m30s', 90],
    ['1h2m3s', 3723],
    ['1.5s', 1.5],
    ['2s250ms', 2.25],
    [' 10s ', 10],
    ['0s', 0],
  ])('%j is %d s', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: seconds });
    if (typeof text === 'string') expect(new RegExp(DURATION_PATTERN).test(text)).toBe(true);
  });

  it.each(['', '10 s', '10sec', '30s1m', '1m1m', 's', '-5s', '1,5s', 'ten', '1d', '5x'])('rejects %j', (text) => {
    const r = parseDuration(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(/^must be a duration like 500ms, 10s, 2m, 1h, 1m30s or a number of seconds, got /);
    expect(new RegExp(DURATION_PATTERN).test(text)).toBe(false);
  });

  it.each([[null], [true], [[1]], [Infinity]])('rejects %j', (v) => {
    expect(parseDuration(v).ok).toBe(false);
  });
});

describe('parseRate', () => {
  it.each([
    [150, undefined, { rps: 150 }],
    ['150', undefined, { rps: 150 }],
    ['150rps', undefined, { rps: 150 }],
    ['150 rps', undefined, { rps: 150 }],
    ['2x', 200, { rps: 400, multiple: 2 }],
    ['0.5x', 200, { rps: 100, multiple: 0.5 }],
    ['.5x', 200, { rps: 100, multiple: 0.5 }],
    [0, undefined, { rps: 0 }],
  ])('%j with peak %j is %j', (text, peak, value) => {
    expect(parseRate(text, peak)).toEqual({ ok: true, value });
    if (typeof text === 'string') expect(new RegExp(RATE_PATTERN).test(text)).toBe(true);
  });

  it('needs peak_rps for multiples', () => {
    expect(parseRate('2x', undefined)).toEqual({ ok: false, message: '"2x" is a multiple of peak_rps, but peak_rps is not set' });
  });

  it.each(['fast', '2X', '2xx', '-1', '1e3', 'x', '150 r/s'])('rejects %j', (text) => {
    expect(parseRate(text, 100)).toEqual({ ok: false, message: `must be a rate like 150, 150rps or 2x (a multiple of peak_rps), got ${JSON.stringify(text)}` });
    expect(new RegExp(RATE_PATTERN).test(text)).toBe(false);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0s'],
    [0.5, '500ms'],
    [10, '10s'],
    [90, '1m30s'],
    [3600, '1h'],
    [3723.5, '1h2m3.5s'],
  ])('formatDuration(%d) is %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  it('formats rates with their multiple', () => {
    expect(formatRps(750, 150)).toBe('750 rps (5x)');
    expect(formatRps(1 / 3)).toBe('0.333 rps');
  });
});
