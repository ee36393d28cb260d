/**
 * The user's config file around an external sweep: written atomically through a symbolic link (never replacing
 * it), put back when the sweep ends, removed when there was none, and put back by a process that exits in the
 * middle (a second Ctrl-C) through its exit handlers. The exit case runs the built module (`npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigBackup } from '../../../src/sweep/config-backup.js';
import { ROOT } from '../../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-config-backup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ConfigBackup', () => {
  it('writes through a symbolic link and restores the original, keeping a copy in the sweep folder', () => {
    writeFileSync(path.join(dir, 'real.pbtxt'), 'max_batch_size: 4\n', { mode: 0o640 });
    symlinkSync(path.join(dir, 'real.pbtxt'), path.join(dir, 'link.pbtxt'));
    const b = ConfigBackup.take(path.join(dir, 'link.pbtxt'), path.join(dir, 'sweep'));
    b.write('max_batch_size: 8\n');
    expect(lstatSync(path.join(dir, 'link.pbtxt')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, 'real.pbtxt'), 'utf8')).toBe('max_batch_size: 8\n');
    expect(lstatSync(path.join(dir, 'real.pbtxt')).mode & 0o777).toBe(0o640);
    expect(b.restore()).toMatchObject({ state: 'restored', backup: 'original-link.pbtxt' });
    expect(readFileSync(path.join(dir, 'real.pbtxt'), 'utf8')).toBe('max_batch_size: 4\n');
    expect(readFileSync(path.join(dir, 'sweep', 'original-link.pbtxt'), 'utf8')).toBe('max_batch_size: 4\n');
  });

  it('removes a config file that did not exist before', () => {
    const b = ConfigBackup.take(path.join(dir, 'new.yaml'), path.join(dir, 'sweep2'));
    b.write('x: 1\n');
    expect(b.restore().state).toBe('removed');
    expect(existsSync(path.join(dir, 'new.yaml'))).toBe(false);
  });

  it('restores the original when the process exits in the middle of the sweep', () => {
    const file = path.join(dir, 'exit.yaml');
    const marker = path.join(dir, 'recorded');
    writeFileSync(file, 'original\n');
    const module = path.join(ROOT, 'dist/src/sweep/config-backup.js');
    const script = `import { writeFileSync } from 'node:fs';
import { ConfigBackup } from ${JSON.stringify(module)};
const b = ConfigBackup.take(${JSON.stringify(file)}, ${JSON.stringify(path.join(dir, 'sweep3'))}, () => writeFileSync(${JSON.stringify(marker)}, b.record.state));
b.write('swept\\n');
process.exit(130);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(130);
    expect(readFileSync(file, 'utf8')).toBe('original\n');
    expect(readFileSync(marker, 'utf8')).toBe('restored');
  });
});
