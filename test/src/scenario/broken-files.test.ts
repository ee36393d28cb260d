/**
 * Broken scenario and target files, each with the exact problems expected: every problem is reported, with its
 * path and the file's line, in one GAUNTLET_ERR_INVALID_CONFIG.
 */
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { loadScenario, parseScenario } from '../../../src/scenario/parse-scenario.js';
import { loadTarget, parseTarget } from '../../../src/scenario/parse-target.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-broken-'));
mkdirSync(join(dir, 'targets'));
mkdirSync(join(dir, 'traces'));
writeFileSync(
  join(dir, 'targets', 'bad.yaml'),
  'name: bad\nprotocol: kserve-http\nurl: ftp://example.com:8000\ntimeout_ms: 0\nmax_in_flight: 10\nconnections: 20\nmethod: POST\ncolour: blue\n',
);
writeFileSync(join(dir, 'traces', 'bad.csv'), 'time\n0.5\n0.25\nnot-a-time\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** problemsOf returns the message and details of the error a parse throws. */
function problemsOf(parse: () => unknown): { message: string; details: string[] } {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof GauntletError) || err.code !== 'GAUNTLET_ERR_INVALID_CONFIG') throw err;
    return { message: err.message, details: err.details };
  }
  throw new Error('expected the file to be rejected');
}

const REQ = 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\n';
const ONE = 'phases:\n  - {name: a, duration: 1s, rate: 5}\n';

