/**
 * Request data files that cannot be used (perf_analyzer input data, validation data, JSONL expected outputs,
 * .npy tensors) and broken mix and expect fields: every problem is reported at once, each with the scenario path,
 * the file and the place inside it, in one GAUNTLET_ERR_INVALID_CONFIG (exit 2). Good files load into the plan.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { parseNpy } from '../../../src/scenario/npy-file.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { describePlan } from '../../../src/scenario/describe-plan.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-data-'));
const at = (n: string): string => join(dir, n);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** npyBytes is an .npy file with this header dict and data. */
function npyBytes(dict: string, data: Buffer, major = 1): Buffer {
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0, 0, 0]);
  head.writeUInt16LE(dict.length + 1, 8);
  return Buffer.concat([head, Buffer.from(`${dict}\n`, 'latin1'), data]);
}
const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);

writeFileSync(at('good.json'), JSON.stringify({ data: [{ x: [1, 2, 3, 4] }, { x: { content: [[5, 6], [7, 8]], shape: [1, 4] } }, { x: { b64: f32([1, 2, 3, 4]).toString('base64') } }], validation_data: [{ y: [1] }, { y: [2] }, { y: [3] }] }));
writeFileSync(at('good.npy'), npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }", f32([1, 2, 3, 4])));
writeFileSync(at('not-json.json'), '{"data": [');
writeFileSync(at('no-data.json'), JSON.stringify({ inputs: [] }));
writeFileSync(at('bad-entries.json'), JSON.stringify({ data: [{ x: [1, 2, 3] }, { z: [1, 2, 3, 4] }, { x: ['a', 2, 3, 4] }, { x: { b64: 'AAE=' } }], validation_data: [{ y: [1] }] }));
writeFileSync(at('ok4.json'), JSON.stringify({ data: [{ x: [1, 2, 3, 4] }, { x: [4, 3, 2, 1] }] }));
writeFileSync(at('responses.jsonl'), [1, 2].map((v) => JSON.stringify({ model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 1], data: [v] }] })).join('\n'));
writeFileSync(at('bad.jsonl'), '{"y": [1]}\n{"y": [2\n');
writeFileSync(at('bad-magic.npy'), Buffer.from('not numpy at all'));
writeFileSync(at('big-endian.npy'), npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 4), }", f32([1, 2, 3, 4])));
writeFileSync(at('fortran.npy'), npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 4), }", f32([1, 2, 3, 4])));
writeFileSync(at('complex.npy'), npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1, 4), }", Buffer.alloc(32)));
writeFileSync(at('short.npy'), npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }", f32([1, 2, 3])));
writeFileSync(at('int.npy'), npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 4), }", Buffer.alloc(16)));

/** problemsOf returns the problem lines of a scenario that must be rejected. */
function problemsOf(text: string): string[] {
  try {
    parseScenario(text, { file: 'bad.yaml', baseDir: dir });
  } catch (err) {
    if (!(err instanceof GauntletError) || err.code !== 'GAUNTLET_ERR_INVALID_CONFIG') throw err;
    return err.details;
  }
  throw new Error('expected the scenario to be rejected');
}

const X = '[{name: x, datatype: FP32, shape: [1, 4]}]';
const PHASES = 'phases: [{name: a, duration: 1s, rate: 5}]\n';
const mix = (...templates: string[]): string => `request:\n  model: m\n  inputs: ${X}\n  mix:\n${templates.map((t) => `    - ${t}\n`).join('')}${PHASES}`;

