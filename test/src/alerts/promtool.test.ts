/**
 * The rule files `gauntlet alerts` makes are valid for Prometheus: Debian's `promtool check rules` accepts the rules
 * made from every shipped scenario, and `promtool test rules` proves each rule kind on input series: series that
 * breach its threshold make it fire after its `for:` (pending before), series that do not leave it silent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fromPlan } from '../../../src/alerts/alert-inputs.js';
import { type AlertOptions, type AlertRule, buildRules, ruleFileText } from '../../../src/alerts/alert-rules.js';
import { loadScenario } from '../../../src/scenario/parse-scenario.js';
import { ROOT } from '../../helpers/cli.js';

const PROMTOOL = process.env['GAUNTLET_PROMTOOL'] ?? '/usr/bin/promtool';
const HAVE_PROMTOOL = existsSync(PROMTOOL);
if (!HAVE_PROMTOOL) {
  process.stderr.write(`\n!!! SKIPPING the promtool tests of the alert rules: ${PROMTOOL} is missing. Install it with: apt-get install -y prometheus !!!\n\n`);
}

const DIR = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-alerts-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function promtool(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(PROMTOOL, args, { cwd: DIR, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const OPTS: AlertOptions = { forS: 60, ticketForS: 120, windowS: 60, scrapeIntervalS: 15, job: 'gauntlet', gpu: true, gpuFloor: 0.2, gpuCeiling: 0.9 };

const scenarios = [...readdirSync(path.join(ROOT, 'scenarios')).map((f) => `scenarios/${f}`), ...readdirSync(path.join(ROOT, 'scenarios/llm')).map((f) => `scenarios/llm/${f}`)].filter((f) => f.endsWith('.yaml'));

/** Case is one rule kind's input series that breach (fire) and that do not (silent), and the labels it fires with. */
interface Case {
  alert: string;
  breach: Record<string, string>;
  ok: Record<string, string>;
  labels?: Record<string, string>;
}

const J = 'job="gauntlet"';
const bucket = (le: string): string => `nv_inference_first_response_histogram_ms_bucket{${J},model="mlp",version="1",le="${le}"}`;
const served = { [`nv_inference_request_success{${J},model="mlp",version="1"}`]: '0+100x40' };
/** TRITON_CASES are for scenarios/smoke.yaml: p99 100 ms, error rate 1 %, 50 rps (queue bound 5), one server. */
const TRITON_CASES: Case[] = [
  { alert: 'GauntletLatencyP99High', labels: { model: 'mlp' }, breach: { [bucket('50')]: '0x40', [bucket('100')]: '0x40', [bucket('200')]: '0+10x40', [bucket('+Inf')]: '0+10x40' }, ok: { [bucket('50')]: '0+10x40', [bucket('100')]: '0+10x40', [bucket('200')]: '0+10x40', [bucket('+Inf')]: '0+10x40' } },
  { alert: 'GauntletErrorRateHigh', breach: { ...served, [`nv_inference_request_failure{${J},model="mlp",version="1",reason="BACKEND"}`]: '0+10x40' }, ok: { ...served, [`nv_inference_request_failure{${J},model="mlp",version="1",reason="BACKEND"}`]: '0x40' } },
  { alert: 'GauntletSheddingHigh', breach: { ...served, [`gauntlet_inference_shed_total{${J},reason="in_flight",protocol="http"}`]: '0+50x40' }, ok: { ...served, [`gauntlet_inference_shed_total{${J},reason="in_flight",protocol="http"}`]: '0x40' } },
  { alert: 'GauntletQueueDepthHigh', breach: { [`nv_inference_pending_request_count{${J},model="mlp",version="1"}`]: '10x40' }, ok: { [`nv_inference_pending_request_count{${J},model="mlp",version="1"}`]: '2x40' } },
  { alert: 'GauntletReplicasBelowMinimum', breach: { [`up{${J},instance="a"}`]: '0x40' }, ok: { [`up{${J},instance="a"}`]: '1x40' } },
  { alert: 'GauntletGpuUtilizationLow', breach: { [`nv_gpu_utilization{${J},gpu_uuid="GPU-0"}`]: '0.05x40' }, ok: { [`nv_gpu_utilization{${J},gpu_uuid="GPU-0"}`]: '0.5x40' } },
  { alert: 'GauntletGpuUtilizationHigh', breach: { [`nv_gpu_utilization{${J},gpu_uuid="GPU-0"}`]: '0.97x40' }, ok: { [`nv_gpu_utilization{${J},gpu_uuid="GPU-0"}`]: '0.5x40' } },
];

