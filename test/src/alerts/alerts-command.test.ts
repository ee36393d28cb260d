/**
 * `gauntlet alerts` on the command line: a scenario's rules name their SLO figures; a baseline's thresholds are its
 * measured figures × the margin; a scenario without SLOs still gets the error, shedding and replica rules and says
 * so; every bad option is listed at once with exit 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeBaseline, writeBaseline } from '../../../src/compare/baseline.js';
import { median } from '../../../src/compare/stats.js';
import { gauntlet, ROOT } from '../../helpers/cli.js';

const DIR = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-alerts-cli-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}
const rulesOf = (text: string): Rule[] => (parse(text) as { groups: { rules: Rule[] }[] }).groups[0]!.rules;

describe('gauntlet alerts', () => {
  it('writes a scenario\'s rules with its SLO figures, for: and severities, and the reasoning in the annotations', async () => {
    const out = path.join(DIR, 'drill.rules.yaml');
    const r = await gauntlet(['alerts', 'scenarios/drill.yaml', '--out', out, '--for', '30s', '--job', 'stack']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`written to ${out}`);
    const rules = rulesOf(readFileSync(out, 'utf8'));
    const p99 = rules.find((x) => x.alert === 'GauntletLatencyP99High')!;
    expect(p99.expr).toBe('histogram_quantile(0.99, sum by (le, model) (rate(nv_inference_first_response_histogram_ms_bucket{job="stack"}[1m]))) > 250');
    expect(p99).toMatchObject({ for: '30s', labels: { severity: 'page' } });
    expect(p99.annotations.description).toContain('p99_ms: 250 of scenarios/drill.yaml');
    // 180 rps × 250 ms = 45 requests may wait.
    expect(rules.find((x) => x.alert === 'GauntletQueueDepthHigh')).toMatchObject({ for: '15m', labels: { severity: 'ticket' }, expr: 'sum(nv_inference_pending_request_count{job="stack"}) > 45' });
    expect(rules.find((x) => x.alert === 'GauntletReplicasBelowMinimum')!.expr).toBe('(sum(gauntlet_router_replica_up{job="stack"}) or vector(0)) < 3');
    expect(rules.map((x) => x.alert)).not.toContain('GauntletGpuUtilizationLow');
  });

  it('makes thresholds from a baseline\'s measured figures × --margin, on stdout', async () => {
    const base = makeBaseline('demo-base', [path.join(ROOT, 'test/src/report/fixtures/demo.json')], true);
    const file = writeBaseline(base, path.join(DIR, 'demo-base.json'));
    const phase = base.phases.reduce((a, b) => (b.intervals.throughput.length > a.intervals.throughput.length ? b : a));
    const r = await gauntlet(['alerts', file, '--margin', '2', '--gpu']);
    expect(r.code, r.stderr).toBe(0);
    const rules = rulesOf(r.stdout);
    const want = Number((median(phase.repetitions.p99) * 2).toPrecision(4));
    expect(rules.find((x) => x.alert === 'GauntletLatencyP99High')!.expr).toMatch(new RegExp(`> ${want}$`));
    expect(rules.find((x) => x.alert === 'GauntletLatencyP99High')!.annotations.description).toContain(`phase ${phase.name} of baseline`);
    expect(rules.map((x) => x.alert)).toEqual(expect.arrayContaining(['GauntletGpuUtilizationLow', 'GauntletGpuUtilizationHigh']));
    expect(r.stderr).toContain('rules (');
  });

  it('gives a scenario without SLOs the error, shedding and replica rules, and says so', async () => {
    const file = path.join(DIR, 'no-slo.yaml');
    writeFileSync(file, 'name: no-slo\npeak_rps: 10\nrequest: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 256]}]}\nphases: [{name: a, duration: 5s, rate: 1x}]\n');
    const r = await gauntlet(['alerts', file, '--job', 'x']);
    expect(r.code, r.stderr).toBe(0);
    expect(rulesOf(r.stdout).map((x) => x.alert)).toEqual(['GauntletErrorRateHigh', 'GauntletSheddingHigh', 'GauntletReplicasBelowMinimum']);
    expect(r.stderr).toContain('no-slo has no latency or error SLO');
  });

  it('lists every bad option with exit 2, and writes nothing', async () => {
    const out = path.join(DIR, 'never.yaml');
    const r = await gauntlet(['alerts', 'scenarios/smoke.yaml', '--out', out, '--for', '2x', '--scrape-interval', '30s', '--window', '45s', '--min-replicas', '1.5', '--gpu-floor', '0.95', '--margin', '11', '--phase', 'p']);
    expect(r.code).toBe(2);
    for (const opt of ['--for', '--window', '--min-replicas', '--gpu-floor', '--margin', '--phase']) expect(r.stderr).toContain(`  ${opt}`);
    expect(() => readFileSync(out)).toThrow();
    const missing = await gauntlet(['alerts', path.join(DIR, 'none.json')]);
    expect(missing.code).toBe(2);
  });
});
