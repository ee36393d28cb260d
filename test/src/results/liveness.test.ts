/**
 * The staleness rule for files left `running`, with fixed clocks: a heartbeat on this host whose process is gone
 * means the writer died at once; any heartbeat older than STALE_AFTER_INTERVALS intervals is stale; otherwise the
 * run is in progress. Files without a heartbeat (schemaVersion 1) are judged by their modification time.
 */
import { describe, expect, it } from 'vitest';
import { HEARTBEAT_INTERVAL_S, processExists, type ReaderEnv, STALE_AFTER_INTERVALS, writerState } from '../../../src/results/liveness.js';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const HOST = 'here';
const LIVE_PID = 4242;
const env: ReaderEnv = { nowMs: NOW, host: HOST, isAlive: (pid) => pid === LIVE_PID };
const beat = (ageS: number, o: Record<string, unknown> = {}): Record<string, unknown> => ({ updatedAt: new Date(NOW - ageS * 1000).toISOString(), intervalS: 1, pid: LIVE_PID, host: HOST, ...o });
const LIMIT_S = STALE_AFTER_INTERVALS * HEARTBEAT_INTERVAL_S;

describe('writerState', () => {
  it.each([
    ['a fresh heartbeat of a live process', beat(0.5), 'in-progress'],
    ['a heartbeat exactly at the limit', beat(LIMIT_S), 'in-progress'],
    ['a heartbeat just over the limit', beat(LIMIT_S + 0.1), 'writer-died'],
    ['a fresh heartbeat whose process is gone (kill -9)', beat(0.2, { pid: 999_999 }), 'writer-died'],
    ['a fresh heartbeat from another host (its process cannot be checked)', beat(2, { pid: 999_999, host: 'elsewhere' }), 'in-progress'],
    ['a stale heartbeat from another host', beat(60, { host: 'elsewhere' }), 'writer-died'],
    ['a longer interval stretches the limit (5 s × 10)', beat(40, { intervalS: 5 }), 'in-progress'],
    ['…but not past it', beat(51, { intervalS: 5 }), 'writer-died'],
    ['an absurd interval is not believed (1e308 s)', beat(LIMIT_S + 1, { intervalS: 1e308 }), 'writer-died'],
    ['an absurd pid is not probed', beat(1, { pid: -1 }), 'in-progress'],
    ['a heartbeat in the future (clock skew)', beat(-30), 'in-progress'],
  ])('%s: %s', (_name, heartbeat, expected) => {
    expect(writerState(heartbeat, 0, env).state).toBe(expected);
  });

  it('uses the file\'s modification time when there is no heartbeat (version 1 files)', () => {
    expect(writerState(undefined, NOW - 3000, env).state).toBe('in-progress');
    const old = writerState(undefined, NOW - 3_600_000, env);
    expect(old.state).toBe('writer-died');
    expect(old.ageS).toBe(3600);
    expect(old.note).toMatch(/predates heartbeats/);
    expect(writerState({ updatedAt: 'yesterday' }, NOW - 3_600_000, env).state).toBe('writer-died');
  });

  it('says when the run stopped updating and why it is judged dead', () => {
    const dead = writerState(beat(0.2, { pid: 31337 }), 0, env);
    expect(dead.note).toBe(`the run stopped updating its results at ${new Date(NOW - 200).toISOString()}, and process 31337 on ${HOST} is gone — killed?`);
    expect(writerState(beat(30), 0, env).note).toMatch(/heartbeat is 30 s old \(stale after 10 s\) — killed\?$/);
    expect(writerState(beat(3), 0, env).note).toMatch(/still in progress: process 4242 on here updated its results 3 s ago/);
  });

  it('probes real processes: this one exists, a reaped child does not', async () => {
    expect(processExists(process.pid)).toBe(true);
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    expect(processExists(child.pid!)).toBe(false);
  });
});