/** ROUTER_CASES are for scenarios/replica-failure.yaml (3 replicas): requests no replica could take are errors. */
const ROUTER_CASES: Case[] = [
  { alert: 'GauntletErrorRateHigh', breach: { ...served, [`nv_inference_request_failure{${J},model="mlp",version="1",reason="BACKEND"}`]: '0x40', [`gauntlet_router_requests_total{${J},replica="none",protocol="http",code="503"}`]: '0+5x40' }, ok: { ...served, [`nv_inference_request_failure{${J},model="mlp",version="1",reason="BACKEND"}`]: '0x40' } },
  { alert: 'GauntletReplicasBelowMinimum', breach: { [`gauntlet_router_replica_up{${J},replica="r0"}`]: '1x40', [`gauntlet_router_replica_up{${J},replica="r1"}`]: '1x40', [`gauntlet_router_replica_up{${J},replica="r2"}`]: '0x40' }, ok: { [`gauntlet_router_replica_up{${J},replica="r0"}`]: '1x40', [`gauntlet_router_replica_up{${J},replica="r1"}`]: '1x40', [`gauntlet_router_replica_up{${J},replica="r2"}`]: '1x40' } },
];

const ttft = (le: string): string => `vllm:time_to_first_token_seconds_bucket{${J},model_name="tiny-llm",le="${le}"}`;
/** LLM_CASES are for scenarios/llm/replica-failure.yaml (a router over replicas: its counters count errors). */
const LLM_CASES: Case[] = [
  { alert: 'GauntletTtftP99High', labels: { model_name: 'tiny-llm' }, breach: { [ttft('0.06')]: '0x40', [ttft('5')]: '0+10x40', [ttft('+Inf')]: '0+10x40' }, ok: { [ttft('0.06')]: '0+10x40', [ttft('5')]: '0+10x40', [ttft('+Inf')]: '0+10x40' } },
  { alert: 'GauntletErrorRateHigh', breach: { [`gauntlet_router_requests_total{${J},replica="r0",protocol="http",code="200"}`]: '0+100x40', [`gauntlet_router_requests_total{${J},replica="none",protocol="http",code="503"}`]: '0+20x40' }, ok: { [`gauntlet_router_requests_total{${J},replica="r0",protocol="http",code="200"}`]: '0+100x40' } },
  { alert: 'GauntletQueueDepthHigh', breach: { [`vllm:num_requests_waiting{${J},model_name="tiny-llm"}`]: '500x40' }, ok: { [`vllm:num_requests_waiting{${J},model_name="tiny-llm"}`]: '0x40' } },
  { alert: 'GauntletReplicasBelowMinimum', breach: { [`gauntlet_router_replica_up{${J},replica="r0"}`]: '1x40', [`gauntlet_router_replica_up{${J},replica="r1"}`]: '0x40' }, ok: { [`gauntlet_router_replica_up{${J},replica="r0"}`]: '1x40', [`gauntlet_router_replica_up{${J},replica="r1"}`]: '1x40' } },
];