const scenarios: [string, string, string[]][] = [
  ['a rate of 0', REQ + 'phases:\n  - {name: a, duration: 10s, rate: 0}\n', ['bad.yaml:3: phases[0].rate: must be > 0, got 0']],
  ['a multiple without peak_rps', REQ + 'phases:\n  - {name: a, duration: 10s, rate: 2x}\n', ['bad.yaml:3: phases[0].rate: "2x" is a multiple of peak_rps, but peak_rps is not set']],
  ['a misspelt top-level field', REQ + 'phase:\n  - {name: a, duration: 10s, rate: 5}\n', ['bad.yaml:1: phases: is required', 'bad.yaml:2: phase: unknown field (did you mean phases?)']],
  [
    'a duration with a space',
    REQ + 'phases:\n  - name: a\n    duration: 10 sec\n    rate: 5\n',
    ['bad.yaml:4: phases[0].duration: must be a duration like 500ms, 10s, 2m, 1h, 1m30s or a number of seconds, got "10 sec"'],
  ],
  ['rate and concurrency together', REQ + 'phases:\n  - {name: a, duration: 10s, rate: 5, concurrency: 4}\n', ['bad.yaml:3: phases[0]: has rate and concurrency: give exactly one of rate, concurrency or trace']],
  ['no load at all', REQ + 'phases:\n  - {name: a, duration: 10s}\n', ['bad.yaml:3: phases[0]: needs one of rate, concurrency or trace']],
  ['a duplicate phase name', REQ + 'phases:\n  - {name: a, duration: 10s, rate: 5}\n  - {name: a, duration: 10s, rate: 5}\n', ['bad.yaml:4: phases[1].name: duplicate phase name "a" (also phases[0])']],
  [
    'a burst as long as its period',
    REQ + 'peak_rps: 100\nphases:\n  - {name: a, duration: 30s, rate: 1x, burst: {every: 5s, length: 5s, rate: 5x}}\n',
    ['bad.yaml:4: phases[0].burst.length: must be shorter than every (5s), got 5s'],
  ],
  [
    'arrival processes',
    REQ +
      'phases:\n  - {name: a, duration: 10s, rate: 5, arrival: gamma}\n  - {name: b, duration: 10s, rate: 5, arrival: {type: gamma, burstiness: 0}}\n' +
      '  - {name: c, duration: 10s, rate: 5, arrival: {type: poisson, burstiness: 2}}\n  - {name: d, duration: 10s, rate: 5, arrival: uniform}\n',
    [
      'bad.yaml:3: phases[0].arrival: gamma needs a burstiness: write {type: gamma, burstiness: 4}',
      'bad.yaml:4: phases[1].arrival.burstiness: must be >= 0.001, got 0',
      'bad.yaml:5: phases[2].arrival.burstiness: is only for gamma arrivals',
      'bad.yaml:6: phases[3].arrival: must be one of constant, poisson, gamma, got "uniform"',
    ],
  ],
  [
    'closed-loop phases',
    REQ + 'phases:\n  - {name: a, duration: 10s, concurrency: 0}\n  - {name: b, duration: 10s, concurrency: 1.5, arrival: poisson}\n',
    ['bad.yaml:3: phases[0].concurrency: must be >= 1, got 0', 'bad.yaml:4: phases[1].arrival: is only for phases with a rate', 'bad.yaml:4: phases[1].concurrency: must be an integer, got 1.5'],
  ],
  [
    'ramps',
    REQ + 'phases:\n  - {name: a, duration: 10s, rate: {from: 0, to: 0}}\n  - {name: b, duration: 10s, rate: {from: -1, to: 5, by: 2}}\n',
    ['bad.yaml:3: phases[0].rate: from and to cannot both be 0', 'bad.yaml:4: phases[1].rate.by: unknown field (did you mean to?)', 'bad.yaml:4: phases[1].rate.from: must be >= 0, got -1'],
  ],
  [
    'request inputs',
    'request:\n  model: mlp\n  inputs:\n    - {name: x, datatype: FP32, shape: [2, 2], data: [1, 2, 3]}\n    - {name: y, datatype: INT8, shape: [3], data: [1, 300, 2.5]}\n' +
      '    - {name: z, datatype: FP32, shape: [-1, 2.5]}\n    - {name: x, datatype: FLOAT, shape: [1]}\n' +
      ONE,
    [
      'bad.yaml:4: request.inputs[0].data: has 3 elements, but shape [2, 2] needs 4',
      'bad.yaml:5: request.inputs[1].data[1]: must be an integer within the range of INT8, got 300 (and 1 more)',
      'bad.yaml:6: request.inputs[2].shape[0]: must be an integer >= 0, got -1',
      'bad.yaml:6: request.inputs[2].shape[1]: must be an integer >= 0, got 2.5',
      'bad.yaml:7: request.inputs[3].datatype: must be one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, BF16, FP32, FP64, BYTES, got "FLOAT"',
    ],
  ],
  [
    'nested data of the wrong size and type',
    'request:\n  model: m\n  inputs:\n    - name: b\n      datatype: BOOL\n      shape: [2, 2]\n      data:\n        - [true, false]\n        - [1, true]\n    - {name: s, datatype: BYTES, shape: [1], data: ones}\n' + ONE,
    ['bad.yaml:9: request.inputs[0].data[1][0]: must be true or false for BOOL, got 1', 'bad.yaml:10: request.inputs[1].data: ones is only for numeric and BOOL datatypes'],
  ],
  ['no phases', REQ + 'phases: []\n', ['bad.yaml:2: phases: must have at least one phase']],
  ['peak_rps of 0', REQ + 'peak_rps: 0\nphases:\n  - {name: a, duration: 1s, rate: 2x}\n', ['bad.yaml:2: peak_rps: must be > 0, got 0']],
  [
    'SLO thresholds',
    REQ + 'slo: {p99_ms: -1, p99: 5, error_rate: 2}\nphases:\n  - {name: a, duration: 1s, rate: 5, slo: on}\n  - {name: b, duration: 1s, rate: 5, slo: {p95_ms: null, max_ms: 0}}\n',
    [
      'bad.yaml:2: slo.p99: unknown field (allowed: p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms, error_rate, bad_output_rate, min_rps, ttft_ms, itl_ms, tpot_ms, e2e_ms, ttft_p99_ms, itl_p99_ms, tpot_p99_ms, min_output_tokens_per_s, min_goodput)',
      'bad.yaml:2: slo.p99_ms: must be > 0, got -1',
      'bad.yaml:2: slo.error_rate: must be <= 1, got 2',
      'bad.yaml:4: phases[0].slo: must be off or a mapping of thresholds, got "on"',
      'bad.yaml:5: phases[1].slo.max_ms: must be > 0, got 0',
    ],
  ],
  ['a YAML syntax error', REQ + 'phases:\n  - {name: a, duration: 1s, rate: 5\n', ['bad.yaml:4: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }']],
  ['a duplicate key', REQ + 'seed: 1\nseed: 2\n' + ONE, ['bad.yaml:3: YAML syntax: Map keys must be unique']],
  [
    'a target file with problems',
    REQ + 'target: targets/bad.yaml\n' + ONE,
    [
      `${dir}/targets/bad.yaml:3: url: must be a URL like http://127.0.0.1:8000, got "ftp://example.com:8000"`,
      `${dir}/targets/bad.yaml:4: timeout_ms: must be >= 1, got 0`,
      `${dir}/targets/bad.yaml:6: connections: must be <= max_in_flight (10), got 20`,
      `${dir}/targets/bad.yaml:7: method: is only for protocol http`,
      `${dir}/targets/bad.yaml:8: colour: unknown field (allowed: name, protocol, url, timeout_ms, max_in_flight, connections, metrics_url, cost_per_hour, headers, bearer_token_env, tls, model, model_version, binary, method, path, body, endpoint, stream, include_usage, api_key_env, token_timeout_ms)`,
    ],
  ],
  ['a missing target file', REQ + 'target: targets/nope.yaml\n' + ONE, [`${dir}/targets/nope.yaml: cannot read the file (ENOENT)`]],
  ['no model for the embedded server', 'request: {inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\n' + ONE, ['bad.yaml:1: request.model: is required (the embedded reference server needs a model)']],
  ['no request for a KServe target', ONE, ['bad.yaml:1: request: is required for kserve-http targets']],
  [
    'faults',
    REQ + 'phases:\n  - {name: a, duration: 10s, rate: 5}\nfaults:\n  - {at: 5s, duration: 0s, replica: 1}\n  - {at: 20s, action: kill}\n  - {at: 2s, action: kill-replica, replica: 1}\n',
    [
      'bad.yaml:5: faults[0].duration: must be > 0, got "0s"',
      'bad.yaml:5: faults[0].action: is required (one of kill-replica, stop-replica, restore-replica, command, network, kubernetes, load-model, unload-model, set-version-policy)',
      'bad.yaml:6: faults[1].action: must be one of kill-replica, stop-replica, restore-replica, command, network, kubernetes, load-model, unload-model, set-version-policy, got "kill"',
      'bad.yaml:6: faults[1].at: is not before the run ends (10s), got "20s"',
      'bad.yaml:7: faults[2].action: kill-replica needs a replicated embedded stack: write target: {embedded: true, replicas: 3}',
      'bad.yaml:7: faults[2].replica: must be any or a replica id like r1, got 1',
    ],
  ],
  [
    'trace phases',
    REQ + 'phases:\n  - {name: a, trace: traces/bad.csv}\n  - {name: b, trace: traces/none.csv, speed: 0}\n  - {name: c, duration: 5s, rate: 5, speed: 2}\n',
    [
      `bad.yaml:3: phases[0].trace: ${dir}/traces/bad.csv: line 4: "not-a-time" is neither seconds nor an ISO timestamp`,
      'bad.yaml:4: phases[1].speed: must be >= 0.001, got 0',
      `bad.yaml:4: phases[1].trace: ${dir}/traces/none.csv: cannot read the file (ENOENT)`,
      'bad.yaml:5: phases[2].speed: is only for trace phases',
    ],
  ],
  [
    'an inline http target',
    REQ + 'target: {protocol: http, url: "localhost:80", model: mlp}\n' + ONE,
    ['bad.yaml:2: target.model: is only for kserve-http, kserve-grpc and openai targets', 'bad.yaml:2: target.url: must be a URL like http://127.0.0.1:8000, got "localhost:80"', 'bad.yaml:2: target.path: is required'],
  ],
  [
    'an embedded target',
    REQ + 'target: {embedded: yes, protocol: kserve-grpc, binary: false, models: [cnn]}\n' + ONE,
    [
      'bad.yaml:2: target.embedded: must be true (or write a target with protocol and url), got "yes"',
      'bad.yaml:2: target.binary: is only for kserve-http targets (gRPC is always binary)',
      'bad.yaml:2: target.models: must include the request\'s model "mlp"',
    ],
  ],
  ['a list instead of a mapping', '- a\n- b\n', ['bad.yaml:1: must be a mapping of scenario fields, got a list']],
  ['an empty file', '', ['bad.yaml: the file is empty']],
  ['only comments', '# nothing here\n\n', ['bad.yaml: the file is empty']],
  // Hostile YAML: each is a problem with its line, never an exception, a stack overflow or a hang.
  [
    'an alias bomb (billion laughs)',
    REQ + ONE + 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n' + 'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${`*${'abcdefghi'[i]}, `.repeat(8)}*${'abcdefghi'[i]}]\n`).join(''),
    ['bad.yaml:8: e[5]: has more than 50000 YAML values once aliases are expanded (*d repeats 7381: an alias bomb?); at most 50000 (see "Limits" in docs/scenarios.md)'],
  ],
  ['an alias that contains itself', REQ + 'phases: &p [{name: a, duration: 1s, rate: 5}, *p]\n', ['bad.yaml:2: phases[1]: *p refers to a list or mapping that contains it (a cycle)']],
  ['an alias without an anchor', REQ + 'phases: *nope\n', ['bad.yaml:2: phases: *nope names no anchor before it']],
  ['a 100,000-deep list', `phases: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, ['bad.yaml: has more than 50000 YAML values (scalars, lists and mappings); at most 50000 (see "Limits" in docs/scenarios.md)']],
  ['a 1,000-deep list', REQ + `phases: ${'['.repeat(1000)}${']'.repeat(1000)}\n`, ['bad.yaml:2: nests lists and mappings more than 64 levels deep']],
  ['a 5,000-deep block list', REQ + `phases:\n${'- '.repeat(5000)}x\n`, ['bad.yaml:3: nests lists and mappings more than 64 levels deep']],
  [
    'data nested past the limit through aliases',
    'x: &x [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\ny: &y [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*x]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n' + ONE,
    ['bad.yaml:2: y[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: *x nests lists and mappings more than 64 levels deep'],
  ],
  ['too many values', `phases: [${'0,'.repeat(60_000)}0]\n`, ['bad.yaml: has more than 50000 YAML values (scalars, lists and mappings); at most 50000 (see "Limits" in docs/scenarios.md)']],
  ['two documents', REQ + ONE + '---\nseed: 2\n', ['bad.yaml:4: YAML syntax: a file holds one document, but another one starts here']],
  ['a list as a key', REQ + 'phases:\n  - {[a]: b, duration: 1s, rate: 5}\n', ['bad.yaml:3: phases[0]: mapping keys must be strings, got a list']],
  ['__proto__ as a key', REQ + ONE + '__proto__: {polluted: true}\n', ['bad.yaml:4: __proto__: unknown field (allowed: name, description, target, peak_rps, seed, request, slo, phases, faults, drill, start_at, faults_on, alerts)']],
  ['a huge string value', REQ + ONE + `seed: "${'x'.repeat(5000)}"\n`, ['bad.yaml:4: seed: must be an integer, got "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" (5000 characters)']],
  ['a text past the size limit', `description: "${'x'.repeat(1 << 20)}"\n`, ['bad.yaml: has 1048592 characters; files may have at most 1048576 bytes (see "Limits" in docs/scenarios.md)']],
];

