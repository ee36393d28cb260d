/**
 * The alerting drill's parts without a Prometheus: `alerts:` validation (every problem with its path), the episode
 * bookkeeping of AlertWatch, the verdict (late, never fired, never resolved, loud in a quiet phase), the generated
 * prometheus.yml, and the refusal to run without Prometheus (how to install it, exit 2).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeAlerts } from '../../../src/alerting/alert-verdict.js';
import { AlertWatch } from '../../../src/alerting/alert-watch.js';
import { checkAlertDrill } from '../../../src/alerting/alert-drill.js';
import { configText, findPrometheus } from '../../../src/alerting/prometheus.js';
import { ERROR_CODES } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import type { FaultRecord } from '../../../src/results/results-schema.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-alerts-'));
writeFileSync(path.join(dir, 'rules.yaml'), 'groups:\n  - name: g\n    rules:\n      - {alert: Down, expr: up == 0, for: 2s}\n      - {alert: Errors, expr: vector(1), for: 1s}\n');
const scenario = (alerts: string): string => `
name: a
target: {embedded: true, replicas: 2}
request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 256]}]}
phases:
  - {name: before, duration: 10s, rate: 10}
  - {name: outage, duration: 10s, rate: 10}
faults:
  - {at: 10s, action: kill-replica, replica: r0, duration: 5s}
alerts: ${alerts}
`;

describe('alerts: in a scenario', () => {
  it('reads the short and the long form, with the rule file resolved against the scenario', () => {
    expect(parseScenario(scenario('rules.yaml'), { baseDir: dir }).alerts).toEqual({ rulesFile: path.join(dir, 'rules.yaml'), prometheus: 'prometheus', expect: [], quietPhases: [] });
    const plan = parseScenario(scenario('{rules: rules.yaml, quiet: [before], expect: [{alert: Down, after_fault: 1, within: 4.5s, resolve_after_fault: 1, resolve_within: 10s}, {alert: Errors, after_phase: outage, within: 3s}]}'), { baseDir: dir });
    expect(plan.alerts?.expect).toEqual([
      { alert: 'Down', after: { fault: 1 }, withinS: 4.5, resolveAfter: { fault: 1 }, resolveWithinS: 10 },
      { alert: 'Errors', after: { phase: 'outage' }, withinS: 3 },
    ]);
    expect(plan.alerts?.quietPhases).toEqual(['before']);
  });

  it('lists every problem with its path', () => {
    const bad = '{rules: rules.yaml, quiet: [nope], extra: 1, expect: [{alert: Gone, after_fault: 2, within: 0s}, {alert: Down, after_phase: x, within: 99999s, resolve_within: 1s}, 7]}';
    expect(() => parseScenario(scenario(bad), { baseDir: dir })).toThrow(
      expect.objectContaining({
        code: 'GAUNTLET_ERR_INVALID_CONFIG',
        details: expect.arrayContaining([
          expect.stringMatching(/alerts\.extra: unknown field/),
          expect.stringMatching(/alerts\.quiet\[0\]: must name a phase \(before, outage\)/),
          expect.stringMatching(/alerts\.expect\[0\]\.alert: no alerting rule of that name in the rule file \(it has Down, Errors\)/),
          expect.stringMatching(/alerts\.expect\[0\]\.after_fault: the scenario has 1 fault\(s\); got 2/),
          expect.stringMatching(/alerts\.expect\[0\]\.within: .*0s/),
          expect.stringMatching(/alerts\.expect\[1\]\.after_phase: must name a phase/),
          expect.stringMatching(/alerts\.expect\[1\]\.within: .*99999s/),
          expect.stringMatching(/alerts\.expect\[1\]\.resolve_within: goes with resolve_after_fault or resolve_after_phase/),
          expect.stringMatching(/alerts\.expect\[2\]: must be a mapping/),
        ]),
      }),
    );
    expect(() => parseScenario(scenario('missing.yaml'), { baseDir: dir })).toThrow(expect.objectContaining({ details: [expect.stringMatching(/alerts\.rules: .*missing\.yaml: cannot read the file/)] }));
  });

  it('refuses to run without Prometheus, saying how to install it (exit 2)', () => {
    const plan = parseScenario(scenario('{rules: rules.yaml, prometheus: /nonexistent/prometheus}'), { baseDir: dir });
    expect(() => checkAlertDrill(plan.alerts)).toThrow(expect.objectContaining({ code: 'GAUNTLET_ERR_PROMETHEUS_MISSING', message: expect.stringContaining('apt-get install prometheus') }));
    expect(() => findPrometheus('gauntlet-no-such-prometheus')).toThrow(/'gauntlet-no-such-prometheus' is not on PATH: install it \(Debian\/Ubuntu: apt-get install prometheus\)/);
    expect(ERROR_CODES.GAUNTLET_ERR_PROMETHEUS_MISSING.exit).toBe(2);
  });
});

describe('AlertWatch', () => {
  it('turns polls into episodes: pending at activeAt, fired when first seen firing, resolved when first seen gone', () => {
    const w = new AlertWatch('http://127.0.0.1:1');
    const start = Date.parse('2026-12-05T10:00:00Z');
    (w as unknown as { startEpochMs: number }).startEpochMs = start;
    const down = (state: string) => ({ labels: { alertname: 'Down', severity: 'page' }, state, activeAt: '2026-12-05T10:00:21.250Z' });
    w.observe([down('pending')], 21.5);
    w.observe([down('firing')], 23.5);
    w.observe([down('firing')], 24);
    w.observe([], 40);
    w.observe([down('pending')], 50);
    expect(w.episodes).toEqual([
      { name: 'Down', labels: { severity: 'page' }, pendingAtS: 21.25, firedAtS: 23.5, resolvedAtS: 40 },
      { name: 'Down', labels: { severity: 'page' }, pendingAtS: 21.25, },
    ]);
  });
});

describe('judgeAlerts', () => {
  const phases = [
    { name: 'before', startS: 0, durationS: 20, load: { kind: 'closed' as const, concurrency: 1 }, slo: null },
    { name: 'outage', startS: 20, durationS: 10, load: { kind: 'closed' as const, concurrency: 1 }, slo: null },
  ];
  const faults = [{ index: 0, action: 'kill-replica', params: { replica: 'r0' }, atS: 20, durationS: 10, startedAtS: 20, endedAtS: 31, outcome: 'ok', detail: '', replica: 'r0' }] as FaultRecord[];
  const plan = { rulesFile: 'r', prometheus: 'prometheus', quietPhases: ['before'], expect: [{ alert: 'Down', after: { fault: 1 }, withinS: 4.5, resolveAfter: { fault: 1 }, resolveWithinS: 5 }] };

  it.each([
    ['in time, resolved in time', [{ name: 'Down', labels: {}, pendingAtS: 21.3, firedAtS: 23.5, resolvedAtS: 33 }], true, /fired 3\.5 s after fault 1 \(kill-replica r0\).*resolved 2\.0 s after/],
    ['late', [{ name: 'Down', labels: {}, pendingAtS: 22, firedAtS: 25, resolvedAtS: 33 }], false, /fired 5\.0 s after/],
    ['never resolved', [{ name: 'Down', labels: {}, pendingAtS: 21, firedAtS: 23 }], false, /never resolved/],
    ['never fired', [{ name: 'Down', labels: {}, pendingAtS: 21, resolvedAtS: 22 }], false, /did not fire after fault 1/],
  ])('%s', (_, episodes, pass, detail) => {
    const v = judgeAlerts(plan, episodes, phases, faults, 40);
    expect(v.checks[0]!.pass).toBe(pass);
    expect(v.checks[0]!.detail).toMatch(detail);
    expect(v.pass).toBe(pass);
  });

  it('fails a quiet phase in which an alert fired, and names the alerts that never fired', () => {
    const v = judgeAlerts(plan, [{ name: 'Other', labels: {}, pendingAtS: 3, firedAtS: 5, resolvedAtS: 8 }], phases, faults, 40);
    expect(v.checks[1]).toMatchObject({ kind: 'quiet', name: 'before', pass: false, detail: 'fired while nothing was wrong: Other at 5.0 s' });
    expect(v.neverFired).toEqual(['Down']);
  });
});

describe('configText', () => {
  it('scrapes every metrics URL every second and loads the rule file', () => {
    const text = configText(['http://127.0.0.1:8002/metrics'], '/run/prometheus/rules.yaml');
    expect(text).toMatch(/scrape_interval: 1s/);
    expect(text).toMatch(/evaluation_interval: 1s/);
    expect(text).toMatch(/- 127\.0\.0\.1:8002/);
    expect(text).toMatch(/metrics_path: \/metrics/);
    expect(text).toMatch(/- \/run\/prometheus\/rules\.yaml/);
  });
});
