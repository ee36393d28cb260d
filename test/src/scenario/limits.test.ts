/**
 * Every numeric field of scenario and target files has a range, lists and strings have maxima, and what the
 * fields add up to is bounded (src/scenario/limits.ts). Each row is one field just past its limit (the
 * validator reports it with its path) or at its limit (accepted); the generated JSON Schema agrees wherever a
 * schema can see the value.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 as Ajv } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { scenarioJsonSchema, targetJsonSchema } from '../../../src/scenario/json-schema.js';
import { COUNT_LIMITS, FILE_LIMITS, MAX_DURATION_S, MAX_RATE_RPS, RANGES, TEXT_LIMITS, TOTAL_LIMITS } from '../../../src/scenario/limits.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { parseTarget } from '../../../src/scenario/parse-target.js';
import { parseTraceText } from '../../../src/scenario/parse-trace.js';
import { createRandom } from '../../../src/scenario/random.js';
import { formatDuration } from '../../../src/scenario/units.js';
import { repositoryRoot } from '../../../src/scenario/write-schemas.js';
import { makeTensorData } from '../../../src/targets/tensor-data.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const base = (): Doc => ({ request: { model: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }] }, phases: [{ name: 'a', duration: 10, rate: 5 }] });
const many = (n: number, item: (i: number) => unknown): unknown[] => Array.from({ length: n }, (_, i) => item(i));

/** problemsOf validates a scenario (written as JSON, which is YAML) and returns its problems without file and line. */
function problemsOf(doc: Doc): string[] {
  try {
    parseScenario(JSON.stringify(doc), { file: 's.yaml', baseDir: dir });
    return [];
  } catch (err) {
    if (!(err instanceof GauntletError)) throw err;
    return err.details.map((d) => d.replace(/^s\.yaml(:\d+)?: /, ''));
  }
}

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
const scenarioSchema = ajv.compile(scenarioJsonSchema());
const targetSchema = ajv.compile(targetJsonSchema());

/** [field, change to the base scenario, the problem (undefined: accepted), whether the JSON Schema sees it] */
type Row = [string, (s: Doc) => void, string | undefined, boolean];

