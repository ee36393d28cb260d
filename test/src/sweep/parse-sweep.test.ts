/**
 * Sweep files: a valid one read into a SweepSpec, and broken ones, each with the exact problems expected (path and
 * line, the base scenario's problems in the same error).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepFolder } from '../../helpers/sweep-files.js';
import { describe, expect, it } from 'vitest';
import { combinationsOf } from '../../../src/sweep/combinations.js';
import { loadSweep } from '../../../src/sweep/parse-sweep.js';
import { describeSweep } from '../../../src/sweep/sweep-table.js';

const { dir, write, problemsOf } = sweepFolder('gauntlet-sweep-parse-', {
  'base.yaml': 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\nslo: {error_rate: 0.01}\nphases:\n  - {name: a, duration: 2s, rate: 5}\n',
  'slo.yaml': 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\nslo: {p99_ms: 80}\nphases:\n  - {name: a, duration: 2s, rate: 5}\n',
  'broken-scenario.yaml': 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\nphases:\n  - {name: a, duration: 1s, rate: 0}\n',
  'target-a.yaml': 'name: a\nprotocol: kserve-http\nurl: http://127.0.0.1:9000\nmodel: m\n',
});

describe('loadSweep', () => {
  it('reads a matrix sweep with a search, scaling the search durations', async () => {
    const file = write(
      'name: b\nscenario: base.yaml\nmodel: mlp\nmatrix:\n  dynamic_batching: [off, on]\n  max_queue_delay_microseconds: 500\n  precision: [fp32, int8]\n' +
        'search: {p99_ms: 40, from_rps: 10, to_rps: 400, steps: 3, step_duration: 4s}\nconstraints: {max_p99_ms: 40, min_cosine: 0.999}\n',
    );
    const { spec, plan } = await loadSweep(file, { durationScale: 0.5 });
    expect(spec.name).toBe('b');
    expect(spec.model).toBe('mlp');
    expect(spec.matrix).toEqual({ dynamicBatching: [false, true], maxQueueDelayUs: [500], precision: ['fp32', 'int8'] });
    expect(spec.search).toEqual({ p99Ms: 40, fromRps: 10, toRps: 400, steps: 3, stepDurationS: 2, warmupS: 1, probeS: 1 });
    expect(spec).toMatchObject({ recommend: 'throughput', repeats: 1 });
    expect(spec.constraints).toEqual({ maxP99Ms: 40, minCosine: 0.999 });
    expect(plan.durationS).toBe(1);
  });

  it('takes the search bound from the scenario when the sweep names none', async () => {
    const { spec } = await loadSweep(write('scenario: slo.yaml\nmodel: mlp\nsearch: {from_rps: 10, to_rps: 100}\n'));
    expect(spec.search?.p99Ms).toBeUndefined();
    expect(spec.matrix).toEqual({});
  });

  it('reads a target sweep', async () => {
    const { spec } = await loadSweep(write('scenario: base.yaml\ntargets:\n  - target-a.yaml\n  - {name: b, protocol: kserve-grpc, url: "127.0.0.1:9001"}\n'));
    expect(spec.targets?.map((t) => [t.spec.name, t.spec.url])).toEqual([
      ['a', 'http://127.0.0.1:9000'],
      ['b', '127.0.0.1:9001'],
    ]);
    expect(spec.matrix).toBeUndefined();
  });

  const broken: [string, string, string[]][] = [
    ['an empty file', '', ['sweep-N.yaml: the file is empty']],
    ['a list', '- a\n', ['sweep-N.yaml:1: must be a mapping of sweep fields, got a list']],
    ['no scenario and no model', 'matrix: {instance_count: [1, 2]}\n', ['sweep-N.yaml:1: scenario: is required', 'sweep-N.yaml:1: model: is required']],
    [
      'bad matrix values, search and constraints',
      'name: x\nscenario: base.yaml\nmodel: mlp\nmatrix:\n  dynamic_batching: [off, maybe]\n  max_batch_size: [0, 8, 8]\n  precision: [fp32, int3]\n  instance_cout: [1]\n' +
        'search: {from_rps: 100, to_rps: 50, steps: -1, step_duration: 0}\nconstraints: {max_p99_ms: 0, min_cosine: 2, max_errors: 1}\n',
      [
        'sweep-N.yaml:5: matrix.dynamic_batching[1]: must be on or off, got "maybe"',
        'sweep-N.yaml:6: matrix.max_batch_size[0]: must be an integer from 1 to 1048576, got 0',
        'sweep-N.yaml:6: matrix.max_batch_size[2]: duplicate value 8 (also max_batch_size[1])',
        'sweep-N.yaml:7: matrix.precision[1]: must be one of fp32, fp16, int8, int4, got "int3"',
        'sweep-N.yaml:8: matrix.instance_cout: unknown field (did you mean instance_count?)',
        'sweep-N.yaml:9: search.to_rps: must be > from_rps (100), got 50',
        'sweep-N.yaml:9: search.steps: must be >= 0, got -1',
        'sweep-N.yaml:9: search.step_duration: must be > 0, got 0',
        "sweep-N.yaml:9: search.p99_ms: is required: neither constraints.max_p99_ms nor the scenario's slo.p99_ms gives the bound",
        'sweep-N.yaml:10: constraints.max_errors: unknown field (allowed: max_p99_ms, max_error_rate, min_cosine, min_top1, max_memory_mib, min_throughput_rps, min_agreement)',
        'sweep-N.yaml:10: constraints.max_p99_ms: must be > 0, got 0',
        'sweep-N.yaml:10: constraints.min_cosine: must be <= 1, got 2',
      ],
    ],
    [
      'matrix and targets together',
      'scenario: nope.yaml\nmodel: mlp\nmatrix: {instance_count: [1]}\ntargets: [target-a.yaml]\n',
      [
        'sweep-N.yaml:1: scenario: cannot read DIR/nope.yaml (ENOENT)',
        'sweep-N.yaml:2: model: is only for matrix sweeps (each target serves its own model)',
        'sweep-N.yaml:4: targets: give either matrix (configurations of the reference server) or targets (external servers), not both',
      ],
    ],
    [
      'broken and duplicate targets',
      'scenario: base.yaml\ntargets:\n  - {name: a, protocol: kserve-http, url: "http://127.0.0.1:1"}\n  - {name: a, protocol: kserve-http, url: "ftp://x"}\n  - missing-target.yaml\n',
      [
        'sweep-N.yaml:4: targets[1].url: must be a URL like http://127.0.0.1:8000, got "ftp://x"',
        'sweep-N.yaml:4: targets[1]: duplicate target name "a" (also targets[0]); give each a name',
        'DIR/missing-target.yaml: cannot read the file (ENOENT)',
      ],
    ],
    ['a delay with batching always off', 'scenario: base.yaml\nmodel: mlp\nmatrix:\n  dynamic_batching: [off]\n  max_queue_delay_microseconds: [100]\n', ['sweep-N.yaml:5: matrix.max_queue_delay_microseconds: has no effect: dynamic_batching is off in every combination']],
    [
      'too many combinations',
      'scenario: base.yaml\nmodel: mlp\nmatrix:\n  max_batch_size: [1, 2, 3, 4, 5, 6, 7, 8]\n  max_queue_delay_microseconds: [1, 2, 3, 4, 5, 6, 7, 8]\n  instance_count: [1, 2, 3, 4, 5]\n',
      ['sweep-N.yaml:3: matrix: has 320 combinations; at most 256'],
    ],
    [
      'a ranking basis that cannot work, and costs in the wrong place',
      'scenario: base.yaml\nrecommend: p99\nrepeats: 9\ncost_per_hour: 2\ntargets: [target-a.yaml]\nsearch: {p99_ms: 50, from_rps: 10, to_rps: fast, probe_duration: 0}\n',
      [
        "sweep-N.yaml:2: recommend: p99 needs the scenario's phases (no search): a rate search drives every combination's p99 up to the bound, so comparing them says nothing",
        'sweep-N.yaml:3: repeats: must be <= 3, got 9',
        'sweep-N.yaml:4: cost_per_hour: is for matrix sweeps; give each target its own cost_per_hour',
        'sweep-N.yaml:6: search.to_rps: must be a number, got "fast"',
        'sweep-N.yaml:6: search.probe_duration: must be > 0, got 0',
      ],
    ],
    ['an empty matrix list', 'scenario: base.yaml\nmodel: mlp\nmatrix:\n  replicas: []\n', ['sweep-N.yaml:4: matrix.replicas: must list at least one value']],
    ['a broken base scenario', 'scenario: broken-scenario.yaml\nmodel: mlp\n', ['DIR/broken-scenario.yaml:3: phases[0].rate: must be > 0, got 0']],
  ];

  it.each(broken)('rejects %s', async (_name, text, expected) => {
    const got = await problemsOf(text);
    expect(got).toEqual(expected);
  });
});

describe('the example sweeps', () => {
  const folder = fileURLToPath(new URL('../../../scenarios/sweeps/', import.meta.url));
  const files = readdirSync(folder).filter((f) => f.endsWith('.yaml') && !f.startsWith('base'));

  it('are batching, parallelism and quantization, and the LLM\'s batching, capacity and precision', () => {
    expect(files.sort()).toEqual(['batching.yaml', 'llm-batching.yaml', 'llm-capacity.yaml', 'llm-precision.yaml', 'parallelism.yaml', 'quantization.yaml']);
  });

  it.each(files)('%s is valid and measures for at most 3 minutes', async (file) => {
    const { spec, plan } = await loadSweep(join(folder, file));
    const list = combinationsOf(spec);
    expect(list.combinations.length).toBeGreaterThan(1);
    const time = describeSweep(spec, plan, list).find((l) => l.startsWith('Measuring time'))!;
    const m = /about (?:(\d+)m)?(?:(\d+)s)? /.exec(time)!;
    expect(Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)).toBeLessThanOrEqual(180);
  });
});
