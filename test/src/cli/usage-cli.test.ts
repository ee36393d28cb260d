/**
 * A command line that names no command (bare `gauntlet`, `gauntlet baseline`, `gauntlet models`, `gauntlet k8s`) or one yargs
 * cannot take: exit 2, nothing on stdout, and on stderr the error, then the usage: the list of commands (or of the
 * group's actions) when none was named, the command's usage line otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../../helpers/cli.js';

const COMMANDS = ['run <scenario>', 'sweep <file>', 'profile <model>', 'baseline', 'gate <results..>', 'merge <shards..>', 'alerts <source>', 'report <inputs..>', 'serve', 'models', 'k8s'];

function gauntlet(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(CLI))('gauntlet without a command', () => {
  it('prints the usage with every command to stderr and exits 2', () => {
    const r = gauntlet([]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^gauntlet: name a command \[GAUNTLET_ERR_INVALID_ARGUMENT\]\n/);
    expect(r.stderr).toContain('gauntlet <command> [options]');
    expect(r.stderr).toContain('Commands:');
    for (const c of COMMANDS) expect(r.stderr).toContain(`gauntlet ${c}`);
    expect(r.stderr).toContain('Exit codes:');
  });

  it.each([
    ['baseline', 'gauntlet baseline save <results..>'],
    ['models', 'gauntlet models build'],
    ['k8s', 'gauntlet k8s render <scenario>'],
  ])('gauntlet %s lists its actions', (group, action) => {
    const r = gauntlet([group]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/name an action/);
    expect(r.stderr).toContain(action);
  });

  it('an unknown command gets the list of commands', () => {
    const r = gauntlet(['rnu', 'scenarios/smoke.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Unknown argument');
    for (const c of COMMANDS) expect(r.stderr).toContain(`gauntlet ${c}`);
  });

  it('a mistake within a command gets that command\'s usage line', () => {
    const r = gauntlet(['report']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: gauntlet report <inputs..> (--help lists the options)');
    expect(r.stderr).not.toContain('Commands:');
  });

  it('--help still prints the usage to stdout and exits 0', () => {
    const r = gauntlet(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Commands:');
  });
});