const rows: Row[] = [
  // The examples.
  ['rate 1e12', (s) => (s.phases[0].rate = 1e12), 'phases[0].rate: must be <= 1000000, got 1000000000000', true],
  ['payloads 1e12', (s) => (s.request.payloads = 1e12), 'request.payloads: must be <= 10000, got 1000000000000', true],
  ['concurrency 1e12', (s) => (s.phases[0] = { name: 'a', duration: 10, concurrency: 1e12 }), 'phases[0].concurrency: must be <= 100000, got 1000000000000', true],
  ['peak_rps 1e12', (s) => (s.peak_rps = 1e12), 'peak_rps: must be <= 1000000, got 1000000000000', true],
  ['duration 1e308', (s) => (s.phases[0].duration = 1e308), 'phases[0].duration: must be <= 86400, got 1e+308', true],
  ['max_in_flight 1e12', (s) => (s.target = { protocol: 'kserve-http', url: 'http://h:1', max_in_flight: 1e12 }), 'target.max_in_flight: must be <= 100000, got 1000000000000', true],
  ['connections 1e12', (s) => (s.target = { protocol: 'kserve-http', url: 'http://h:1', max_in_flight: 100, connections: 1e12 }), 'target.connections: must be <= 10000, got 1000000000000', true],
  // Every other numeric field, just past its limit and at it.
  ['rate at the limit', (s) => (s.phases[0].rate = MAX_RATE_RPS), undefined, true],
  ['a multiple past the limit', (s) => ((s.peak_rps = 1000), (s.phases[0].rate = '2000x')), 'phases[0].rate: must be <= 1000000, got "2000x" (2000000 rps)', false],
  ['ramp to', (s) => (s.phases[0].rate = { from: 0, to: 2e6 }), 'phases[0].rate.to: must be <= 1000000, got 2000000', true],
  ['ramp from', (s) => (s.phases[0].rate = { from: 2e6, to: 0 }), 'phases[0].rate.from: must be <= 1000000, got 2000000', true],
  ['burst rate', (s) => (s.phases[0].burst = { every: 5, length: 1, rate: 2e6 }), 'phases[0].burst.rate: must be <= 1000000, got 2000000', true],
  ['burst every', (s) => (s.phases[0].burst = { every: 1e9, length: 1, rate: 10 }), 'phases[0].burst.every: must be <= 86400, got 1000000000', true],
  ['burst length below 1 ms', (s) => (s.phases[0].burst = { every: 1, length: 0.0001, rate: 10 }), 'phases[0].burst.length: must be >= 0.001, got 0.0001', true],
  ['burstiness', (s) => (s.phases[0].arrival = { type: 'gamma', burstiness: 1e6 }), 'phases[0].arrival.burstiness: must be <= 1000, got 1000000', true],
  ['burstiness 5e-324', (s) => (s.phases[0].arrival = { type: 'gamma', burstiness: 5e-324 }), 'phases[0].arrival.burstiness: must be >= 0.001, got 5e-324', true],
  ['burstiness at the limit', (s) => (s.phases[0].arrival = { type: 'gamma', burstiness: 1000 }), undefined, true],
  ['seed', (s) => (s.seed = 2 ** 60), 'seed: must be an integer, got 1152921504606847000', true],
  ['SLO p99_ms', (s) => (s.slo = { p99_ms: 1e9 }), 'slo.p99_ms: must be <= 3600000, got 1000000000', true],
  ['SLO min_rps', (s) => (s.slo = { min_rps: 1e9 }), 'slo.min_rps: must be <= 1000000, got 1000000000', true],
  ['a phase SLO max_ms', (s) => (s.phases[0].slo = { max_ms: 1e9 }), 'phases[0].slo.max_ms: must be <= 3600000, got 1000000000', true],
  ['shape dimension', (s) => (s.request.inputs[0].shape = [1, 1e9]), 'request.inputs[0].shape[1]: must be <= 16777216, got 1000000000', true],
  ['fault at', (s) => (s.faults = [{ at: 1e9, action: 'command', run: 'true' }]), 'faults[0].at: must be <= 86400, got 1000000000', true],
  ['fault timeout', (s) => (s.faults = [{ at: 1, action: 'command', run: 'true', timeout: 1e9 }]), 'faults[0].timeout: must be <= 86400, got 1000000000', true],
  ['fault latency_ms', (s) => (s.faults = [{ at: 1, duration: 2, action: 'network', latency_ms: 1e12 }]), 'faults[0].latency_ms: must be <= 3600000, got 1000000000000', true],
  ['drill window', (s) => (s.drill = { recovery_window: 1e6 }), 'drill.recovery_window: must be <= 3600, got 1000000', true],
  ['embedded timeout_ms', (s) => (s.target = { embedded: true, timeout_ms: 1e12 }), 'target.timeout_ms: must be <= 3600000, got 1000000000000', true],
  ['embedded restart_delay', (s) => (s.target = { embedded: true, replicas: 2, restart_delay: 1e9 }), 'target.restart_delay: must be <= 3600, got 1000000000', true],
  // Lists and strings.
  ['phases', (s) => (s.phases = many(COUNT_LIMITS.phases + 1, (i) => ({ name: `p${i}`, duration: 1, rate: 1 }))), 'phases: has 1001 items; at most 1000 (see "Limits" in docs/scenarios.md)', true],
  ['phases at the limit', (s) => (s.phases = many(COUNT_LIMITS.phases, (i) => ({ name: `p${i}`, duration: 1, rate: 1 }))), undefined, true],
  ['faults', (s) => (s.faults = many(COUNT_LIMITS.faults + 1, () => ({ at: 1, action: 'command', run: 'true' }))), 'faults: has 1001 items; at most 1000 (see "Limits" in docs/scenarios.md)', true],
  ['inputs', (s) => (s.request.inputs = many(COUNT_LIMITS.inputs + 1, (i) => ({ name: `i${i}`, datatype: 'FP32', shape: [1] }))), 'request.inputs: has 257 items; at most 256 (see "Limits" in docs/scenarios.md)', true],
  ['shape rank', (s) => (s.request.inputs[0].shape = many(COUNT_LIMITS.shapeRank + 1, () => 1)), 'request.inputs[0].shape: has 33 items; at most 32 (see "Limits" in docs/scenarios.md)', true],
  ['parameters', (s) => (s.request.parameters = Object.fromEntries(many(COUNT_LIMITS.parameters + 1, (i) => [`k${i}`, 1]) as [string, number][])), 'request.parameters: has 257 entries; at most 256 (see "Limits" in docs/scenarios.md)', true],
  ['a name', (s) => (s.name = 'n'.repeat(TEXT_LIMITS.name + 1)), 'name: must have at most 200 characters, got 201 (see "Limits" in docs/scenarios.md)', true],
  ['a description', (s) => (s.description = 'd'.repeat(TEXT_LIMITS.description + 1)), 'description: must have at most 10000 characters, got 10001 (see "Limits" in docs/scenarios.md)', true],
  // What the fields add up to (the schema cannot see these).
  ['the run length', (s) => (s.phases = many(25, (i) => ({ name: `p${i}`, duration: 3600, rate: 1 }))), 'phases: last 25h; a run may last at most 24h (see "Limits" in docs/scenarios.md)', false],
  ['the run length at the limit', (s) => (s.phases = many(24, (i) => ({ name: `p${i}`, duration: 3600, rate: 1 }))), undefined, false],
  [
    'the requests a phase plans',
    (s) => (s.phases[0] = { name: 'a', duration: MAX_DURATION_S, rate: MAX_RATE_RPS }),
    'phases[0]: plans 86400000000 requests (rate × duration); a run may plan at most 10000000000 (see "Limits" in docs/scenarios.md)',
    false,
  ],
  [
    'the requests a run plans',
    (s) => (s.phases = many(10, (i) => ({ name: `p${i}`, duration: 2 * 3600, rate: 200_000 }))),
    'phases: plan 14400000000 requests; a run may plan at most 10000000000 (see "Limits" in docs/scenarios.md)',
    false,
  ],
  [
    'the elements a shape implies',
    (s) => (s.request.inputs[0].shape = [4096, 4096, 4096]),
    'request.inputs[0].shape: [4096, 4096, 4096] has more than 16777216 elements; at most 16777216 per request (see "Limits" in docs/scenarios.md)',
    false,
  ],
  ['a shape with a 0 dimension', (s) => (s.request.inputs[0].shape = [0, 16_777_216, 16_777_216]), undefined, false],
  [
    'the elements of all inputs',
    (s) => (s.request.inputs = many(2, (i) => ({ name: `i${i}`, datatype: 'FP32', shape: [4096, 4096] }))),
    'request.inputs: add up to 33554432 tensor elements per request; at most 16777216 (see "Limits" in docs/scenarios.md)',
    false,
  ],
  [
    'random payloads to build',
    (s) => ((s.request.inputs[0].shape = [4096, 4096]), (s.request.payloads = 5)),
    'request.payloads: 5 random payloads of 67108928 bytes each are 335544640 bytes to build before the run; at most 268435456: give at most 3 payloads',
    false,
  ],
];

