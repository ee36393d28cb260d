/**
 * `gauntlet run --repeat N` end to end (the embedded reference server, a short smoke scenario): the folder's own
 * report is one run with its repetitions' spread, not a comparison of rep-1 against rep-2, and `gauntlet report`
 * of the folder later makes the same one.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, gauntlet } from '../../helpers/cli.js';

describe.skipIf(!existsSync(CLI))('run --repeat', () => {
  it('leaves one report of the run and its repetitions in its folder', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'gauntlet-repeat-run-')), 'run');
    const ran = await gauntlet(['run', 'scenarios/smoke.yaml', '--repeat', '2', '--duration-scale', '0.1', '--out', out, '--exit-zero']);
    expect(ran.code, ran.stderr).toBe(0);
    for (const rep of ['rep-1', 'rep-2']) expect(existsSync(path.join(out, rep, 'results.json'))).toBe(true);
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/^## gauntlet: smoke — 2 repetitions · SLO met in \d of 2 · measurement valid in \d of 2/);
    expect(md).toContain('| smoke (median, lowest–highest) |');
    expect(md).toMatch(/\| ↳ rep-1 \|/);
    expect(md).not.toContain('At the maximum throughput within the SLO');
    const page = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(page).toContain('<a href="rep-1/report.html">rep-1</a>');
    const again = await gauntlet(['report', out, '--format', 'md', '--out', '-']);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(md.split('\n')[0]);
  }, 120_000);
});
