import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describePlan } from '../../../src/scenario/describe-plan.js';
import { loadScenario, parseScenario } from '../../../src/scenario/parse-scenario.js';
import { repositoryRoot } from '../../../src/scenario/write-schemas.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-describe-'));
mkdirSync(join(dir, 'traces'));
writeFileSync(join(dir, 'traces', 'prod.csv'), '0\n0.5\n1.5\n2\n4\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIO = `
name: peak-5x
description: optional text
peak_rps: 200
seed: 42
target: {protocol: kserve-http, url: "http://10.0.0.7:8000", binary: false, connections: 64, cost_per_hour: 2.5}
request: {model: mlp, model_version: "3", inputs: [{name: input, datatype: FP32, shape: [1, 4], data: [1, 2, 3, 4]}], outputs: [output], parameters: {priority: 1}}
slo: {p99_ms: 50, p95_ms: 30, error_rate: 0.001, min_rps: 100}
phases:
  - {name: warmup, duration: 10s, rate: 0.5x, slo: off}
  - {name: ramp,   duration: 20s, rate: {from: 1x, to: 5x}}
  - {name: burst,  duration: 30s, rate: 1x, burst: {every: 10s, length: 2s, rate: 5x}}
  - {name: bursty, duration: 30s, rate: 2x, arrival: {type: gamma, burstiness: 4}, slo: {p99_ms: 80, p95_ms: null}}
  - {name: closed, duration: 30s, concurrency: 16}
  - {name: replay, trace: traces/prod.csv, speed: 2.0}
faults:
  - {at: 1m, duration: 10s, action: network, latency_ms: 50, jitter_ms: 10}
`;

describe('describePlan', () => {
  it('prints target, request, SLO, every phase with its expected requests, and faults', () => {
    const text = describePlan(parseScenario(SCENARIO, { file: 'peak.yaml', baseDir: dir, durationScale: 0.5 }));
    const trace = `trace ${join(dir, 'traces/prod.csv')} (5 sends) at 2x speed`;
    const loadWidth = Math.max(53, trace.length);
    const col = (s: string): string => s.padEnd(loadWidth);
    expect(text).toBe(
      [
        'Scenario peak-5x (peak.yaml)',
        '  optional text',
        '  seed 42 · peak 200 rps · duration 1m1s · durations scaled by 0.5',
        'Target: target · kserve-http http://10.0.0.7:8000 (JSON) · timeout 10000 ms · max in flight 1024 · connections 64 · cost 2.5/h',
        'Request: model mlp v3 · inputs input FP32 [1, 4] 4 values · outputs output · parameters {"priority":1}',
        'SLO: p95 ≤ 30 ms · p99 ≤ 50 ms · error rate ≤ 0.1% · rate ≥ 100 rps',
        'Phases:',
        `  #  name    start  duration  ${col('load')}  arrival               requests  slo`,
        `  1  warmup  0s     5s        ${col('100 rps (0.5x)')}  constant              500       off`,
        `  2  ramp    5s     10s       ${col('200 rps (1x) → 1000 rps (5x)')}  constant              6000      scenario`,
        `  3  burst   15s    15s       ${col('200 rps (1x), bursts of 1000 rps (5x) for 1s every 5s')}  constant              4600      scenario`,
        `  4  bursty  30s    15s       ${col('400 rps (2x)')}  gamma (burstiness 4)  6000      p99 ≤ 80 ms · error rate ≤ 0.1% · rate ≥ 100 rps`,
        `  5  closed  45s    15s       ${col('16 concurrent (closed loop)')}  -                     -         scenario`,
        `  6  replay  1m     1s        ${col(trace)}  trace                 4         scenario`,
        'Expected requests: 17104 (open-loop phases; closed-loop phases send as fast as replies come)',
        'Faults:',
        '  at 30s for 5s: network +50 ms ± 10 ms',
        'Drill: recovery window 2s · compare window 5s',
      ].join('\n'),
    );
  });

  it('describes the demo against the embedded server', async () => {
    const text = describePlan(await loadScenario(join(repositoryRoot(), 'scenarios', 'demo.yaml')));
    expect(text).toContain('Target: embedded reference server · kserve-http (binary) · models mlp · timeout 10000 ms · max in flight 1024');
    expect(text).toContain('Request: model mlp · inputs input FP32 [1, 256] random · 16 random payloads');
    expect(text).toContain('SLO: p99 ≤ 50 ms · error rate ≤ 0.1%');
    expect(text).toMatch(/peak-5x +25s +15s +750 rps \(5x\) +poisson +11250 +scenario/);
    expect(text).toMatch(/^Expected requests: \d+$/m);
  });
});

describe('describePlan request counts', () => {
  it.each([
    ['10s', '37.5', 'constant', 375],
    ['500ms', '75', 'constant', 37],
    ['1s', '2.5', 'constant', 2],
    ['1s', '2.5', 'poisson', 3],
  ])('%s at %s rps with %s arrivals: %d requests, as the arrival process sends', (duration, rate, arrival, count) => {
    const text = describePlan(
      parseScenario(`request: {model: m, inputs: [{name: x, datatype: FP32, shape: [1]}]}\nphases: [{name: a, duration: ${duration}, rate: ${rate}, arrival: ${arrival}}]\n`, { baseDir: '.' }),
    );
    expect(text).toContain(`Expected requests: ${count}`);
  });
});

describe('describePlan of huge plans', () => {
  const phase = (i: number): string => `  - {name: p${i}, duration: 1s, rate: 5}\n`;
  const text = (n: number): string => `request: {model: m, inputs: [{name: x, datatype: FP32, shape: [1]}]}\nphases:\n${Array.from({ length: n }, (_, i) => phase(i)).join('')}`;

  it('a 200k-phase scenario (8.5 MB) is refused by the file-size limit before it is parsed', () => {
    expect(() => parseScenario(text(200_000), { file: 'huge.yaml', baseDir: '.' })).toThrow(expect.objectContaining({ details: [expect.stringMatching(/^huge\.yaml: has \d+ characters; files may have at most 1048576 bytes/)] }));
  });

  it('lays out a plan of 200k phases (built in code) without spreading its rows into a call', () => {
    const plan = parseScenario(text(1), { baseDir: '.' });
    const one = plan.phases[0]!;
    const phases = Array.from({ length: 200_000 }, (_, i) => ({ ...one, name: `p${i}`, startS: i }));
    const lines = describePlan({ ...plan, phases, durationS: phases.length }).split('\n');
    expect(lines.filter((l) => /^ {2}200000 +p199999 /.test(l))).toHaveLength(1);
    expect(lines.at(-1)).toBe('Expected requests: 1000000');
  });
});
