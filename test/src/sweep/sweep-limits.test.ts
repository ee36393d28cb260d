/**
 * Sweep files have the same kinds of limits as scenarios: every numeric field a range (search bounds, durations,
 * constraints), the target list and each matrix list at most MAX_COMBINATIONS items, strings a length, and the
 * file itself is read and parsed within FILE_LIMITS (size, YAML values, depth, aliases). The JSON Schema agrees.
 */
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 as Ajv } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { sweepJsonSchema } from '../../../src/sweep/json-schema.js';
import { loadSweep, MAX_COMBINATIONS } from '../../../src/sweep/parse-sweep.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-sweep-limits-'));
writeFileSync(join(dir, 'base.yaml'), 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\nslo: {p99_ms: 50}\nphases:\n  - {name: a, duration: 2s, rate: 5}\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const validate = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false }).compile(sweepJsonSchema());

let n = 0;
async function problemsOf(text: string): Promise<string[]> {
  const file = join(dir, `sweep-${++n}.yaml`);
  writeFileSync(file, text);
  try {
    await loadSweep(file);
    return [];
  } catch (err) {
    if (!(err instanceof GauntletError) || err.code !== 'GAUNTLET_ERR_INVALID_CONFIG') throw err;
    return err.details.map((d) => d.replace(/^.*sweep-\d+\.yaml(:\d+)?: /, ''));
  }
}

const search = { from_rps: 10, to_rps: 100 };
const rows: [string, Doc, string | undefined][] = [
  ['to_rps 1e12', { search: { from_rps: 10, to_rps: 1e12 } }, 'search.to_rps: must be <= 1000000, got 1000000000000'],
  ['from_rps 1e12', { search: { from_rps: 1e12, to_rps: 100 } }, 'search.from_rps: must be <= 1000000, got 1000000000000'],
  ['step_duration 1e308', { search: { ...search, step_duration: 1e308 } }, 'search.step_duration: must be <= 86400, got 1e+308'],
  ['warmup', { search: { ...search, warmup: 1e6 } }, 'search.warmup: must be <= 86400, got 1000000'],
  ['p99_ms', { search: { ...search, p99_ms: 1e9 } }, 'search.p99_ms: must be <= 3600000, got 1000000000'],
  ['max_memory_mib', { constraints: { max_memory_mib: 1e12 } }, 'constraints.max_memory_mib: must be <= 16777216, got 1000000000000'],
  ['min_throughput_rps', { constraints: { min_throughput_rps: 1e12 } }, 'constraints.min_throughput_rps: must be <= 1000000, got 1000000000000'],
  ['max_p99_ms', { constraints: { max_p99_ms: 1e12 } }, 'constraints.max_p99_ms: must be <= 3600000, got 1000000000000'],
  ['a name', { name: 'n'.repeat(201) }, 'name: must have at most 200 characters, got 201 (see "Limits" in docs/scenarios.md)'],
  ['a matrix list', { matrix: { max_batch_size: Array.from({ length: MAX_COMBINATIONS + 1 }, (_, i) => i + 1) } }, 'matrix.max_batch_size: has 257 values; a matrix has at most 256 combinations'],
  ['every limit at its maximum', { search: { from_rps: 999_999, to_rps: 1e6, step_duration: 86_400, warmup: 86_400, p99_ms: 3_600_000 }, constraints: { max_memory_mib: 16_777_216, min_throughput_rps: 1e6 } }, undefined],
];

describe('sweep files: every field has a range', () => {
  it.each(rows)('%s', async (_, fields, expected) => {
    const doc = { scenario: 'base.yaml', model: 'mlp', ...fields };
    expect(await problemsOf(JSON.stringify(doc))).toEqual(expected === undefined ? [] : [expected]);
    expect(validate(doc)).toBe(expected === undefined);
  });

  it('a target list has at most MAX_COMBINATIONS targets, counted before any target file is read', async () => {
    const targets = Array.from({ length: MAX_COMBINATIONS + 1 }, (_, i) => `missing-${i}.yaml`);
    expect(await problemsOf(JSON.stringify({ scenario: 'base.yaml', targets }))).toEqual(['targets: has 257 items; at most 256 (see "Limits" in docs/scenarios.md)']);
    expect(validate({ scenario: 'base.yaml', targets })).toBe(false);
  });
});

describe('sweep files that cannot be used', () => {
  it.each<[string, string, string]>([
    ['an alias bomb', `scenario: base.yaml\nmodel: mlp\na: &a [x, x, x, x, x, x, x, x, x, x]\n${'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${`*${'abcdefgh'[i]}, `.repeat(9)}*${'abcdefgh'[i]}]\n`).join('')}`, 'has more than 50000 YAML values once aliases are expanded'],
    ['nested 10,000 deep', `scenario: base.yaml\nmodel: mlp\nmatrix: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, 'nests lists and mappings more than 64 levels deep'],
  ])('%s is one problem with its line', async (_, text, expected) => {
    const problems = await problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it.each<[string, (file: string) => void, string]>([
    ['a folder', (file) => mkdirSync(file), 'is a folder, not a file'],
    ['too large', (file) => (writeFileSync(file, ''), truncateSync(file, (1 << 20) + 1)), 'is 1048577 bytes; files may have at most 1048576 bytes (1 MiB, see "Limits" in docs/scenarios.md)'],
  ])('%s', async (_, make, expected) => {
    const file = join(dir, `unusable-${++n}.yaml`);
    make(file);
    await expect(loadSweep(file)).rejects.toMatchObject({ code: 'GAUNTLET_ERR_INVALID_CONFIG', details: [`${file}: ${expected}`] });
  });

  it('--duration-scale is checked like run\'s', async () => {
    await expect(loadSweep(join(dir, 'base.yaml'), { durationScale: 0 })).rejects.toMatchObject({ code: 'GAUNTLET_ERR_INVALID_ARGUMENT' });
  });
});
