/**
 * `gauntlet serve --access-log FILE` as a user runs it (the compiled CLI; `npm run build` first): a log that
 * cannot be opened stops serve at once with exit 2 and the reason; and on SIGTERM the lines still buffered are
 * written before serve exits 0.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, gauntlet, serveCli } from '../../helpers/cli.js';
import { infer, inputRows } from '../../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';

const ports = ['--http-port', '0', '--grpc-port', '0', '--metrics-port', '0'];

describe('gauntlet serve --access-log (compiled CLI)', () => {
  let repo: string;
  let dir: string;

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    repo = makeRepository({ tiny: tinyMlpConfig('tiny') });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-serve-access-log-'));
  });
  afterAll(() => {
    if (repo) rmSync(repo, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 with the reason when the log cannot be opened', async () => {
    const file = path.join(dir, 'no-such-folder', 'access.jsonl');
    const ran = await gauntlet(['serve', '--model-repository', repo, ...ports, '--access-log', file]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(`--access-log ${file}: cannot open for appending: ENOENT`);
    expect(ran.stdout).not.toContain('Server is ready');
  });

  it('writes every buffered line on SIGTERM before it exits 0', async () => {
    const file = path.join(dir, 'access.jsonl');
    const s = await serveCli(['--model-repository', repo, ...ports, '--grace-period', '2', '--access-log', file]);
    const httpPort = Number(/:(\d+)$/.exec(s.lines.find((l) => l.startsWith('Started HTTPService'))!)![1]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => infer(httpPort, 'tiny', inputRows(i))));
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(20);
    expect(new Set(lines.map((l) => `${l['route']} ${l['model']} ${l['version']} ${l['status']}`))).toEqual(new Set(['/v2/models/tiny/infer tiny 1 200']));
  });
});