describe('request data files', () => {
  it('loads perf_analyzer data (lists, content and shape, b64) with its validation_data and .npy inputs, and dry-run shows the mix', () => {
    const plan = parseScenario(
      `request:\n  model: m\n  inputs: ${X}\n  mix:\n    - {name: data, weight: 3, input_data: good.json}\n    - {name: npy, model: n, inputs: [{name: x, datatype: FP32, shape: [1, 4], data: {npy: good.npy}}], expect: {status: [200], outputs: [{name: y, data: [9]}]}}\n${PHASES}`,
      { file: 'ok.yaml', baseDir: dir },
    );
    const [data, npy] = plan.request.mix!;
    expect(data!.samples!.map((s) => s.inputs[0]!.data)).toEqual([1, 2, 3].map(() => ({ kind: 'values', values: [1, 2, 3, 4] })).map((d, i) => (i === 1 ? { kind: 'values', values: [5, 6, 7, 8] } : d)));
    expect(data!.samples!.map((s) => s.expected)).toEqual([[{ name: 'y', values: [1] }], [{ name: 'y', values: [2] }], [{ name: 'y', values: [3] }]]);
    expect(npy!.inputs[0]!.data).toEqual({ kind: 'values', values: [1, 2, 3, 4] });
    expect(npy!.expect).toEqual({ status: [200], outputs: [{ name: 'y', values: [9] }], tolerance: { absolute: 1e-5, relative: 1e-4 } });
    if ('embedded' in plan.target) expect(plan.target.models).toEqual(['m', 'n']);
    const recorded = parseScenario(`request:\n  model: m\n  inputs: ${X}\n  input_data: ok4.json\n  expect: {data_file: responses.jsonl}\n${PHASES}`, { file: 'ok.yaml', baseDir: dir });
    expect(recorded.request.mix![0]!.samples!.map((s) => s.expected)).toEqual([[{ name: 'y', shape: [1, 1], values: [1] }], [{ name: 'y', shape: [1, 1], values: [2] }]]);
    const text = describePlan(plan);
    expect(text).toContain('data: 75% · model m · 3 requests from data (x FP32 [1, 4]), in turn');
    expect(text).toContain('npy: 25% · model n');
    expect(text).toContain('checks: status 200, y 1 values');
  });

  it.each<[string, string, string[]]>([
    ['a missing file', mix('{input_data: none.json}'), [`bad.yaml:5: request.mix[0].input_data: ${at('none.json')}: cannot read the file (ENOENT)`]],
    ['a file that is not JSON', mix('{input_data: not-json.json}'), [expect.stringMatching(new RegExp(`^bad\\.yaml:5: request\\.mix\\[0\\]\\.input_data: ${at('not-json.json')}: is not JSON: `)) as unknown as string]],
    ['no data list', mix('{input_data: no-data.json}'), [`bad.yaml:5: request.mix[0].input_data: ${at('no-data.json')}: must be perf_analyzer input data: {"data": [{"INPUT": [..]}, ...]}`]],
    [
      'bad entries, each with its place in the file',
      mix('{input_data: bad-entries.json}'),
      [
        `bad.yaml:5: request.mix[0].input_data: ${at('bad-entries.json')}: data[0].x: has 3 elements, but shape [1, 4] needs 4`,
        `bad.yaml:5: request.mix[0].input_data: ${at('bad-entries.json')}: data[1].z: is not a declared input (declared: x)`,
        `bad.yaml:5: request.mix[0].input_data: ${at('bad-entries.json')}: data[1]: has no input "x"`,
        `bad.yaml:5: request.mix[0].input_data: ${at('bad-entries.json')}: data[2].x: element 0: must be a number within the range of FP32, got "a"`,
        `bad.yaml:5: request.mix[0].input_data: ${at('bad-entries.json')}: data[3].x.b64: has 2 bytes, not a whole number of FP32 elements`,
      ],
    ],
    ['validation data of another length', mix('{input_data: ok4.json, expect: {data_file: bad.jsonl}}'), [`bad.yaml:5: request.mix[0].expect.data_file: ${at('bad.jsonl')}: line 2: is not JSON: ${jsonError('{"y": [2')}`]],
    ['expected rows for fewer requests', mix('{input_data: ok4.json, expect: {data_file: good.json}}'), [`bad.yaml:5: request.mix[0].expect.data_file: template mix[0]: has 3 expected entries for 2 requests; give one per request, in order`]],
    [
      '.npy files that cannot be used',
      `request:\n  model: m\n  inputs:\n${['bad-magic', 'big-endian', 'fortran', 'complex', 'short', 'int'].map((n) => `    - {name: ${n}, datatype: FP32, shape: [1, 4], data: {npy: ${n}.npy}}\n`).join('')}${PHASES}`,
      [
        `bad.yaml:4: request.inputs[0].data.npy: ${at('bad-magic.npy')}: is not an .npy file (no \\x93NUMPY magic)`,
        `bad.yaml:5: request.inputs[1].data.npy: ${at('big-endian.npy')}: has big-endian dtype ">f4"; save it little-endian (array.astype('<f4'))`,
        `bad.yaml:6: request.inputs[2].data.npy: ${at('fortran.npy')}: is in Fortran order; save it in C order (numpy.ascontiguousarray)`,
        `bad.yaml:7: request.inputs[3].data.npy: ${at('complex.npy')}: has dtype "<c8"; supported: f8, f4, f2, i8, i4, i2, i1, u8, u4, u2, u1, b1 (little-endian)`,
        `bad.yaml:8: request.inputs[4].data.npy: ${at('short.npy')}: has 12 data bytes, but shape (1, 4) of f4 needs 16`,
        `bad.yaml:9: request.inputs[5].data.npy: ${at('int.npy')}: holds INT32, but the input is FP32`,
      ],
    ],
    [
      'mix and expect fields out of range',
      mix('{weight: 0, input_data: ok4.json, colour: red}', '{expect: {status: [99], tolerance: {absolute: -1}, outputs: [{name: y, data: [1]}]}}'),
      [
        'bad.yaml:5: request.mix[0].colour: unknown field (allowed: name, weight, model, model_version, inputs, outputs, parameters, input_data, expect)',
        'bad.yaml:5: request.mix[0].weight: must be > 0, got 0',
        'bad.yaml:6: request.mix[1].expect.status[0]: must be an HTTP status from 100 to 599, got 99',
        'bad.yaml:6: request.mix[1].expect.tolerance.absolute: must be >= 0, got -1',
        'bad.yaml:6: request.mix[1].expect: template mix[1]: expected output data needs fixed inputs (data or input_data), not random ones',
      ],
    ],
    [
      'expected outputs for the whole mix',
      `request:\n  model: m\n  inputs: ${X}\n  expect: {data_file: good.json}\n  mix:\n    - {input_data: good.json}\n${PHASES}`,
      ['bad.yaml:4: request.expect.data_file: expected outputs are per request: give each template of mix its own expect.data_file'],
    ],
    [
      'a mix model the embedded server would not load',
      `target: {embedded: true, models: [m]}\nrequest:\n  model: m\n  inputs: ${X}\n  mix:\n    - {model: n}\n${PHASES}`,
      ['bad.yaml:1: target.models: must include every model of the request\'s mix: "n" missing'],
    ],
    ['an empty mix', `request:\n  model: m\n  inputs: ${X}\n  mix: []\n${PHASES}`, ['bad.yaml:4: request.mix: needs at least one template']],
  ])('%s', (_what, text, expected) => {
    expect(problemsOf(text)).toEqual(expected);
  });
});

