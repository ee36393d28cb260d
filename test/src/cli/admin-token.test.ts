/**
 * Where `gauntlet serve` takes its admin token from: precedence of flag, file, environment and generation; what
 * a token file may be (a regular, short file; other users able to read it is a warning); and that the
 * environment variable is gone from the process once read, so no child inherits it.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseAdminToken, takeEnvToken } from '../../../src/cli/admin-token.js';

let dir: string;
const file = (name: string, content: string, mode = 0o600): string => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
};

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-token-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('chooseAdminToken', () => {
  it('takes the flag first, then the file, then the environment, else leaves it to be generated', () => {
    const f = file('a', 'from-the-file-1\n');
    expect(chooseAdminToken('from-the-flag-1', undefined, 'from-the-env-1')).toMatchObject({ token: 'from-the-flag-1', source: '--admin-token', problems: [] });
    expect(chooseAdminToken(undefined, f, 'from-the-env-1')).toMatchObject({ token: 'from-the-file-1', source: f, problems: [], warnings: [] });
    expect(chooseAdminToken(undefined, undefined, 'from-the-env-1')).toMatchObject({ token: 'from-the-env-1', source: '$GAUNTLET_ADMIN_TOKEN', problems: [] });
    expect(chooseAdminToken(undefined, undefined, undefined)).toEqual({ problems: [], warnings: [] });
  });

  it.each([
    ['both flags', () => chooseAdminToken('from-the-flag-1', file('b', 'x'.repeat(10)), undefined), /--admin-token and --admin-token-file: give one, not both/],
    ['a short flag', () => chooseAdminToken('short', undefined, undefined), /--admin-token: must be at least 8 characters without spaces/],
    ['a short variable', () => chooseAdminToken(undefined, undefined, 'short'), /\$GAUNTLET_ADMIN_TOKEN: must be at least 8 characters/],
    ['a missing file', () => chooseAdminToken(undefined, path.join(dir, 'nope'), undefined), /--admin-token-file: cannot read .*nope: ENOENT/],
    ['a folder', () => chooseAdminToken(undefined, (mkdirSync(path.join(dir, 'd'), { recursive: true }), path.join(dir, 'd')), undefined), /is not a regular file/],
    ['an empty file', () => chooseAdminToken(undefined, file('e', ''), undefined), /must hold one token of at least 8 characters without spaces/],
    ['two lines', () => chooseAdminToken(undefined, file('t', 'first-token-1\nsecond-token-2\n'), undefined), /must hold one token/],
    ['a 1 MB file', () => chooseAdminToken(undefined, file('big', 'x'.repeat(1 << 20)), undefined), /is over 4096 bytes; it must hold just the token/],
    ['/dev/zero', () => chooseAdminToken(undefined, '/dev/zero', undefined), /is not a regular file/],
  ])('refuses %s', (_label, choose, problem) => {
    expect(choose().problems.join('\n')).toMatch(problem);
  });

  it.skipIf(process.platform === 'win32')('warns, and still uses the token, when other users can read the file', () => {
    const f = file('open', 'readable-token-1', 0o644);
    const c = chooseAdminToken(undefined, f, undefined);
    expect(c.token).toBe('readable-token-1');
    expect(c.problems).toEqual([]);
    expect(c.warnings).toEqual([`--admin-token-file: ${f} can be read by other users (mode 0644); chmod 600 it`]);
  });
});

describe('takeEnvToken', () => {
  it('returns the variable and removes it from the environment; an empty one counts as unset', () => {
    const env: NodeJS.ProcessEnv = { GAUNTLET_ADMIN_TOKEN: 'env-token-123', PATH: '/bin' };
    expect(takeEnvToken(env)).toBe('env-token-123');
    expect(env).toEqual({ PATH: '/bin' });
    expect(takeEnvToken({ GAUNTLET_ADMIN_TOKEN: '' })).toBeUndefined();
  });
});
