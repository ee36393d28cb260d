/**
 * Reading results files whose writer never finished them: a version 1 file left `running` (which claimed
 * `valid: true`), a version 2 file with a heartbeat (fresh, or from a dead process). They are read, never
 * refused; judged interrupted or in progress; never valid; and their latency histograms are rebuilt exactly from
 * latency.hlog (HDR histograms merge exactly). Complete version 1 files read as before.
 */
import { copyFileSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeBaseline } from '../../../src/compare/baseline.js';
import { decodeHistogram, type Histogram, newHistogram, recordUs } from '../../../src/metrics/hdr.js';
import { readResults } from '../../../src/results/read-results.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { ResultsWriter } from '../../../src/results/results-writer.js';
import { phaseBands } from '../../../src/report/timeline-data.js';
import { GauntletError } from '../../../src/errors.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../report/fixtures');
const DEMO = path.join(FIXTURES, 'demo.json');
/** The demo run (12 s, five phases) is cut here: in its fourth phase, peak-5x (5 s to 8 s). */
const CUT_S = 6;

function demo(): ResultsFile {
  return JSON.parse(readFileSync(DEMO, 'utf8')) as ResultsFile;
}

/** valuesOf gives each (second, phase) of the log its own latencies, so a wrong merge shows. */
function valuesOf(t: number, phase: string): number[] {
  return Array.from({ length: 40 + t }, (_, k) => 500 + t * 1000 + phase.length * 37 + k * k * 13);
}

/**
 * leftRunning writes a run folder as a writer killed at CUT_S leaves it: the last snapshot (no histograms,
 * status running) and a latency.hlog with every finished second. Returns the folder and the histograms each
 * phase should get.
 */
function leftRunning(edit: (doc: Record<string, unknown>) => void): { dir: string; expected: Map<string, Histogram> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-left-running-'));
  const doc = demo() as unknown as Record<string, any>;
  const writer = new ResultsWriter(dir, Date.parse(doc['startedAt']));
  const expected = new Map<string, Histogram>();
  doc['intervals'] = (doc['intervals'] as ResultsFile['intervals']).filter((row) => row.t < CUT_S);
  for (const row of doc['intervals'] as ResultsFile['intervals']) {
    const h = newHistogram();
    for (const v of valuesOf(row.t, row.phase)) recordUs(h, v);
    writer.appendInterval(row.t, row.phase, h);
    const merged = expected.get(row.phase) ?? newHistogram();
    merged.add(h);
    expected.set(row.phase, merged);
  }
  for (const p of doc['phases']) {
    p.histogram = '';
    p.serviceHistogram = '';
  }
  doc['status'] = 'running';
  doc['valid'] = true;
  edit(doc);
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify(doc));
  return { dir, expected };
}

const HOUR_AGO = (Date.now() - 3_600_000) / 1000;

