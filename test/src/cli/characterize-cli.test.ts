/**
 * `gauntlet characterize` as a user runs it (the compiled CLI): the summary and every file on a real nginx log,
 * a scenario that `gauntlet run --dry-run` takes, --json, the exits of bad input (every option problem listed; a
 * log in no format, with the formats tried and a masked sample; an empty log), and Ctrl-C while reading stdin:
 * exit 3 with what was read characterized and marked interrupted.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSyntheticLog, writeNginx } from '../../../bench/lib/synthetic-logs.js';
import { CLI, gauntlet, ROOT } from '../../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-char-cli-'));
const { records } = generateSyntheticLog({ seed: 5, durationS: 300, baseRps: 40, bursts: [{ atS: 150, durationS: 10, factor: 4 }] });
const lines = writeNginx(records, { combined: true });
const log = path.join(dir, 'access.log');
writeFileSync(log, `${lines.join('\n')}\n`);

describe('gauntlet characterize', () => {
  it('characterizes an nginx log: the summary, every file, a scenario the run command takes', async () => {
    const out = path.join(dir, 'out');
    const ran = await gauntlet(['characterize', log, '--out', out, '--phase-duration', '20s']);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/Read .*access\.log \(nginx combined, [\d ]+ requests\)/);
    expect(ran.stdout).toMatch(/Note: timestamps of 1 s resolution were spread/);
    expect(ran.stdout).toMatch(/Bursts +1,/);
    for (const f of ['characterization.json', 'scenario.yaml', 'replay.yaml', 'trace.csv', 'report.html', 'report.md']) expect(existsSync(path.join(out, f)), f).toBe(true);
    const c = JSON.parse(readFileSync(path.join(out, 'characterization.json'), 'utf8'));
    expect(c.rates.requests).toBe(records.length);
    // Privacy: no address, user agent or query string reaches any output.
    for (const f of ['characterization.json', 'scenario.yaml', 'trace.csv', 'report.html', 'report.md']) {
      const text = readFileSync(path.join(out, f), 'utf8');
      expect(text, f).not.toMatch(/10\.0\.\d+\.\d+|synthetic-agent|token=|secret/);
    }
    const dry = await gauntlet(['run', path.join(out, 'scenario.yaml'), '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/peak-5x/);
  });

  it('--json prints characterization.json on stdout and the summary on stderr', async () => {
    const ran = await gauntlet(['characterize', log, '--out', path.join(dir, 'json'), '--json']);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout).rates.requests).toBe(records.length);
    expect(ran.stderr).toMatch(/^Read /);
  });

  it('lists every bad option at once (exit 2)', async () => {
    const ran = await gauntlet(['characterize', log, '--window', '0s', '--burst-k', '0', '--max-malformed', '2', '--format', 'apache', '--input', 'x', '--field', 'nonsense=x', '--out', path.join(dir, 'bad')]);
    expect(ran.code).toBe(2);
    for (const m of ['--window', '--max-malformed', '--format', '--input', '--field nonsense=x']) expect(ran.stderr).toContain(m);
    expect(ran.stderr).not.toMatch(/\n\s+at /);
  });

  it('a log in no format: exit 2 with the formats tried and a masked sample; an empty log: exit 2', async () => {
    const junk = path.join(dir, 'junk.log');
    writeFileSync(junk, 'client 192.168.4.20 said hello to /api?key=hunter2\nand nothing else\n');
    const ran = await gauntlet(['characterize', junk, '--out', path.join(dir, 'junk')]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/GAUNTLET_ERR_LOG_FORMAT|no format/i);
    expect(ran.stderr).toMatch(/nginx.*envoy.*jsonl.*csv/s);
    expect(ran.stderr).not.toMatch(/192\.168\.4\.20|hunter2/);
    const empty = path.join(dir, 'empty.log');
    writeFileSync(empty, '');
    const none = await gauntlet(['characterize', empty, '--out', path.join(dir, 'empty')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no requests/);
  });

  it('Ctrl-C while reading stdin: exit 3, what was read is characterized and marked interrupted', async () => {
    const out = path.join(dir, 'interrupted');
    const child = spawn(process.execPath, [CLI, 'characterize', '-', '--out', out], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // More than a pipe's 64 KiB: once the write is done, the command has read (and parsed) most of it.
    const half = lines.slice(0, 4000).join('\n') + '\n';
    await new Promise<void>((r) => child.stdin.write(half, () => r()));
    await expect.poll(() => existsSync(path.join(out, 'trace.csv')), { timeout: 10_000, interval: 25 }).toBe(true);
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(3);
    child.stdin.destroy();
    const c = JSON.parse(readFileSync(path.join(out, 'characterization.json'), 'utf8'));
    expect(c.interrupted).toBe(true);
    expect(c.rates.requests).toBeGreaterThan(0);
    expect(c.rates.requests).toBeLessThanOrEqual(4000);
    expect(c.inputs.notes.join(' ')).toMatch(/interrupted after/);
    expect(readFileSync(path.join(out, 'trace.csv'), 'utf8').trimEnd().split('\n').length - 1).toBe(c.rates.requests);
  });
});
