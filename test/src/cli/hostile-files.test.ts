/**
 * Hostile files and numbers through the compiled CLI, as a user meets them: an alias bomb, a 50 MB file, a
 * 100,000-deep list, absurd rates and command-line numbers. Each exits 2 listing its problems with file and line,
 * with no stack trace, and --dry-run refuses what the run would choke on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REQ = 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\n';
const BOMB = `a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n${'bcdefghi'
  .split('')
  .map((c, i) => `${c}: &${c} [${`*${'abcdefghi'[i]}, `.repeat(8)}*${'abcdefghi'[i]}]\n`)
  .join('')}`;

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function gauntlet(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gauntlet run and sweep on hostile input (CLI)', () => {
  it.each<[string, () => string, RegExp]>([
    ['an alias bomb', () => write('bomb.yaml', REQ + BOMB + 'phases:\n  - {name: a, duration: 1s, rate: 5}\n'), /bomb\.yaml:6: e\[5\]: has more than 50000 YAML values once aliases are expanded \(\*d repeats 7381: an alias bomb\?\)/],
    ['a 50 MB file', () => (write('huge.yaml', ''), truncateSync(path.join(dir, 'huge.yaml'), 50 << 20), path.join(dir, 'huge.yaml')), /huge\.yaml: is 52428800 bytes; files may have at most 1048576 bytes/],
    ['a 100,000-deep list', () => write('deep.yaml', `phases: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`), /deep\.yaml: has more than 50000 YAML values/],
    ['a 1,000-deep list', () => write('deep1000.yaml', `${REQ}phases: ${'['.repeat(1000)}${']'.repeat(1000)}\n`), /deep1000\.yaml:2: nests lists and mappings more than 64 levels deep/],
    ['a binary file', () => write('binary.yaml', '\x7fELF\x02\x01\x01\x00\x00\x00'), /binary\.yaml: is not a text file \(line 1 has a NUL byte\)/],
    ['rate: 1e12', () => write('rate.yaml', `${REQ}phases:\n  - {name: a, duration: 10s, rate: 1e12}\n`), /rate\.yaml:3: phases\[0\]\.rate: must be <= 1000000, got 1000000000000/],
    ['duration: 1e308', () => write('duration.yaml', `${REQ}phases:\n  - {name: a, duration: 1e308, rate: 5}\n`), /duration\.yaml:3: phases\[0\]\.duration: must be <= 86400, got 1e\+308/],
  ])('run --dry-run with %s exits 2, names file and line, prints no stack', (_, make, expected) => {
    const r = gauntlet('run', make(), '--dry-run');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[GAUNTLET_ERR_INVALID_CONFIG\]/);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).not.toMatch(/Expected requests/);
  });

  it.each([
    ['--duration-scale', '0', '--duration-scale must be a number from 0.001 to 1000, got 0'],
    ['--duration-scale', '1e9', '--duration-scale must be a number from 0.001 to 1000, got 1000000000'],
    ['--workers', '1e12', '--workers must be an integer from 1 to 64, got 1000000000000'],
    ['--repeat', '1e12', '--repeat must be an integer from 1 to 1000, got 1000000000000'],
  ])('run %s %s exits 2', (flag, value, expected) => {
    const r = gauntlet('run', path.join(ROOT, 'scenarios', 'demo.yaml'), '--dry-run', flag, value);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(expected);
    expect(r.stderr).toContain('[GAUNTLET_ERR_INVALID_ARGUMENT]');
  });

  it('sweep --dry-run on an alias bomb and with an absurd --duration-scale exits 2', () => {
    const sweep = write('bomb-sweep.yaml', `scenario: ${path.join(ROOT, 'scenarios', 'sweeps', 'base.yaml')}\nmodel: mlp\n${BOMB}`);
    const r = gauntlet('sweep', sweep, '--dry-run');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bomb-sweep\.yaml:\d+: \w\[\d+\]: has more than 50000 YAML values once aliases are expanded/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const scaled = gauntlet('sweep', path.join(ROOT, 'scenarios', 'sweeps', 'batching.yaml'), '--dry-run', '--duration-scale', '-1');
    expect(scaled.code).toBe(2);
    expect(scaled.stderr).toContain('--duration-scale must be a number from 0.001 to 1000, got -1');
  });
});
