import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { loadScenario, parseScenario } from '../../../src/scenario/parse-scenario.js';
import { loadTarget, parseTarget } from '../../../src/scenario/parse-target.js';
import { parseTraceText } from '../../../src/scenario/parse-trace.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-scenario-'));
mkdirSync(join(dir, 'targets'));
mkdirSync(join(dir, 'traces'));
writeFileSync(join(dir, 'traces', 'prod.csv'), 'sent_at,status\n0,200\n0.5,200\n2,200\n1.5,503\n4,200\n');
writeFileSync(join(dir, 'targets', 'grpc.yaml'), 'name: remote\nprotocol: kserve-grpc\nurl: grpc://10.0.0.5:8001\nmodel: resnet\nmodel_version: "2"\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ISSUE_EXAMPLE = `
name: peak-5x
description: optional text
peak_rps: 200
seed: 42
target: {embedded: true, replicas: 3}
request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 256], data: random}]}
slo: {p99_ms: 50, p95_ms: 30, error_rate: 0.001}
phases:
  - {name: warmup, duration: 10s, rate: 0.5x, slo: off}
  - {name: steady, duration: 30s, rate: 1x, arrival: poisson}
  - {name: ramp,   duration: 20s, rate: {from: 1x, to: 5x}}
  - {name: peak-5x, duration: 30s, rate: 5x}
  - {name: burst,  duration: 30s, rate: 1x, burst: {every: 10s, length: 2s, rate: 5x}}
  - {name: bursty, duration: 30s, rate: 2x, arrival: {type: gamma, burstiness: 4}, slo: {p99_ms: 80, p95_ms: null}}
  - {name: closed, duration: 30s, concurrency: 16}
  - {name: replay, trace: traces/prod.csv, speed: 2.0}
faults:
  - {at: 1m, duration: 10s, action: kill-replica, replica: r1}
