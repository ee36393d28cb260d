/**
 * The alerting drill in the summary, reports and JUnit (src/report/alert-view.ts): episode rows, check rows, the
 * verdict line, timeline markers where alerts fired and resolved, and one JUnit case per check.
 */
import { describe, expect, it } from 'vitest';
import { alertCases, alertMarkers, alertRows, alertVerdictText, checkRows } from '../../../src/report/alert-view.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';

const results = {
  scenario: { name: 'alerting-drill' },
  alerts: [
    { name: 'ReplicasBelowMinimum', labels: { severity: 'page' }, pendingAtS: 20.7, firedAtS: 23, resolvedAtS: 38.1, expected: 0, detectionDelayS: 3, timeToResolveS: 1.6 },
    { name: 'HighErrorRate', labels: {}, pendingAtS: 49.4 },
  ],
  alertDrill: {
    pass: false,
    checks: [
      { kind: 'fires', name: 'ReplicasBelowMinimum', after: 'fault 1 (kill-replica r0)', withinS: 4.5, resolveWithinS: 15, pass: true, detail: 'fired 3.0 s after fault 1' },
      { kind: 'quiet', name: 'before', pass: false, detail: 'fired while nothing was wrong: HighErrorRate at 5.0 s' },
    ],
    neverFired: ['HighErrorRate'],
    prometheus: { url: 'http://127.0.0.1:1', config: 'prometheus/prometheus.yml', rules: 'r.yaml', scrapeIntervalS: 1, evaluationIntervalS: 1, pollIntervalS: 0.5 },
    pollErrors: 0,
  },
} as unknown as ResultsFile;

describe('alert views', () => {
  it('lists episodes and checks', () => {
    expect(alertRows(results)).toEqual([
      ['ReplicasBelowMinimum', 'severity=page', '20.7 s', '23.0 s', '38.1 s', '3.0 s', '1.6 s'],
      ['HighErrorRate', '-', '49.4 s', '-', '-', '-', '-'],
    ]);
    expect(checkRows(results)).toEqual([
      ['ReplicasBelowMinimum fires after fault 1 (kill-replica r0) within 4.5 s, resolves within 15 s', 'pass', 'fired 3.0 s after fault 1'],
      ['no alert fires in phase before', 'FAIL', 'fired while nothing was wrong: HighErrorRate at 5.0 s'],
    ]);
    expect(alertVerdictText(results)).toBe('ALERTING DRILL FAILED (1 of 2 checks; never fired: HighErrorRate).');
  });

  it('marks fired and resolved alerts on the timeline, and makes a JUnit case of each check', () => {
    expect(alertMarkers(results)).toEqual([
      { x: 23, label: 'ReplicasBelowMinimum fires', color: '#D55E00' },
      { x: 38.1, label: 'ReplicasBelowMinimum resolved', color: '#009E73' },
    ]);
    const cases = alertCases(results);
    expect(cases.map((c) => [c.classname, c.failure !== undefined])).toEqual([
      ['alerting-drill.alerts', false],
      ['alerting-drill.alerts', true],
    ]);
  });
});