describe('every field has a range, and so do the totals', () => {
  it.each(rows)('%s', (_, change, expected, schemaSees) => {
    const doc = base();
    change(doc);
    expect(problemsOf(doc)).toEqual(expected === undefined ? [] : [expected]);
    if (schemaSees) expect(scenarioSchema(doc)).toBe(expected === undefined);
  });

  it('--duration-scale counts towards the run length', () => {
    const doc = base();
    doc.phases[0].duration = 3 * 3600;
    expect(() => parseScenario(JSON.stringify(doc), { file: 's.yaml', baseDir: dir, durationScale: 10 })).toThrow(
      expect.objectContaining({ details: ['s.yaml:1: phases: last 30h (with --duration-scale 10); a run may last at most 24h (see "Limits" in docs/scenarios.md)'] }),
    );
  });

  it.each([0, 0.0001, 1001, Number.NaN, Infinity])('--duration-scale %s is an invalid argument', (scale) => {
    expect(() => parseScenario(JSON.stringify(base()), { baseDir: dir, durationScale: scale })).toThrow(
      expect.objectContaining({ code: 'GAUNTLET_ERR_INVALID_ARGUMENT', message: `--duration-scale must be a number from 0.001 to 1000, got ${scale}` }),
    );
  });

  it('a huge request without payloads gets as many default payloads as fit', () => {
    const doc = base();
    doc.request.inputs[0].shape = [4096, 4096];
    expect(parseScenario(JSON.stringify(doc), { baseDir: dir }).request.payloads).toBe(Math.floor(TOTAL_LIMITS.payloadBytes / (4096 * 4096 * 4 + 64)));
    doc.request.inputs[0].data = 'zeros';
    expect(parseScenario(JSON.stringify(doc), { baseDir: dir }).request.payloads).toBe(16);
  });

  it('a shape of [1e9, 1e9] is two problems, not an allocation, and tensor data made in code refuses it too', () => {
    const doc = base();
    doc.request.inputs[0].shape = [1e9, 1e9];
    expect(problemsOf(doc)).toEqual(['request.inputs[0].shape[0]: must be <= 16777216, got 1000000000', 'request.inputs[0].shape[1]: must be <= 16777216, got 1000000000']);
    expect(() => makeTensorData({ name: 'x', datatype: 'FP32', shape: [1e9, 1e9], data: { kind: 'zeros' } }, createRandom(1))).toThrow(
      expect.objectContaining({ code: 'GAUNTLET_ERR_INVALID_CONFIG', message: 'input.shape: [1000000000, 1000000000] has 1000000000000000000 elements; at most 16777216' }),
    );
  });

  it.each([
    ['max_in_flight', { max_in_flight: 1e12 }, 'max_in_flight: must be <= 100000, got 1000000000000'],
    ['connections', { max_in_flight: 100_000, connections: 20_000 }, 'connections: must be <= 10000, got 20000'],
    ['timeout_ms', { timeout_ms: 3_600_001 }, 'timeout_ms: must be <= 3600000, got 3600001'],
    ['cost_per_hour', { cost_per_hour: 1e7 }, 'cost_per_hour: must be <= 1000000, got 10000000'],
    ['a url', { url: `http://h:1/${'x'.repeat(TEXT_LIMITS.text)}` }, 'url: must have at most 4096 characters, got 4107 (see "Limits" in docs/scenarios.md)'],
    ['at the limits', { max_in_flight: 100_000, connections: 10_000, timeout_ms: 3_600_000, cost_per_hour: 1e6 }, undefined],
  ])('target %s', (_, fields, expected) => {
    const doc = { protocol: 'kserve-http', url: 'http://h:1', ...fields };
    let details: string[] = [];
    try {
      parseTarget(JSON.stringify(doc), 't.yaml');
    } catch (err) {
      details = (err as GauntletError).details.map((d) => d.replace(/^t\.yaml:\d+: /, ''));
    }
    expect(details).toEqual(expected === undefined ? [] : [expected]);
    expect(targetSchema(doc)).toBe(expected === undefined);
  });
});