describe('broken scenarios report every problem, with paths and lines', () => {
  it.each(scenarios)('%s', (_, text, expected) => {
    const { message, details } = problemsOf(() => parseScenario(text, { file: 'bad.yaml', baseDir: dir }));
    expect(details).toEqual(expected);
    expect(message).toBe(`scenario bad.yaml has ${expected.length} problem${expected.length === 1 ? '' : 's'}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('lists at most 1000 problems, then counts the rest', () => {
    const text = `${REQ}phases:\n${Array.from({ length: 1001 }, () => '  - {name: a, duration: 1s, rate: 0}\n').join('')}`;
    const { message, details } = problemsOf(() => parseScenario(text, { file: 'bad.yaml', baseDir: dir }));
    expect(message).toBe('scenario bad.yaml has 1 problem');
    expect(details).toEqual(['bad.yaml:2: phases: has 1001 items; at most 1000 (see "Limits" in docs/scenarios.md)']);
    const many = `${REQ}phases:\n${Array.from({ length: 1000 }, (_, i) => `  - {name: p${i}, duration: 1s, rate: 0, concurrency: 0}\n`).join('')}`;
    const all = problemsOf(() => parseScenario(many, { file: 'bad.yaml', baseDir: dir }));
    expect(all.message).toBe('scenario bad.yaml has 2000 problems');
    expect(all.details).toHaveLength(1001);
    expect(all.details[1000]).toBe('… and 1000 more problems');
  });

  it('a file with many mistakes reports all of them, in line order', () => {
    const text = [
      'name: many',
      'peak_rps: -5',
      'request:',
      '  model: mlp',
      '  inputs:',
      '    - {name: input, datatype: FP32, shape: [1, 4], data: [1, 2]}',
      'phases:',
      '  - {name: warm, duration: 0s, rate: 1x}',
      '  - {name: warm, duration: 10s, rate: 0}',
      '  - {name: c, duration: 10s, concurrency: 0}',
      '  - {name: d, durations: 10s, rate: 5}',
      '',
    ].join('\n');
    const { message, details } = problemsOf(() => parseScenario(text, { file: 'many.yaml', baseDir: dir }));
    expect(message).toBe('scenario many.yaml has 8 problems');
    expect(details).toEqual([
      'many.yaml:2: peak_rps: must be > 0, got -5',
      'many.yaml:6: request.inputs[0].data: has 2 elements, but shape [1, 4] needs 4',
      'many.yaml:8: phases[0].duration: must be > 0, got "0s"',
      'many.yaml:9: phases[1].rate: must be > 0, got 0',
      'many.yaml:9: phases[1].name: duplicate phase name "warm" (also phases[0])',
      'many.yaml:10: phases[2].concurrency: must be >= 1, got 0',
      'many.yaml:11: phases[3].durations: unknown field (did you mean duration?)',
      'many.yaml:11: phases[3].duration: is required',
    ]);
  });

  it('scenario and --target problems are reported together', () => {
    const { details } = problemsOf(() =>
      parseScenario(REQ + 'phases:\n  - {name: a, duration: 1s, rate: 0}\n', { file: 'bad.yaml', baseDir: dir, targetOverride: join(dir, 'targets', 'bad.yaml') }),
    );
    expect(details).toHaveLength(6);
    expect(details[0]).toBe('bad.yaml:3: phases[0].rate: must be > 0, got 0');
    expect(details[1]).toBe(`${dir}/targets/bad.yaml:3: url: must be a URL like http://127.0.0.1:8000, got "ftp://example.com:8000"`);
  });
});

const targets: [string, string, string[]][] = [
  ['no protocol', 'url: http://h:1\n', ['t.yaml:1: protocol: is required (one of kserve-http, kserve-grpc, http, openai)']],
  [
    'http target fields',
    'protocol: http\nurl: http://h:1\nmodel: m\nbinary: false\nheaders: {a: [1]}\nbody: 5\nmethod: GET2\n',
    [
      't.yaml:1: path: is required',
      't.yaml:3: model: is only for kserve-http, kserve-grpc and openai targets',
      't.yaml:4: binary: is only for protocol kserve-http',
      't.yaml:5: headers.a: must be a string, got a list',
      't.yaml:6: body: must be a string or a mapping (sent as JSON), got 5',
      't.yaml:7: method: must be one of GET, POST, PUT, PATCH, DELETE, got "GET2"',
    ],
  ],
  [
    'a gRPC target',
    'protocol: kserve-grpc\nurl: http://h:8001\nbinary: true\nmetrics_url: nope\ncost_per_hour: -1\n',
    [
      't.yaml:2: url: must be host:port, grpc://host:port or grpcs://host:port (TLS), got "http://h:8001"',
      't.yaml:3: binary: is only for kserve-http targets (gRPC is always binary)',
      't.yaml:4: metrics_url: must be a URL like http://127.0.0.1:8000, got "nope"',
      't.yaml:5: cost_per_hour: must be >= 0, got -1',
    ],
  ],
  ['a path without a slash', 'protocol: http\nurl: http://h:1\npath: v1/chat\n', ['t.yaml:3: path: must start with /, got "v1/chat"']],
  ['a port out of range', 'protocol: kserve-grpc\nurl: grpc://h:70000\n', ['t.yaml:2: url: must be host:port, grpc://host:port or grpcs://host:port (TLS), got "grpc://h:70000"']],
];

describe('broken targets report every problem', () => {
  it.each(targets)('%s', (_, text, expected) => {
    const { message, details } = problemsOf(() => parseTarget(text, 't.yaml'));
    expect(details).toEqual(expected);
    expect(message).toBe(`target t.yaml has ${expected.length} problem${expected.length === 1 ? '' : 's'}`);
  });
});

/** A file of this many bytes without writing them: a sparse file (its size is all that is looked at). */
function sparse(file: string, bytes: number): string {
  writeFileSync(file, '');
  truncateSync(file, bytes);
  return file;
}

describe('files that cannot be used are one problem each, found before they are read whole', () => {
  const REQ_ONE = REQ + ONE;
  it.each<[string, () => string, string]>([
    ['a folder', () => (mkdirSync(join(dir, 'folder.yaml'), { recursive: true }), join(dir, 'folder.yaml')), 'is a folder, not a file'],
    ['a 50 MB file', () => sparse(join(dir, 'huge.yaml'), 50 << 20), 'is 52428800 bytes; files may have at most 1048576 bytes (1 MiB, see "Limits" in docs/scenarios.md)'],
    ['an endless device', () => '/dev/zero', 'is larger than the limit; files may have at most 1048576 bytes (1 MiB, see "Limits" in docs/scenarios.md)'],
    ['a binary file', () => (writeFileSync(join(dir, 'bin.yaml'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00])), join(dir, 'bin.yaml')), 'is not a text file (line 1 has a NUL byte)'],
    ['not UTF-8', () => (writeFileSync(join(dir, 'latin1.yaml'), Buffer.concat([Buffer.from(REQ_ONE), Buffer.from('name: caf\xe9\n', 'latin1')])), join(dir, 'latin1.yaml')), 'is not UTF-8 text (line 4 has bytes that are not UTF-8)'],
    ['missing', () => join(dir, 'none.yaml'), 'cannot read the file (ENOENT)'],
  ])('a scenario that is %s', async (_, make, expected) => {
    const file = make();
    await expect(loadScenario(file)).rejects.toMatchObject({ code: 'GAUNTLET_ERR_INVALID_CONFIG', details: [`${file}: ${expected}`] });
  });

  it('a UTF-8 file with a byte-order mark is read', async () => {
    writeFileSync(join(dir, 'bom.yaml'), `\uFEFF${REQ_ONE}`);
    await expect(loadScenario(join(dir, 'bom.yaml'))).resolves.toMatchObject({ name: 'bom' });
  });

  it('target files and trace files are read the same way', async () => {
    const folder = join(dir, 'target-folder.yaml');
    mkdirSync(folder, { recursive: true });
    await expect(loadTarget(folder)).rejects.toMatchObject({ details: [`${folder}: is a folder, not a file`] });
    const trace = sparse(join(dir, 'traces', 'huge.csv'), (64 << 20) + 1);
    const { details } = problemsOf(() => parseScenario(REQ + 'phases:\n  - {name: r, trace: traces/huge.csv}\n', { file: 'bad.yaml', baseDir: dir }));
    expect(details).toEqual([`bad.yaml:3: phases[0].trace: ${trace}: is 67108865 bytes; files may have at most 67108864 bytes (64 MiB, see "Limits" in docs/scenarios.md)`]);
  });
});
