import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { GauntletError } from '../../../src/errors.js';

const BASE = 'target: {name: t, protocol: kserve-http, url: "http://127.0.0.1:1", model: m}\nrequest: {model: m, inputs: [{name: x, datatype: FP32, shape: [1, 4], data: random}]}\nphases:\n  - {name: p, duration: 2s, rate: 10}\n';

describe('scenario fields start_at and faults_on', () => {
  it('reads start_at (ISO 8601 with a zone or epoch ms) as ISO UTC, and faults_on', () => {
    expect(parseScenario(`${BASE}start_at: 2026-12-05T11:00:00+01:00\nfaults_on: all\n`, { baseDir: '.' })).toMatchObject({ startAt: '2026-12-05T10:00:00.000Z', faultsOn: 'all' });
    expect(parseScenario(`${BASE}start_at: 1700000000000\n`, { baseDir: '.' }).startAt).toBe('2023-11-14T22:13:20.000Z');
  });

  it.each([
    ['start_at: 2026-12-05T10:00:00', 'start_at: must be ISO 8601 with a zone'],
    ['start_at: -5', 'start_at: must be'],
    ['faults_on: shard-1', 'faults_on:'],
  ])('%s is a problem with its path', (line, message) => {
    try {
      parseScenario(`${BASE}${line}\n`, { baseDir: '.', file: 's.yaml' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(GauntletError);
      expect((err as GauntletError).details?.join('\n')).toContain(message);
    }
  });
});