describe('trace files', () => {
  it('have at most a number of send times, counted while they are read', () => {
    expect(parseTraceText('0\n1\n2\n', 3)).toMatchObject({ ok: true, value: { offsetsS: [0, 1, 2] } });
    expect(parseTraceText('0\n1\n2\n3\n', 3)).toEqual({ ok: false, message: 'has more than 3 send times; at most 3 (see "Limits" in docs/scenarios.md)' });
    expect(FILE_LIMITS.traceSends).toBe(2_000_000);
  });

  it('refuse a number of seconds that is not finite', () => {
    expect(parseTraceText('0\n1e400\n')).toEqual({ ok: false, message: 'line 2: "1e400" is too large a number of seconds' });
  });

  it('spanning more than a run may last, need a duration', () => {
    writeFileSync(join(dir, 'long.csv'), `0\n${MAX_DURATION_S + 1}\n`);
    const doc = base();
    doc.phases[0] = { name: 'replay', trace: 'long.csv' };
    expect(problemsOf(doc)).toEqual(['phases: last 24h1s; a run may last at most 24h (see "Limits" in docs/scenarios.md)']);
    doc.phases[0].duration = 60;
    expect(problemsOf(doc)).toEqual([]);
  });

  it('with speed, replay within the same limits', () => {
    writeFileSync(join(dir, 'short.csv'), '0\n10\n');
    const doc = base();
    doc.phases[0] = { name: 'replay', trace: 'short.csv', speed: 0.0001 };
    expect(problemsOf(doc)).toEqual(['phases[0].speed: must be >= 0.001, got 0.0001']);
    doc.phases[0].speed = RANGES['phases[].speed'].min; // 10 s of trace last 2h46m40s
    expect(problemsOf(doc)).toEqual([]);
  });
});

describe('docs/scenarios.md', () => {
  const doc = readFileSync(join(repositoryRoot(), 'docs', 'scenarios.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## Limits'), doc.indexOf('\n## Editor support'));
  const rows = section.split('\n').filter((l) => l.startsWith('|'));
  const shown = (v: number): string[] => [v.toLocaleString('en-US'), formatDuration(v), `${v / 1048576} MiB`];

  it.each(Object.entries(RANGES))('lists the range of %s under Limits', (key, b) => {
    const name = key.replace(/^(phases\[\]\.|target\.|faults\[\]\.)/, '');
    const row = rows.filter((r) => r.split('|')[1]!.includes(name) && (b.max === Number.MAX_SAFE_INTEGER || shown(b.max).some((v) => r.includes(v))));
    expect(row, `a row for ${name} with its maximum ${b.max}`).not.toHaveLength(0);
  });

  it('lists every count, length, file and total limit under Limits', () => {
    for (const v of [...Object.values(COUNT_LIMITS), ...Object.values(TEXT_LIMITS), ...Object.values(FILE_LIMITS), ...Object.values(TOTAL_LIMITS)]) {
      expect(shown(v).some((s) => section.includes(s)), `limit ${v}`).toBe(true);
    }
  });
});
