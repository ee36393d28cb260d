/**
 * config.yaml validation: a table of broken configs through parseModelConfig (every problem, with its path and
 * line), then a real server over a repository of good and broken models: what serves, what does not, and why.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigProblem } from '../../reference-server/config/problems.js';
import { parseModelConfig } from '../../reference-server/config/validate-model-config.js';
import { errorOf, httpRequest, infer, inputRows, json, startTestServer, type TestServer } from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

/** ALIAS_BOMB appends a billion-laughs tower to a config: each level repeats the one below ten times. */
const ALIAS_BOMB = ['a: &a [' + Array(10).fill('x').join(',') + ']', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n') + '\n';

/** BASE is a valid config; rows change a line or append lines (line numbers below count from its first line). */
const BASE = `name: mlp
max_batch_size: 8
input:
  - name: input
    data_type: TYPE_FP32
    dims: [16]
output:
  - name: output
    data_type: TYPE_FP32
    dims: [4]
`;
const change = (from: string, to: string): string => {
  if (!BASE.includes(from)) throw new Error(`BASE has no ${from}`);
  return BASE.replace(from, to);
};

type Expected = { path: string; line: number | undefined; message: RegExp };
const p = (path: string, line: number | undefined, message: RegExp): Expected => ({ path, line, message });

const ROWS: [label: string, yaml: string, problems: Expected[]][] = [
  ['an unknown field', BASE + 'max_batch: 8\n', [p('max_batch', 11, /unknown field \(allowed: name, platform, backend, max_batch_size, /)]],
  ['an unknown field in an input', change('    dims: [16]', '    dims: [16]\n    shape: [16]'), [p('input[0].shape', 7, /unknown field \(allowed: name, data_type, dims, optional, format\)/)]],
  ['max_batch_size of the wrong type', change('max_batch_size: 8', 'max_batch_size: eight'), [p('max_batch_size', 2, /must be an integer, got "eight"/)]],
  ['a negative max_batch_size', change('max_batch_size: 8', 'max_batch_size: -1'), [p('max_batch_size', 2, /must be >= 0, got -1/)]],
  ['input that is not a list', change('input:\n  - name: input\n    data_type: TYPE_FP32\n    dims: [16]', 'input: input'), [p('input', 3, /must be a list/)]],
  ['no input at all', change('input:\n  - name: input\n    data_type: TYPE_FP32\n    dims: [16]\n', ''), [p('input', 1, /is required/)]],
  ['empty dims on a model that does not batch', change('max_batch_size: 8', 'max_batch_size: 0').replace('dims: [16]', 'dims: []'), [p('input[0].dims', 6, /must not be empty when max_batch_size is 0 \(dims are the full shape\)/)]],
  ['dims that are not a list', change('dims: [16]', 'dims: 16'), [p('input[0].dims', 6, /must be a list/)]],
  ['a dimension of 0', change('dims: [16]', 'dims: [0]'), [p('input[0].dims[0]', 6, /must be a positive integer or -1 \(variable\), got 0/)]],
  ['a dimension of -2', change('dims: [4]', 'dims: [2, -2]'), [p('output[0].dims[1]', 10, /must be a positive integer or -1 \(variable\), got -2/)]],
  ['an unknown data_type', change('data_type: TYPE_FP32\n    dims: [16]', 'data_type: TYPE_FLOAT\n    dims: [16]'), [p('input[0].data_type', 5, /must be one of TYPE_BOOL, .*TYPE_STRING, got "TYPE_FLOAT"/)]],
  ['two inputs with one name', change('    dims: [16]\n', '    dims: [16]\n  - name: input\n    data_type: TYPE_FP32\n    dims: [1]\n'), [p('input[1].name', 7, /duplicate input name 'input'/)]],
  ['a preferred batch size over max_batch_size', BASE + 'dynamic_batching:\n  preferred_batch_size: [4, 16]\n', [p('dynamic_batching.preferred_batch_size[1]', 12, /must be <= max_batch_size \(8\), got 16/)]],
  ['a preferred batch size of 0', BASE + 'dynamic_batching:\n  preferred_batch_size: [0]\n', [p('dynamic_batching.preferred_batch_size[0]', 12, /must be a positive integer, got 0/)]],
  ['dynamic_batching with max_batch_size 0', change('max_batch_size: 8', 'max_batch_size: 0') + 'dynamic_batching:\n  max_queue_delay_microseconds: 100\n', [p('dynamic_batching', 11, /needs max_batch_size > 0/)]],
  ['an unknown timeout_action', BASE + 'dynamic_batching:\n  default_queue_policy:\n    timeout_action: DROP\n', [p('dynamic_batching.default_queue_policy.timeout_action', 13, /must be one of REJECT, DELAY, got "DROP"/)]],
  ['a negative max_queue_size', BASE + 'dynamic_batching:\n  default_queue_policy:\n    max_queue_size: -3\n', [p('dynamic_batching.default_queue_policy.max_queue_size', 13, /must be >= 0, got -3/)]],
  ['preserve_ordering that is not a boolean', BASE + 'dynamic_batching:\n  preserve_ordering: "yes"\n', [p('dynamic_batching.preserve_ordering', 12, /must be true or false, got "yes"/)]],
  ['KIND_GPU on the cpu execution provider', BASE + 'instance_group:\n  - kind: KIND_GPU\n', [p('instance_group[0].kind', 12, /KIND_GPU needs execution_provider webgpu or cuda \(execution_provider is 'cpu'\)/)]],
  ['KIND_CPU on the webgpu execution provider', BASE + 'execution_provider: webgpu\ninstance_group:\n  - kind: KIND_CPU\n', [p('instance_group[0].kind', 13, /KIND_CPU runs on the cpu execution provider, but execution_provider is 'webgpu'/)]],
  ['an unknown execution provider', BASE + 'execution_provider: tpu\n', [p('execution_provider', 11, /must be one of cpu, webgpu, cuda, got "tpu"/)]],
  ['an instance count of 0', BASE + 'instance_group:\n  - count: 0\n', [p('instance_group[0].count', 12, /must be >= 1, got 0/)]],
  ['a version policy with two choices', BASE + 'version_policy:\n  latest: {num_versions: 1}\n  all: {}\n', [p('version_policy', 11, /must have exactly one of latest, all, specific/)]],
  ['a name that does not match the folder', change('name: mlp', 'name: other'), [p('name', 1, /must match the model's folder name 'mlp', got 'other'/)]],
  ['a YAML syntax error', change('dims: [16]', 'dims: [16'), [p('(syntax)', 7, /Flow sequence .* must .*end with a \]/)]],
  ['a key given twice', BASE + 'max_batch_size: 4\n', [p('(syntax)', 11, /Map keys must be unique/)]],
  ['a list instead of a mapping', '- name: mlp\n', [p('(root)', 1, /must be a mapping/)]],
  // Hostile files: each a problem with its line, never an exception (before, the alias bomb threw yaml's
  // ReferenceError out of the server's start, and deep nesting overflowed the stack).
  ['an alias bomb', BASE + ALIAS_BOMB, [p('e[3]', 15, /more than 50000 YAML values once aliases are expanded \(\*d repeats 11111: an alias bomb\?\)/)]],
  ['lists nested 100 deep', BASE + `deep: ${'['.repeat(100)}${']'.repeat(100)}\n`, [p('(file)', 11, /nests lists and mappings more than 64 levels deep/)]],
  ['lists nested 400,000 deep (larger than a config.yaml may be)', BASE + `deep: ${'['.repeat(400_000)}${']'.repeat(400_000)}\n`, [p('(file)', undefined, /has 800017 characters; files may have at most 1048576 bytes|more than 50000 YAML values/)]],
  ['60,000 values', BASE + `many: [${'1,'.repeat(60_000)}1]\n`, [p('(file)', undefined, /has more than 50000 YAML values/)]],
  [
    'several problems at once (all are listed)',
    `name: other
max_batch_size: -4
input:
  - name: input
    data_type: TYPE_FLOAT
    dims: [0, -2]
output:
  - name: output
    data_type: TYPE_FP32
    dims: [4]
instance_group:
  - count: 0
    kind: KIND_GPU
dynamic_batching:
  default_queue_policy:
    timeout_action: LATER
colour: blue
`,
    [
      p('colour', 17, /unknown field/),
      p('name', 1, /must match the model's folder name 'mlp', got 'other'/),
      p('max_batch_size', 2, /must be >= 0, got -4/),
      p('input[0].data_type', 5, /got "TYPE_FLOAT"/),
      p('input[0].dims[0]', 6, /got 0/),
      p('input[0].dims[1]', 6, /got -2/),
      p('instance_group[0].count', 12, /must be >= 1, got 0/),
      p('instance_group[0].kind', 13, /KIND_GPU needs execution_provider webgpu or cuda/),
      p('dynamic_batching', 14, /needs max_batch_size > 0/),
      p('dynamic_batching.default_queue_policy.timeout_action', 16, /got "LATER"/),
    ],
  ],
];

describe('parseModelConfig', () => {
  it('applies Triton’s defaults to a valid config', () => {
    const r = parseModelConfig(BASE + 'dynamic_batching:\n', 'mlp');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      name: 'mlp',
      platform: 'onnxruntime_onnx',
      backend: 'onnxruntime',
      max_batch_size: 8,
      instance_group: [{ count: 1, kind: 'KIND_CPU' }],
      version_policy: { latest: { num_versions: 1 } },
      execution_provider: 'cpu',
      dynamic_batching: {
        preferred_batch_size: [],
        max_queue_delay_microseconds: 0,
        preserve_ordering: false,
        default_queue_policy: { timeout_action: 'REJECT', default_timeout_microseconds: 0, allow_timeout_override: false, max_queue_size: 0 },
      },
    });
  });

  it.each(ROWS)('reports %s with its path and line', (_label, yaml, expected) => {
    const r = parseModelConfig(yaml, 'mlp');
    expect(r.ok).toBe(false);
    const problems: ConfigProblem[] = r.ok ? [] : r.problems;
    const sortKey = (x: { path: string }) => x.path;
    expect(problems.map(sortKey).sort()).toEqual(expected.map(sortKey).sort());
    for (const want of expected) {
      const got = problems.find((x) => x.path === want.path && want.message.test(x.message));
      expect(got, `${want.path}: ${want.message} in ${JSON.stringify(problems)}`).toBeDefined();
      expect(got!.line, `line of ${want.path}`).toBe(want.line);
    }
  });
});

/** A GPU might make webgpu or cuda load; their "unavailable" cases only hold on a machine without one. */
const hasGpu = existsSync('/dev/nvidia0') || existsSync('/dev/dri');
const gpu = (name: string, ep: string, extra: Record<string, unknown> = {}) =>
  tinyMlpConfig(name, { execution_provider: ep, instance_group: [{ count: 1, kind: 'KIND_GPU' }], ...extra });

describe('a repository with good and broken models', () => {
  let server: TestServer;
  const log: string[] = [];
  type Row = { name: string; version: string; state: string; reason: string };
  let index: Row[];
  const row = (name: string): Row => index.find((r) => r.name === name)!;

  beforeAll(async () => {
    server = await startTestServer(
      {
        good: tinyMlpConfig('good'),
        broken: `name: broken
max_batch_size: 8
input:
  - name: input
    data_type: TYPE_FP32
    dims: [16, 0]
output:
  - name: output
    data_typ: TYPE_FP32
    dims: [4]
`,
        mismatch: tinyMlpConfig('mismatch', { input: [{ name: 'features', data_type: 'TYPE_FP32', dims: [16] }] }),
        webgpu: gpu('webgpu', 'webgpu'),
        webgpu_fallback: gpu('webgpu_fallback', 'webgpu', { fallback_to_cpu: true }),
        cuda: gpu('cuda', 'cuda'),
        cuda_fallback: gpu('cuda_fallback', 'cuda', { fallback_to_cpu: true }),
      },
      { strictReadiness: true, log: (line) => log.push(line) },
    );
    index = json<Row[]>(await httpRequest(server.httpPort, { path: '/v2/repository/index', body: {} }));
  });
  afterAll(async () => {
    await server?.close(1000);
  });

  it('serves the good model but is not ready under strict readiness', async () => {
    expect(row('good')).toEqual({ name: 'good', version: '1', state: 'READY', reason: '' });
    expect(await infer(server.httpPort, 'good', inputRows(1))).toHaveLength(1);
    expect((await httpRequest(server.httpPort, { path: '/v2/health/live' })).status).toBe(200);
    const ready = await httpRequest(server.httpPort, { path: '/v2/health/ready' });
    expect(ready.status).toBe(400);
    expect(errorOf(ready)).toMatch(/not ready/);
  });

  it('lists the broken model UNAVAILABLE with every problem, its file, line and path', async () => {
    expect(row('broken')).toMatchObject({ version: '', state: 'UNAVAILABLE' });
    const problems = row('broken').reason.split('\n');
    expect(problems).toHaveLength(3);
    expect(problems).toEqual([
      expect.stringMatching(/broken\/config\.yaml:6: input\[0\]\.dims\[1\]: must be a positive integer or -1 \(variable\), got 0$/),
      expect.stringMatching(/broken\/config\.yaml:9: output\[0\]\.data_typ: unknown field/),
      expect.stringMatching(/broken\/config\.yaml:8: output\[0\]\.data_type: is required/),
    ]);
    const r = await httpRequest(server.httpPort, { path: '/v2/models/broken/infer', body: { inputs: [] } });
    expect(r.status).toBe(503);
    expect(errorOf(r)).toMatch(/model 'broken' is not available: .*data_typ: unknown field/s);
  });

  it('does not load a model whose config names an input the ONNX model does not have', () => {
    expect(row('mismatch')).toMatchObject({ version: '1', state: 'UNAVAILABLE' });
    expect(row('mismatch').reason).toMatch(/the ONNX model does not match config\.yaml: input 'features' is not in the model \(it has 'input'\)/);
    expect(row('mismatch').reason).toMatch(/the model's input 'input' is not declared in config\.yaml/);
  });

  it.skipIf(hasGpu).each(['webgpu', 'cuda'])('does not load a KIND_GPU model on %s without a GPU, naming the execution provider', (ep) => {
    expect(row(ep)).toMatchObject({ version: '1', state: 'UNAVAILABLE' });
    expect(row(ep).reason).toMatch(new RegExp(`^execution provider '${ep}' is unavailable: .+`));
  });

  it.each(['webgpu', 'cuda'])('serves a %s model with fallback_to_cpu, with the same answers as on CPU', async (ep) => {
    const name = `${ep}_fallback`;
    expect(row(name)).toMatchObject({ version: '1', state: 'READY' });
    const rows = inputRows(3, 2);
    expect(await infer(server.httpPort, name, rows)).toEqual(await infer(server.httpPort, 'good', rows));
    if (!hasGpu) expect(log).toContainEqual(expect.stringMatching(new RegExp(`model ${name} version 1: ready \\(1 instance\\(s\\), cpu: ${ep} is unavailable, fallback_to_cpu\\)`)));
  });
});
