/**
 * Children die with gauntlet, whatever kills it: after `kill -9` of `gauntlet run`, the embedded server (alone,
 * or a router with three replicas), and a command fault's whole process group, are gone and every port they
 * listened on refuses connections within 2 s (the process tree read from /proc just before the kill). A
 * `gauntlet serve` that a user started from a shell does not watch its parent, and keeps serving when the shell dies.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { alive, CLI, descendants, listeningPorts, pollUntil, refuses, ROOT, startCli } from '../../helpers/process-tree.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';

/** LIMIT_MS is the bound: parent dead to every child gone. */
const LIMIT_MS = 2000;
const times: string[] = [];

/** killAndWatch SIGKILLs `pid` and resolves with the time until every process is gone and every port refuses (-1: not within LIMIT_MS). */
async function killAndWatch(pid: number, tree: number[], ports: number[], limitMs = LIMIT_MS): Promise<number> {
  const killedAt = performance.now();
  process.kill(pid, 'SIGKILL');
  const gone = await pollUntil(async () => tree.every((p) => !alive(p)) && (await Promise.all(ports.map(refuses))).every(Boolean), limitMs);
  return gone ? performance.now() - killedAt : -1;
}

describe('kill -9 of gauntlet run', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-orphans-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    console.log(`children gone after kill -9:\n  ${times.join('\n  ')}`);
  });

  it.each<[string, string, number, number]>([
    ['the embedded server', 'target: {embedded: true}', 1, 3],
    ['the embedded stack: router and three replicas', 'target: {embedded: true, replicas: 3}', 4, 13],
  ])('takes %s with it within 2 s: every process, every port', async (what, target, minProcesses, minPorts) => {
    const out = path.join(dir, `run-${minProcesses}`);
    const file = path.join(dir, `orphans-${minProcesses}.yaml`);
    writeFileSync(file, `name: orphans\n${target}\nrequest: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 256]}]}\nphases: [{name: a, duration: 60s, rate: 20}]\n`);
    const cli = startCli(['run', file, '--out', out]);
    try {
      expect(await pollUntil(() => existsSync(path.join(out, 'results.json')), 120_000)).toBe(true);
      const tree = descendants(cli.child.pid!);
      const ports = listeningPorts(tree);
      expect(tree.length).toBeGreaterThanOrEqual(minProcesses);
      expect(ports.length).toBeGreaterThanOrEqual(minPorts);
      const ms = await killAndWatch(cli.child.pid!, tree, ports);
      times.push(`${what}: ${tree.length} processes, ${ports.length} ports, ${ms.toFixed(0)} ms`);
      expect(ms).toBeGreaterThanOrEqual(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  }, 180_000);

  describe('with a command fault running', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
    });
    afterAll(() => server.close());

    // The watchdog shell ends the group at once (12–14 ms on a quiet machine), SIGKILL after WATCHDOG_GRACE_S;
    // on a busy CI machine a shell can wait seconds for a core, so the bound here is 5 s.
    it('takes the command and everything it started with it within 5 s', async () => {
      const out = path.join(dir, 'command');
      const pids = path.join(dir, 'command.pids');
      const file = path.join(dir, 'command.yaml');
      writeFileSync(
        file,
        `name: command
request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16]}]}
target: {name: t, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}"}
phases: [{name: a, duration: 60s, rate: 10}]
faults: [{at: 0s, action: command, run: "sleep 60 & echo $$ $! > ${pids}; wait", timeout: 60s}]
`,
      );
      const cli = startCli(['run', file, '--out', out]);
      try {
        expect(await pollUntil(() => existsSync(pids) && readFileSync(pids, 'utf8').endsWith('\n'), 20_000)).toBe(true);
        const [shell, sleeper] = readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
        expect(alive(shell) && alive(sleeper)).toBe(true);
        const ms = await killAndWatch(cli.child.pid!, [shell, sleeper], [], 5000);
        times.push(`a command fault's process group: ${ms.toFixed(0)} ms`);
        expect(ms).toBeGreaterThanOrEqual(0);
      } finally {
        cli.child.kill('SIGKILL');
      }
    });
  });
});

describe('gauntlet serve started from a shell', () => {
  let repo: string;
  beforeAll(() => {
    repo = makeRepository({ tiny: tinyMlpConfig('tiny') });
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('keeps serving when the shell that started it dies', async () => {
    const sh = spawn('/bin/sh', ['-c', `"${process.execPath}" "${CLI}" serve --model-repository "${repo}" --http-port 0 --grpc-port 0 --metrics-port 0 & echo $!; wait`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
    expect(await pollUntil(() => /Server is ready/.test(out), 60_000)).toBe(true);
    const serve = Number(out.split('\n')[0]);
    const port = Number(/Started HTTPService at .*:(\d+)/.exec(out)![1]);
    try {
      process.kill(sh.pid!, 'SIGKILL');
      // A watching child would be gone within PARENT_POLL_MS; this one must still serve well after that.
      expect(await pollUntil(() => !alive(serve), 1000)).toBe(false);
      expect(await refuses(port)).toBe(false);
    } finally {
      process.kill(serve, 'SIGTERM');
    }
  });
});