/** unitTests writes promtool's test file: per case, a pending check before `for:`, a firing one after, and a silent one. */
function unitTests(ruleFile: string, rules: AlertRule[], cases: Case[]): string {
  const seconds = (d: string): number => [...d.matchAll(/(\d+)(ms|h|m|s)/g)].reduce((s, m) => s + Number(m[1]) * { h: 3600, m: 60, s: 1, ms: 0.001 }[m[2] as 'h']!, 0);
  const tests = cases.flatMap((c) => {
    const rule = rules.find((r) => r.alert === c.alert);
    if (!rule) throw new Error(`no rule ${c.alert} in ${ruleFile}`);
    const forS = seconds(rule.for);
    const fired = [{ exp_labels: { severity: rule.labels.severity, ...c.labels }, exp_annotations: rule.annotations }];
    const series = (s: Record<string, string>) => Object.entries(s).map(([series, values]) => ({ series, values }));
    return [
      {
        name: `${c.alert} fires after for: ${rule.for}`,
        interval: '15s',
        input_series: series(c.breach),
        alert_rule_test: [
          { eval_time: `${forS - 15}s`, alertname: c.alert, exp_alerts: [] },
          { eval_time: `${forS + 60}s`, alertname: c.alert, exp_alerts: fired },
        ],
      },
      { name: `${c.alert} stays silent`, interval: '15s', input_series: series(c.ok), alert_rule_test: [{ eval_time: `${forS + 60}s`, alertname: c.alert, exp_alerts: [] }] },
    ];
  });
  return stringify({ rule_files: [ruleFile], evaluation_interval: '15s', tests }, { lineWidth: 0 });
}

async function writeRules(scenario: string, name: string, opts: AlertOptions = OPTS): Promise<AlertRule[]> {
  const { file } = buildRules(fromPlan(await loadScenario(path.join(ROOT, scenario))), opts);
  writeFileSync(path.join(DIR, name), ruleFileText(file, `gauntlet alerts ${scenario}`));
  return file.groups[0]!.rules;
}

describe.skipIf(!HAVE_PROMTOOL)('promtool and the alert rules', () => {
  it('promtool check rules passes on the rules of every shipped scenario, with and without --job and --gpu', async () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(12);
    const files: string[] = [];
    for (const s of scenarios) {
      for (const [suffix, opts] of [['job', OPTS], ['plain', { ...OPTS, job: undefined, gpu: false }]] as const) {
        const name = `${s.replace(/[/.]/g, '-')}-${suffix}.rules.yaml`;
        await writeRules(s, name, opts as AlertOptions);
        files.push(name);
      }
    }
    const r = promtool(['check', 'rules', ...files]);
    expect(r.out).not.toContain('FAILED');
    expect(r.code, r.out).toBe(0);
    expect(r.out.match(/SUCCESS/g)).toHaveLength(files.length);
  });

  it.each([
    ['scenarios/smoke.yaml', TRITON_CASES],
    ['scenarios/replica-failure.yaml', ROUTER_CASES],
    ['scenarios/llm/replica-failure.yaml', LLM_CASES],
  ])('promtool test rules: each rule of %s fires on breaching series after its for:, and only then', async (scenario, cases) => {
    const name = `${path.basename(scenario, '.yaml')}-unit`;
    const rules = await writeRules(scenario, `${name}.rules.yaml`);
    writeFileSync(path.join(DIR, `${name}.test.yaml`), unitTests(`${name}.rules.yaml`, rules, cases));
    const r = promtool(['test', 'rules', `${name}.test.yaml`]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
  });

  it('the unit tests can fail: a threshold the breaching series do not cross leaves the alert silent, and promtool says so', async () => {
    const rules = await writeRules('scenarios/smoke.yaml', 'loose.rules.yaml');
    const loose = rules.map((r) => (r.alert === 'GauntletQueueDepthHigh' ? { ...r, expr: r.expr.replace(/> \d+$/, '> 100') } : r));
    writeFileSync(path.join(DIR, 'loose.rules.yaml'), ruleFileText({ groups: [{ name: 'loose', rules: loose }] }, 'test'));
    writeFileSync(path.join(DIR, 'loose.test.yaml'), unitTests('loose.rules.yaml', loose, TRITON_CASES.filter((c) => c.alert === 'GauntletQueueDepthHigh')));
    const r = promtool(['test', 'rules', 'loose.test.yaml']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('FAILED');
  });
});
