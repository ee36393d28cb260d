/**
 * The autoscaler in reports: a run with scale events gets green markers on its time charts, an Autoscaler
 * section with the events and the spike's lag, and a comparison of such runs puts their lags side by side; a
 * run without events shows none of it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { renderHtml } from '../../../src/report/html-report.js';
import { renderMarkdown } from '../../../src/report/markdown-report.js';
import { renderCsv, RUN_COLUMNS } from '../../../src/report/csv-report.js';
import { SCALE_COLOR, scaleMarkers } from '../../../src/report/scale-data.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const demo = (): ResultsFile => JSON.parse(readFileSync(path.join(FIXTURES, 'demo.json'), 'utf8')) as ResultsFile;

function scaled(): ResultsFile {
  const r = demo();
  r.scaleEvents = [
    { atS: 21.5, direction: 'up', from: 1, to: 3, reason: { metric: 'concurrency', value: 9.5, target: 4, ready: 1, recommended: 3, limitedBy: 'none' }, replicas: ['r1', 'r2'], readyAtS: 29.25, readyAfterS: 7.75 },
    { atS: 50, direction: 'down', from: 3, to: 1, reason: { metric: 'concurrency', value: 0.2, target: 4, ready: 3, recommended: 1, limitedBy: 'none' }, replicas: ['r2', 'r1'], readyAtS: null, readyAfterS: null },
  ];
  r.spikes = [{ phase: 'peak-5x', spikeAtS: 20, readyAtS: 29.25, lagS: 9.25, decidedAfterS: 1.5, replicasBefore: 1, replicasAfter: 3, sent: 4321, shed: 1234, timedOut: 5, otherFailed: 0, late: 77, lateLimitMs: 250 }];
  return r;
}

describe('autoscaler in reports', () => {
  it('marks decisions and readiness, and tabulates the events and the lag', () => {
    const r = scaled();
    expect(scaleMarkers(r)).toEqual([
      { x: 21.5, label: 'scale up 1→3 (concurrency 9.5 / 4)', color: SCALE_COLOR },
      { x: 29.25, label: '3 replicas ready', color: SCALE_COLOR },
      { x: 50, label: 'scale down 3→1 (concurrency 0.2 / 4)', color: SCALE_COLOR },
    ]);
    const page = renderHtml([{ kind: 'run', label: 'spike', path: 'x', results: r }]);
    expect(page).toContain('Autoscaler</h2>');
    expect(page).toContain('concurrency 9.5 per replica (target 4, 1 ready) → 3');
    expect(page).toContain('7.8 s');
    expect(page).toContain('not drained by the end');
    expect(page).toContain('9.3 s'); // the lag
    expect(page).toContain('1 234'); // shed
    const md = renderMarkdown([{ kind: 'run', label: 'spike', path: 'x', results: r }]);
    expect(md).toContain('# Autoscaler');
    expect(md).toMatch(/\| peak-5x \| 20\.0 s \| 1\.5 s \| 9\.3 s \| 1→3 \|/);
  });

  it('puts the lags of several runs side by side', () => {
    const b = scaled();
    b.spikes![0]!.lagS = null;
    b.spikes![0]!.readyAtS = null;
    const page = renderHtml([
      { kind: 'run', label: 'base', path: 'a', results: scaled() },
      { kind: 'run', label: 'prewarmed', path: 'b', results: b },
    ]);
    expect(page).toContain('The autoscaler against the spike');
    expect(page).toContain('not within the phase');
  });

  it('gives each phase its replicas, scale events, spike lag and graceful verdict in the CSV', () => {
    const r = demo();
    r.target.name = 'ref'; // no comma, so the rows split on commas
    // demo.json's phases: warmup 0–1 s, steady 1–3, double 3–5, peak-5x 5–8, burst 8–12.
    r.scaleEvents = [
      { atS: 5.5, direction: 'up', from: 1, to: 3, reason: { metric: 'concurrency', value: 9.5, target: 4, ready: 1, recommended: 3, limitedBy: 'none' }, replicas: ['r1', 'r2'], readyAtS: 7.5, readyAfterS: 2 },
      { atS: 10, direction: 'down', from: 3, to: 2, reason: { metric: 'concurrency', value: 1, target: 4, ready: 3, recommended: 2, limitedBy: 'none' }, replicas: ['r2'], readyAtS: 11, readyAfterS: 1 },
    ];
    r.spikes = [{ phase: 'peak-5x', spikeAtS: 5, readyAtS: 7.5, lagS: 2.5, decidedAfterS: 0.5, replicasBefore: 1, replicasAfter: 3, sent: 900, shed: 120, timedOut: 3, otherFailed: 0, late: 40, lateLimitMs: 250 }];
    const peak = r.phases.find((p) => p.name === 'peak-5x')!;
    peak.degradation = { ...(peak.degradation ?? { accepted: 800, rejected: 100, rejectedShare: 0.1, otherFailed: 0, acceptedLatencyUs: peak.latencyUs }), graceful: false, reasons: ['3 request(s) timed out'] } as typeof peak.degradation;
    const rows = renderCsv([{ kind: 'run', label: 'spike', path: 'x', results: r }]).trim().split('\r\n').map((l) => l.split(','));
    const cell = (phase: string, col: string): string => rows.find((row) => row[3] === phase)![RUN_COLUMNS.indexOf(col)]!;
    expect(rows[0]!.slice(-9)).toEqual(['graceful', 'replicas_start', 'replicas_end', 'scale_ups', 'scale_downs', 'spike_lag_s', 'spike_shed', 'spike_timed_out', 'spike_late']);
    expect(['steady', 'peak-5x', 'burst'].map((p) => [cell(p, 'replicas_start'), cell(p, 'replicas_end'), cell(p, 'scale_ups'), cell(p, 'scale_downs')])).toEqual([
      ['1', '1', '0', '0'],
      ['1', '3', '1', '0'],
      ['3', '2', '0', '1'],
    ]);
    expect(['spike_lag_s', 'spike_shed', 'spike_timed_out', 'spike_late', 'graceful'].map((c) => cell('peak-5x', c))).toEqual(['2.5', '120', '3', '40', 'no']);
    expect(cell('steady', 'spike_lag_s')).toBe('');
    // Without an autoscaler the replica cells are empty, not 0.
    const unscaled = demo();
    unscaled.target.name = 'ref';
    const plain = renderCsv([{ kind: 'run', label: 'plain', path: 'x', results: unscaled }]).trim().split('\r\n')[1]!.split(',');
    expect(plain.slice(RUN_COLUMNS.indexOf('replicas_start'), RUN_COLUMNS.indexOf('scale_downs') + 1)).toEqual(['', '', '', '']);
  });

  it('shows nothing of it without scale events', () => {
    const page = renderHtml([{ kind: 'run', label: 'plain', path: 'x', results: demo() }]);
    expect(page).not.toContain('Autoscaler</h2>');
    expect(scaleMarkers(demo())).toEqual([]);
  });
});
