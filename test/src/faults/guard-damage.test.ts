/**
 * A rollout guard's verdict and damage window: the window runs from the first breaching second to the first second
 * back within the guard after the rollback and counts what failed or was slower than the guard's p99 in it; a
 * failed verdict fails the run's exit code and shows in the summary, the Markdown and HTML reports and JUnit.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../../src/cli/summary.js';
import { damageOf, guardsPass } from '../../../src/faults/guard-damage.js';
import { encodeHistogram, newHistogram, recordUs } from '../../../src/metrics/hdr.js';
import { renderHtml } from '../../../src/report/html-report.js';
import { renderMarkdown } from '../../../src/report/markdown-report.js';
import { renderJunit } from '../../../src/report/results-junit.js';
import type { FaultRecord, GuardRecord, IntervalResult, ResultsFile } from '../../../src/results/results-schema.js';

const GUARD = { p99Ms: 100, windowS: 2, forS: 15, detectWithinS: 8, rollbackOnBreach: true };

/** second is one second of 50 requests: `slow` of them take 150 ms, the rest 5 ms, and `failed` fail. */
function second(t: number, slow: number, failed = 0): IntervalResult {
  const h = newHistogram();
  for (let i = 0; i < 50; i++) recordUs(h, i < slow ? 150_000 : 5_000);
  const p99 = slow > 0 ? 150_000 : 5_000;
  const lat = { count: 50, p50: 5_000, p90: p99, p95: p99, p99, p999: p99, max: p99, mean: 5_000 };
  return { t, phase: 'rollout', offeredRps: 50 + failed, sentRps: 50 + failed, okRps: 50, errors: failed ? { HTTP_503: failed } : {}, latencyUs: lat, serviceTimeUs: lat, sendLagP99Us: 0, lateSends: 0, histogram: encodeHistogram(h) };
}

function guarded(guard: GuardRecord): FaultRecord {
  return { index: 0, action: 'load-model', params: { model: 'm', version: 2, timeoutS: 120, guard: GUARD }, atS: 15, startedAtS: 15, endedAtS: 16, outcome: 'ok', detail: 'loaded', guard };
}

const breachAt = (detectionDelayS: number, rollback: GuardRecord['rollback'], pass: boolean): GuardRecord => ({
  watchedFromS: 16,
  watchedToS: 31,
  breach: { firstSecondS: 17, detectedAtS: 16 + detectionDelayS, detectionDelayS, reason: '2 s in a row over the guard; the last: p99 150.0 ms (over 100 ms)' },
  rollback,
  verdict: { pass, reason: pass ? 'breach detected 3.2 s after the step (bound 8 s); rolled back in 1.0 s' : `breach detected ${detectionDelayS.toFixed(1)} s after the step (bound 8 s): too late` },
});

// Seconds 15-16 fine, 17-20 slow (5 of 50 over 100 ms in 17, 30 in 18-19, 10 and 2 failures in 20), 21 on fine.
const INTERVALS = [second(15, 0), second(16, 0), second(17, 5), second(18, 30), second(19, 30), second(20, 10, 2), second(21, 0), second(22, 0)];

describe('damageOf', () => {
  it('spans the first breaching second to the first second within the guard after the rollback', () => {
    const f = guarded(breachAt(3.2, { startedAtS: 19.2, endedAtS: 20.2, outcome: 'ok', detail: 'loaded' }, true));
    expect(damageOf(f, INTERVALS)).toEqual({ startS: 17, endS: 21, seconds: 4, recovered: true, failed: 2, overP99: 75, worstP99Us: 150_000 });
  });

  it('runs to the end of the run when nothing was back within the guard', () => {
    const f = guarded(breachAt(3.2, { startedAtS: 19.2, endedAtS: 20.2, outcome: 'failed', detail: 'HTTP 400' }, false));
    const slowToEnd = [...INTERVALS.slice(0, 6), second(21, 20), second(22, 20)];
    expect(damageOf(f, slowToEnd)).toMatchObject({ startS: 17, endS: 23, seconds: 6, recovered: false, overP99: 115 });
  });

  it('is undefined without a breach', () => {
    expect(damageOf(guarded({ watchedFromS: 16, watchedToS: 31, breach: null, rollback: null, verdict: { pass: true, reason: 'no breach in the 15 s watched' } }), INTERVALS)).toBeUndefined();
  });
});

describe('a guard verdict in the run verdict and the reports', () => {
  const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../report/fixtures/drill.json');
  const withGuard = (g: GuardRecord): ResultsFile => {
    const r = JSON.parse(readFileSync(FIXTURE, 'utf8')) as ResultsFile;
    const f = guarded(g);
    f.guard!.damage = damageOf(f, INTERVALS);
    r.faults = [f];
    return r;
  };

  it('fails the run and names the late detection in the summary, Markdown, HTML and JUnit', () => {
    const r = withGuard(breachAt(9.5, { startedAtS: 25.5, endedAtS: 26.4, outcome: 'ok', detail: 'loaded' }, false));
    expect(guardsPass(r)).toBe(false);
    const summary = formatSummary(r, 'out').join('\n');
    expect(summary).toContain('ROLLOUT GUARD FAILED: fault 1: breach detected 9.5 s after the step (bound 8 s): too late');
    expect(summary).toMatch(/guard FAIL: .*damage window 17–\d+ s/);
    const input = { kind: 'run' as const, label: 'x', path: 'x', results: r };
    const md = renderMarkdown([input]);
    expect(md).toContain('rollout guard FAILED (#1)');
    expect(md.split('\n').find((l) => l.startsWith('| 1 | load-model') && l.includes('❌ breach detected 9.5 s') && l.includes('25.5 s (+9.5 s)') && l.includes('26.4 s'))).toBeDefined();
    expect(renderHtml([input])).toContain('damage window');
    const xml = renderJunit([input]);
    expect(xml).toMatch(/<testcase classname="[^"]*\.guards" name="rollout guard #1 [^"]*"><failure message="breach detected 9.5 s after the step \(bound 8 s\): too late; damage window 17–/);
  });

  it('passes a breach caught in time and rolled back', () => {
    const r = withGuard(breachAt(3.2, { startedAtS: 19.2, endedAtS: 20.2, outcome: 'ok', detail: 'loaded' }, true));
    expect(guardsPass(r)).toBe(true);
    expect(formatSummary(r, 'out').join('\n')).toContain('Rollout guards passed (1).');
    const xml = renderJunit([{ kind: 'run' as const, label: 'x', path: 'x', results: r }]);
    expect(xml).toMatch(/name="rollout guard #1 [^"]*"><system-out>breach detected 3.2 s .*damage window 17–21 s \(4 s\): 2 failed, 75 over p99/);
  });
});