`;

describe('parseScenario', () => {
  const slo = { p99Ms: 50, p95Ms: 30, errorRate: 0.001 };

  it('reads the example of every phase kind into a Plan', () => {
    const plan = parseScenario(ISSUE_EXAMPLE, { file: 'peak.yaml', baseDir: dir });
    expect(plan).toMatchObject({ name: 'peak-5x', description: 'optional text', file: 'peak.yaml', seed: 42, peakRps: 200, slo, durationScale: 1 });
    expect(plan.target).toEqual({ embedded: true, protocol: 'kserve-http', binary: true, timeoutMs: 10000, maxInFlight: 1024, models: ['mlp'], replicas: 3 });
    expect(plan.request).toEqual({ model: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 256], data: { kind: 'random' } }], payloads: 16 });
    const open = (shape: object, arrival: object = { type: 'constant' }): object => ({ kind: 'open', shape, arrival });
    expect(plan.phases).toEqual([
      { name: 'warmup', startS: 0, durationS: 10, load: open({ type: 'constant', rps: 100 }), slo: null },
      { name: 'steady', startS: 10, durationS: 30, load: open({ type: 'constant', rps: 200 }, { type: 'poisson' }), slo },
      { name: 'ramp', startS: 40, durationS: 20, load: open({ type: 'ramp', fromRps: 200, toRps: 1000 }), slo },
      { name: 'peak-5x', startS: 60, durationS: 30, load: open({ type: 'constant', rps: 1000 }), slo },
      { name: 'burst', startS: 90, durationS: 30, load: open({ type: 'burst', baseRps: 200, burstRps: 1000, everyS: 10, lengthS: 2 }), slo },
      { name: 'bursty', startS: 120, durationS: 30, load: open({ type: 'constant', rps: 400 }, { type: 'gamma', burstiness: 4 }), slo: { p99Ms: 80, errorRate: 0.001 } },
      { name: 'closed', startS: 150, durationS: 30, load: { kind: 'closed', concurrency: 16 }, slo },
      { name: 'replay', startS: 180, durationS: 2, load: open({ type: 'trace', file: join(dir, 'traces/prod.csv'), offsetsS: [0, 0.5, 1.5, 2, 4], speed: 2 }), slo },
    ]);
    expect(plan.durationS).toBe(182);
    expect(plan.faults).toEqual([{ atS: 60, durationS: 10, action: 'kill-replica', params: { replica: 'r1' } }]);
  });

  it('--duration-scale multiplies phase, burst and fault durations; a trace is cut, not sped up', () => {
    const plan = parseScenario(ISSUE_EXAMPLE, { file: 'peak.yaml', baseDir: dir, durationScale: 0.1 });
    expect(plan.phases.map((p) => p.durationS)).toEqual([1, 3, 2, 3, 3, 3, 3, 0.2].map((d) => expect.closeTo(d, 9)));
    expect(plan.phases[4]!.load).toMatchObject({ shape: { everyS: 1, lengthS: 0.2 } });
    expect(plan.phases[7]!.load).toMatchObject({ shape: { offsetsS: [0, 0.5, 1.5, 2, 4], speed: 2 } });
    expect(plan.faults[0]).toMatchObject({ atS: 6, durationS: 1 });
    expect(plan.durationScale).toBe(0.1);
  });

  it.each([0, -1, NaN, Infinity])('rejects a duration scale of %d', (scale) => {
    expect(() => parseScenario(ISSUE_EXAMPLE, { baseDir: dir, durationScale: scale })).toThrow(
      expect.objectContaining({ code: 'GAUNTLET_ERR_INVALID_ARGUMENT' }) as GauntletError,
    );
  });

  it('defaults: name from the file, seed 1, no peak, constant arrivals, empty SLO', () => {
    const plan = parseScenario('request: {model: m, inputs: [{name: x, datatype: INT64, shape: [2], data: [1, 2]}]}\nphases: [{name: a, duration: 90, rate: 150rps}]\n', {
      file: 'dir/quick.yaml',
      baseDir: dir,
    });
    expect(plan).toMatchObject({ name: 'quick', seed: 1, slo: {}, faults: [], durationS: 90 });
    expect(plan.peakRps).toBeUndefined();
    expect(plan.request.inputs[0]!.data).toEqual({ kind: 'values', values: [1, 2] });
    expect(plan.phases[0]!.load).toEqual({ kind: 'open', shape: { type: 'constant', rps: 150 }, arrival: { type: 'constant' } });
  });

  it('reads a target file relative to the scenario, and takes the model from it', () => {
    const plan = parseScenario('target: targets/grpc.yaml\nrequest: {inputs: [{name: x, datatype: FP32, shape: [1]}]}\nphases: [{name: a, duration: 1s, rate: 5}]\n', { baseDir: dir });
    expect(plan.target).toEqual({
      name: 'remote',
      protocol: 'kserve-grpc',
      url: 'grpc://10.0.0.5:8001',
      model: 'resnet',
      modelVersion: '2',
      binary: true,
      timeoutMs: 10000,
      maxInFlight: 1024,
      connections: 0,
      file: join(dir, 'targets/grpc.yaml'),
    });
    expect(plan.request).toMatchObject({ model: 'resnet', modelVersion: '2' });
  });

  it('--target replaces the scenario target, and the request model wins over the target model', () => {
    const text = 'target: targets/missing.yaml\nrequest: {model: mlp, inputs: [{name: x, datatype: FP32, shape: [1]}]}\nphases: [{name: a, duration: 1s, rate: 5}]\n';
    const plan = parseScenario(text, { baseDir: dir, targetOverride: join(dir, 'targets', 'grpc.yaml') });
    expect(plan.target).toMatchObject({ name: 'remote', protocol: 'kserve-grpc' });
    expect(plan.request.model).toBe('mlp');
  });

  it('reads inline targets: embedded over gRPC, and plain http with a JSON body', () => {
    const req = 'request: {model: mlp, inputs: [{name: x, datatype: FP32, shape: [1]}]}\nphases: [{name: a, duration: 1s, rate: 5}]\n';
    const grpc = parseScenario(`target: {embedded: true, protocol: kserve-grpc}\n${req}`, { baseDir: dir });
    expect(grpc.target).toEqual({ embedded: true, protocol: 'kserve-grpc', binary: true, timeoutMs: 10000, maxInFlight: 1024, models: ['mlp'] });
    const http = parseScenario('target: {protocol: http, url: "http://127.0.0.1:9000", path: /predict, body: {x: [1, 2]}}\nphases: [{name: a, duration: 1s, rate: 5}]\n', { baseDir: dir });
    expect(http.target).toMatchObject({
      name: 'target',
      protocol: 'http',
      http: { method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: '{"x":[1,2]}' },
    });
    expect(http.request).toEqual({ inputs: [], payloads: 16 });
  });
});

describe('targets', () => {
  it.each([
    ['targets/reference-http.yaml', { name: 'reference-http', protocol: 'kserve-http', url: 'http://127.0.0.1:8000', model: 'mlp', binary: true, metricsUrl: 'http://127.0.0.1:8002/metrics' }],
    ['targets/reference-grpc.yaml', { name: 'reference-grpc', protocol: 'kserve-grpc', url: '127.0.0.1:8001', model: 'mlp' }],
  ])('%s loads', async (file, expected) => {
    expect(await loadTarget(file)).toMatchObject({ ...expected, timeoutMs: 10000, maxInFlight: 1024, connections: 0, file });
  });

  it('parseTarget applies the defaults and reads an http target', () => {
    expect(parseTarget('protocol: http\nurl: http://h:80\npath: /v1/x\nheaders: {X-N: 5}\n', 'h.yaml')).toEqual({
      name: 'h',
      protocol: 'http',
      url: 'http://h:80',
      binary: true,
      timeoutMs: 10000,
      maxInFlight: 1024,
      connections: 0,
      file: 'h.yaml',
      http: { method: 'GET', path: '/v1/x', headers: { 'X-N': '5' } },
    });
  });

  it('loadTarget reports an unreadable file as a problem', async () => {
    await expect(loadTarget(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'GAUNTLET_ERR_INVALID_CONFIG', details: [`${join(dir, 'nope.yaml')}: cannot read the file (ENOENT)`] });
  });

  it('loadScenario reports an unreadable file as a problem', async () => {
    await expect(loadScenario(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'GAUNTLET_ERR_INVALID_CONFIG' });
  });
});

describe('trace files', () => {
  it.each<[string, string, number[]]>([
    ['seconds, in any order', '0.5\n0\n2\n1.25\n', [0, 0.5, 1.25, 2]],
    ['seconds not starting at 0 keep their offset', '3\n4\n', [3, 4]],
    ['a CSV with a header, comments and blank lines', 'time,status\n# warm\n0.1,200\n\n0.3,500 # slow\n', [0.1, 0.3]],
    ['ISO timestamps relative to the first', '2024-05-01T12:00:01.5Z\n2024-05-01T12:00:00Z\n2024-05-01T12:00:00.250125Z\n', [0, 0.250125, 1.5]],
    ['timestamps with offsets', '2024-05-01T12:00:00+02:00\n2024-05-01T10:00:02Z\n', [0, 2]],
  ])('%s', (_, text, expected) => {
    const r = parseTraceText(text);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.offsetsS.map((v) => Math.round(v * 1e6) / 1e6)).toEqual(expected);
  });

  it.each([
    ['', 'has no send times'],
    ['time\n', 'has no send times'],
    ['0\n2024-05-01T12:00:00Z\n', 'line 2: mixes seconds and timestamps'],
    ['0\n-1\n', 'line 2: "-1" is neither seconds nor an ISO timestamp'],
  ])('rejects %j', (text, message) => {
    expect(parseTraceText(text)).toEqual({ ok: false, message });
  });
});

describe('a closed loop within the target', () => {
  it('refuses a concurrency above the target max_in_flight (the generator would silently keep fewer outstanding)', () => {
    const text = `
request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 16], data: random}]}
target: {embedded: true, max_in_flight: 64}
phases:
  - {name: fits, duration: 1s, concurrency: 64}
  - {name: over, duration: 1s, concurrency: 65}
`;
    expect(() => parseScenario(text, { file: 'c.yaml', baseDir: dir })).toThrow(
      expect.objectContaining({ details: ["c.yaml:6: phases[1].concurrency: 65 is more than the target's max_in_flight (64), which bounds the requests outstanding: raise max_in_flight in the target"] }),
    );
  });
});
