/**
 * `gauntlet serve` in the background, started the ways docs/reference-server.md shows, and stopped with `kill $!`:
 * the signal must reach the server, so that its port closes and every process the line started ends. (`npx
 * gauntlet serve &` does not do this with npm 11: $! is npm's wrapper, and the server is orphaned.) Real
 * processes: bash runs the documented line, the server serves a tiny model on port 0, npx is the real npm.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, CLI, descendants, pollUntil, refuses, ROOT } from '../../helpers/process-tree.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-serve-bg-'));
const repo = makeRepository({ tiny: tinyMlpConfig('tiny') });
const ARGS = `serve --http-port 0 --grpc-port 0 --metrics-port 0 --grace-period 5 --model-repository ${repo}`;

/** consumer is a project that installed gauntlet, linked as npm links a file: or git dependency (package and bin). */
function consumer(): string {
  const project = path.join(dir, 'consumer');
  if (existsSync(project)) return project;
  mkdirSync(path.join(project, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(path.join(project, 'package.json'), '{"name": "consumer", "version": "1.0.0", "private": true}\n');
  symlinkSync(ROOT, path.join(project, 'node_modules', 'gauntlet'));
  symlinkSync('../gauntlet/dist/src/cli/main.js', path.join(project, 'node_modules', '.bin', 'gauntlet'));
  // npm makes a package's bin executable when it links it.
  chmodSync(CLI, 0o755);
  return project;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serve in the background, stopped with kill $!', () => {
  const started: number[] = [];
  afterAll(() => {
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it.each([
    ['a checkout, node', () => ROOT, `node dist/src/cli/main.js ${ARGS}`],
    ['a project that installed it, its bin', consumer, `node_modules/.bin/gauntlet ${ARGS}`],
    ['a project that installed it, npx with exec', consumer, `npx -c 'exec gauntlet ${ARGS}'`],
  ])('%s: the port closes and every process ends', async (_what, cwd, line) => {
    const log = path.join(dir, `serve-${started.length}.log`);
    const pidFile = `${log}.pid`;
    // As a user's script: the documented line in the background, its $! kept; the script waits for it.
    const script = `${line} > '${log}' 2>&1 &\necho $! > '${pidFile}'\nwait $!\n`;
    const bash: ChildProcess = spawn('bash', ['-c', script], { cwd: cwd(), stdio: 'ignore' });
    const bashExit = new Promise<number | null>((r) => bash.once('exit', (code) => r(code)));
    const text = (): string => (existsSync(log) ? readFileSync(log, 'utf8') : '');
    const ready = await pollUntil(() => existsSync(pidFile) && text().includes('Server is ready'), 90_000);
    expect(ready, text()).toBe(true);
    const tree = descendants(bash.pid!);
    started.push(...tree);
    const port = Number(/Started HTTPService at 127\.0\.0\.1:(\d+)/.exec(text())![1]);
    expect(await refuses(port)).toBe(false);
    const bang = Number(readFileSync(pidFile, 'utf8'));
    expect(tree).toContain(bang);

    process.kill(bang, 'SIGTERM');
    expect(await pollUntil(() => refuses(port), 10_000), `port ${port} still open:\n${text()}`).toBe(true);
    // Every process of the line ends (the server drains within its 5 s grace period; nothing was in flight).
    expect(await pollUntil(() => tree.every((p) => !alive(p)), 15_000), `left running: ${tree.filter(alive).join(', ')}`).toBe(true);
    expect(await bashExit).not.toBeNull();
  }, 120_000);
});