describe('readResults', () => {
  it('reads a complete version 1 file as before, every phase complete', () => {
    const r = readResults(DEMO);
    expect(r.valid).toBe(demo().valid);
    expect(r.status).toBe('complete');
    expect(r.incomplete).toBeUndefined();
    expect(r.phases.map((p) => p.state)).toEqual(['complete', 'complete', 'complete', 'complete', 'complete']);
    expect(r.phases.map((p) => p.elapsedS)).toEqual(demo().phases.map((p) => p.durationS));
    expect(r.phases.map((p) => p.offeredRps)).toEqual(demo().phases.map((p) => p.offeredRps));
  });

  it('reads a version 1 file left running by a killed writer as interrupted, never valid, histograms rebuilt from the .hlog', () => {
    const { dir, expected } = leftRunning(() => {});
    utimesSync(path.join(dir, 'results.json'), HOUR_AGO, HOUR_AGO);
    const r = readResults(path.join(dir, 'results.json'));
    expect(r.status).toBe('interrupted');
    expect(r.interrupted).toBe(true);
    expect(r.valid).toBe(false);
    expect(r.incomplete?.state).toBe('writer-died');
    expect(r.incomplete?.note).toMatch(/stopped updating its results at .* predates heartbeats\) — killed\?/);
    expect(r.incomplete?.missingSeconds).toEqual({ from: CUT_S, to: 11 });
    expect(r.incomplete?.hlog.lines).toBe(r.intervals.length);
    expect(r.incomplete?.hlog.lastSecond).toBe(CUT_S - 1);
    for (const p of r.phases) {
      const want = expected.get(p.name);
      if (!want) {
        expect(p.histogram).toBe('');
        continue;
      }
      const got = decodeHistogram(p.histogram);
      expect(got.totalCount).toBe(want.totalCount);
      for (const q of [0, 50, 90, 99, 99.9, 100]) expect(got.getValueAtPercentile(q)).toBe(want.getValueAtPercentile(q));
    }
    for (const row of r.intervals) expect(decodeHistogram(row.histogram).totalCount).toBe(valuesOf(row.t, row.phase).length);
    // Version 1 did not record the stop: the end of the last second with data stands for it.
    expect(r.measuredS).toBe(CUT_S);
    expect(r.phases.map((p) => p.state)).toEqual(['complete', 'complete', 'complete', 'partial', 'not-run']);
    // The charts shade the phases as far as they ran.
    expect(phaseBands(r).map((b) => [b.label, b.to])).toEqual([['warmup', 1], ['steady', 3], ['double', 5], ['peak-5x', CUT_S]]);
    const burst = r.slo.checks.filter((c) => c.phase === 'burst');
    expect(burst.length).toBeGreaterThan(0);
    for (const c of burst) expect(c.pass).toBeNull();
  });

  it('reads a version 2 snapshot of a live writer as in progress: not judged, status running', () => {
    const { dir } = leftRunning((doc) => {
      doc['schemaVersion'] = 2;
      doc['valid'] = null;
      doc['heartbeat'] = { updatedAt: new Date().toISOString(), intervalS: 1, pid: process.pid, host: os.hostname() };
    });
    const r = readResults(path.join(dir, 'results.json'));
    expect(r.status).toBe('running');
    expect(r.valid).toBe(false);
    expect(r.incomplete?.state).toBe('in-progress');
    expect(r.phases.find((p) => p.name === 'steady')!.histogram).not.toBe('');
  });

  it('reads a version 2 snapshot whose process is gone as interrupted at once, and marks its faults', () => {
    const { dir } = leftRunning((doc) => {
      doc['schemaVersion'] = 2;
      doc['valid'] = null;
      doc['heartbeat'] = { updatedAt: new Date().toISOString(), intervalS: 1, pid: 31337, host: 'here' };
      doc['faults'] = [
        { index: 0, action: 'kill-replica', params: { replica: 'any' }, atS: 4, startedAtS: 4, endedAtS: null, outcome: 'running', detail: 'killing r1' },
        { index: 1, action: 'restore-replica', params: { replica: 'any' }, atS: 9, startedAtS: null, endedAtS: null, outcome: 'pending', detail: '' },
      ];
    });
    const r = readResults(path.join(dir, 'results.json'), { nowMs: Date.now(), host: 'here', isAlive: () => false });
    expect(r.incomplete?.state).toBe('writer-died');
    expect(r.incomplete?.note).toMatch(/process 31337 on here is gone — killed\?$/);
    expect(r.status).toBe('interrupted');
    expect(r.faults.map((f) => f.outcome)).toEqual(['running', 'skipped']);
    expect(r.faults[0]!.detail).toMatch(/outcome is unknown/);
  });

  it('says what it cannot rebuild when latency.hlog is missing or damaged, and still reads the file', () => {
    const { dir } = leftRunning(() => {});
    writeFileSync(path.join(dir, 'latency.hlog'), 'Tag=steady,1.000,1.000,5.000,HISTFAAAA!!!\nTag=steady,2.000,1.000,5.000,HISTFAAAACl4nJNpmSzMwMDAxsDAwMjAwMDMAAEgNsO1yUsYYPzFwkxzFZgAY8gE1w==\n');
    const r = readResults(path.join(dir, 'results.json'));
    expect(r.incomplete?.hlog.problem).toMatch(/1 line\(s\) of .* could not be read/);
    expect(r.incomplete?.hlog.lines).toBe(1);
  });

  it('refuses what it cannot read with the version it would need', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-v3-'));
    const file = path.join(dir, 'results.json');
    writeFileSync(file, JSON.stringify({ ...demo(), schemaVersion: 4 }));
    expect(() => readResults(file)).toThrow(/schemaVersion 4; this gauntlet reads 1, 2 and 3/);
    copyFileSync(DEMO, file);
    expect(readResults(file).schemaVersion).toBe(1);
  });

  it('refuses a damaged file with the path of each problem, for report, gate and baseline alike', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-damaged-'));
    const file = path.join(dir, 'results.json');
    const doc = demo() as unknown as Record<string, any>;
    doc['phases'][2] = 7;
    delete doc['phases'][1].errors;
    doc['intervals'][3].t = 'soon';
    doc['totals'] = null;
    writeFileSync(file, JSON.stringify(doc));
    let err: unknown;
    try {
      readResults(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GauntletError);
    expect((err as GauntletError).details).toEqual(['totals: must be an object', 'phases[1].errors: must be an object', 'phases[2]: must be an object', 'intervals[3].t: must be a finite number']);
  });

  it('makes no baseline of a run whose writer died, unless --allow-invalid (then of the phases it ran)', () => {
    const { dir } = leftRunning(() => {});
    utimesSync(path.join(dir, 'results.json'), HOUR_AGO, HOUR_AGO);
    const file = path.join(dir, 'results.json');
    let err: unknown;
    try {
      makeBaseline('b', [file]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GauntletError);
    expect((err as GauntletError).details.join('\n')).toMatch(/was interrupted: the run stopped updating its results .* --allow-invalid uses the phases it ran anyway/);
    const b = makeBaseline('b', [file], true);
    expect(b.phases.map((p) => p.name)).toEqual(['warmup', 'steady', 'double', 'peak-5x']);
  });
});