describe('parseNpy', () => {
  it.each<[string, string, Buffer, unknown]>([
    ['f2', "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", Buffer.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c]), [1, -2, Infinity]],
    ['i8', "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", Buffer.from(new BigInt64Array([-5n, 7n]).buffer), [-5, 7]],
    ['i1', "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", Buffer.from([0xff, 3]), [-1, 3]],
    ['u1', "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1), }", Buffer.from([0xff, 3]), [255, 3]],
    ['bool', "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", Buffer.from([1, 0]), [true, false]],
    ['a scalar', "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f32([2.5]), [2.5]],
  ])('reads %s', (_what, dict, data, values) => {
    const r = parseNpy(npyBytes(dict, data));
    expect(r.ok && r.value.values).toEqual(values);
  });

  it.each<[string, Buffer, RegExp]>([
    ['an int64 beyond 2^53', npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", Buffer.from(new BigInt64Array([2n ** 60n]).buffer)), /beyond ±2\^53/],
    ['a header longer than the file', Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0xff, 0xff])]), /truncated inside its header/],
    ['a version-2 header over the bound', Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xff, 0xff, 0xff, 0x7f]), /header; at most 65535/],
    ['a shape over the element limit', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", Buffer.alloc(0)), /elements; at most/],
    ['no shape', npyBytes("{'descr': '<f4', 'fortran_order': False}", Buffer.alloc(0)), /without descr, fortran_order and shape/],
  ])('refuses %s', (_what, bytes, message) => {
    const r = parseNpy(bytes);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}
