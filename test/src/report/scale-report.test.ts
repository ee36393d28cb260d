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

  it('shows nothing of it without scale events', () => {
    const page = renderHtml([{ kind: 'run', label: 'plain', path: 'x', results: demo() }]);
    expect(page).not.toContain('Autoscaler</h2>');
    expect(scaleMarkers(demo())).toEqual([]);
  });
});
