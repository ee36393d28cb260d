/**
 * Heartbeats, with fake clocks: while a run's results.json or a sweep's sweep.json is running, its writer keeps
 * rewriting it (so a long step between two saves does not look like a death), and stops when the status is final.
 * And a sweep.json whose writer died reads as an incomplete sweep: the combination it was measuring failed, the
 * rest skipped, the report says INCOMPLETE, never a recommendation.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runReport } from '../../../src/cli/report-command.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { ResultsWriter } from '../../../src/results/results-writer.js';
import { loadInputs, readSweepRecord } from '../../../src/report/load-inputs.js';
import { renderMarkdown } from '../../../src/report/markdown-report.js';
import { type SweepRecord, writeSweepRecord } from '../../../src/sweep/sweep-record.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const readJson = (file: string): Record<string, any> => JSON.parse(readFileSync(file, 'utf8'));

afterEach(() => {
  vi.useRealTimers();
});

describe('heartbeats', () => {
  it('results.json: rewritten every second while running (valid null), not after the final write', () => {
    vi.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z') });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-beat-'));
    const file = path.join(dir, 'results.json');
    const results = { ...(readJson(path.join(FIXTURES, 'demo.json')) as ResultsFile), status: 'running' as const, valid: true };
    const writer = new ResultsWriter(dir, Date.now());
    writer.write(results);
    const first = readJson(file);
    expect(first['valid']).toBeNull();
    expect(first['heartbeat']).toEqual({ updatedAt: '2030-01-01T00:00:00.000Z', intervalS: 1, pid: process.pid, host: os.hostname() });
    // The run is busy elsewhere (the grace period, faults finishing): the heartbeat goes on.
    vi.advanceTimersByTime(5000);
    expect(readJson(file)['heartbeat'].updatedAt).toBe('2030-01-01T00:00:05.000Z');
    writer.write({ ...results, status: 'complete', valid: true });
    expect(readJson(file)['valid']).toBe(true);
    vi.advanceTimersByTime(5000);
    expect(readJson(file)['heartbeat'].updatedAt).toBe('2030-01-01T00:00:05.000Z');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('results.json: close() stops the heartbeat of a run that ended without a final write', () => {
    vi.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z') });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-beat-'));
    const writer = new ResultsWriter(dir, Date.now());
    writer.write({ ...(readJson(path.join(FIXTURES, 'demo.json')) as ResultsFile), status: 'running' });
    writer.close();
    vi.advanceTimersByTime(5000);
    expect(readJson(path.join(dir, 'results.json'))['heartbeat'].updatedAt).toBe('2030-01-01T00:00:00.000Z');
  });

  it('sweep.json: rewritten every second while running, not once complete', () => {
    vi.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z') });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-sweep-beat-'));
    const record: SweepRecord = { ...(readJson(path.join(FIXTURES, 'sweep-search', 'sweep.json')) as SweepRecord), status: 'running' };
    writeSweepRecord(dir, record);
    vi.advanceTimersByTime(3000);
    expect(readJson(path.join(dir, 'sweep.json'))['heartbeat'].updatedAt).toBe('2030-01-01T00:00:03.000Z');
    record.status = 'complete';
    writeSweepRecord(dir, record);
    vi.advanceTimersByTime(3000);
    expect(readJson(path.join(dir, 'sweep.json'))['heartbeat'].updatedAt).toBe('2030-01-01T00:00:03.000Z');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('a sweep whose writer died', () => {
  /** deadSweep copies a finished sweep and makes it look like one killed while measuring its second combination. */
  function deadSweep(heartbeat: Record<string, unknown>): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-dead-sweep-'));
    cpSync(path.join(FIXTURES, 'sweep-search'), dir, { recursive: true });
    const file = path.join(dir, 'sweep.json');
    const r = readJson(file);
    r['status'] = 'running';
    r['recommendation'] = null;
    delete r['endedAt'];
    r['combinations'][1].status = 'running';
    r['combinations'][2].status = 'pending';
    r['combinations'][2].figures = null;
    for (const c of r['combinations']) delete c.verdict;
    r['heartbeat'] = heartbeat;
    writeFileSync(file, JSON.stringify(r));
    return dir;
  }

  it('reads as interrupted: the running combination failed, the pending one skipped', () => {
    const dir = deadSweep({ updatedAt: new Date().toISOString(), intervalS: 1, pid: 31337, host: 'here' });
    const r = readSweepRecord(path.join(dir, 'sweep.json'), { nowMs: Date.now(), host: 'here', isAlive: () => false });
    expect(r.status).toBe('interrupted');
    expect(r.incomplete?.state).toBe('writer-died');
    expect(r.combinations.map((c) => c.status)).toEqual(['done', 'failed', 'skipped']);
    expect(r.combinations[1]!.error).toMatch(/the sweep stopped while this combination ran \(the sweep stopped updating its record at .* process 31337 on here is gone — killed\?\)/);
  });

  it('is reported as INCOMPLETE with exit 0 (a stale heartbeat, as seen from another host)', () => {
    const dir = deadSweep({ updatedAt: new Date(Date.now() - 120_000).toISOString(), intervalS: 1, pid: 31337, host: 'another-host' });
    const md = renderMarkdown(loadInputs([dir]));
    expect(md).toMatch(/⛔ INCOMPLETE: the sweep stopped updating its record at .*: its heartbeat is 1\d\d s old \(stale after 10 s\) — killed\?/);
    expect(md).toMatch(/No recommendation/);
    const out: string[] = [];
    expect(runReport({ inputs: [dir], format: 'md', out: '-' }, (l) => out.push(l), (t) => out.push(t))).toBe(0);
  });

  it('a fresh heartbeat of a live writer is a sweep in progress', () => {
    const dir = deadSweep({ updatedAt: new Date().toISOString(), intervalS: 1, pid: process.pid, host: os.hostname() });
    const r = readSweepRecord(path.join(dir, 'sweep.json'));
    expect(r.status).toBe('running');
    expect(r.incomplete?.state).toBe('in-progress');
    expect(renderMarkdown(loadInputs([dir]))).toMatch(/The sweep has not finished \(the sweep is still in progress: process \d+ on .* updated its record 0 s ago/);
  });
});

describe('a damaged sweep.json', () => {
  it('is refused with the path of each problem', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-damaged-sweep-'));
    const r = readJson(path.join(FIXTURES, 'sweep-search', 'sweep.json'));
    r['combinations'][0].results = 'x';
    r['combinations'][1] = 'y';
    writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify(r));
    expect(() => loadInputs([dir])).toThrow(expect.objectContaining({ details: [expect.stringMatching(/sweep\.json is not a gauntlet sweep\.json; combinations\[0\]\.results: must be a list of paths; combinations\[1\]: must be an object$/)] }));
  });
});
