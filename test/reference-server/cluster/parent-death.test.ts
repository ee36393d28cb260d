/**
 * Every child of the reference stack exits within 2 s of its parent's death, whatever killed the parent
 * (reference-server/core/parent-watch.ts): replicas when `gauntlet serve --replicas` is SIGKILLed, even a replica
 * in the middle of a drain; model instances that run in processes of their own (GPU isolation); the benches'
 * load processes; and a harness-started `gauntlet serve` whose harness was already gone when it started.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARENT_PID_ENV } from '../../../reference-server/core/parent-watch.js';
import { httpRequest, inferBody, inputRows } from '../../helpers/reference-client.js';
import { alive, descendants, listeningPorts, pollUntil, refuses, ROOT, startCli } from '../../helpers/process-tree.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';

/** LIMIT_MS is the bound: parent dead to every child gone. */
const LIMIT_MS = 2000;
const times: string[] = [];

/** killAndWatch SIGKILLs `pid` and resolves with the time until every process in `tree` is gone and every port refuses (-1: not within LIMIT_MS). */
async function killAndWatch(pid: number, tree: number[], ports: number[] = []): Promise<number> {
  const killedAt = performance.now();
  process.kill(pid, 'SIGKILL');
  const gone = await pollUntil(async () => tree.every((p) => !alive(p)) && (await Promise.all(ports.map(refuses))).every(Boolean), LIMIT_MS);
  return gone ? performance.now() - killedAt : -1;
}

const FIXTURES = path.join(ROOT, 'test/reference-server/cluster/fixtures');
const PORTS = ['--http-port', '0', '--grpc-port', '0', '--metrics-port', '0'];
const TOKEN = 'parent-death-token';

describe('children die with their parent', () => {
  let repo: string;
  beforeAll(() => {
    repo = makeRepository({
      tiny: tinyMlpConfig('tiny'),
      // A "GPU" model on a machine without one: its instances run in processes of their own, on the CPU.
      gpu: tinyMlpConfig('gpu', { execution_provider: 'cuda', fallback_to_cpu: true, instance_group: [{ count: 2, kind: 'KIND_GPU' }] }),
    });
  });
  afterAll(() => {
    rmSync(repo, { recursive: true, force: true });
    console.log(`children gone after their parent's SIGKILL:\n  ${times.join('\n  ')}`);
  });

  it('replicas exit when gauntlet serve --replicas 2 is SIGKILLed, and their ports refuse', async () => {
    const cli = startCli(['serve', '--model-repository', repo, '--load-model', 'tiny', '--replicas', '2', '--admin-port', '0', ...PORTS]);
    try {
      await cli.waitFor(/Server is ready/);
      const tree = descendants(cli.child.pid!);
      const ports = listeningPorts(tree);
      expect(tree).toHaveLength(2);
      expect(ports.length).toBeGreaterThanOrEqual(6);
      const ms = await killAndWatch(cli.child.pid!, tree, ports);
      times.push(`replicas of a SIGKILLed router: ${ms.toFixed(0)} ms`);
      expect(ms).toBeGreaterThanOrEqual(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('a replica that is draining exits too, without finishing its drain', async () => {
    // Every inference takes 3 s, so a replica asked to stop while one runs drains for that long.
    const cli = startCli(['serve', '--model-repository', repo, '--load-model', 'tiny', '--replicas', '2', '--admin-port', '0', ...PORTS], { GAUNTLET_REPLICA_DELAY_US: '3000000', GAUNTLET_ADMIN_TOKEN: TOKEN });
    try {
      await cli.waitFor(/Server is ready/, 90_000);
      const adminPort = Number(/Started Admin API at .*:(\d+)/.exec(cli.output())![1]);
      const admin = (method: string, p: string) => httpRequest(adminPort, { method, path: p, headers: { authorization: `Bearer ${TOKEN}` }, timeoutMs: 30_000 });
      const replicas = JSON.parse((await admin('GET', '/admin/replicas')).body.toString()).replicas as { id: string; pid: number; httpPort: number; state: string }[];
      const r0 = replicas[0]!;
      const held = httpRequest(r0.httpPort, { path: '/v2/models/tiny/infer', body: inferBody(inputRows(1)), timeoutMs: 30_000 }).catch(() => undefined);
      void held;
      const stopping = admin('POST', `/admin/replicas/${r0.id}/stop`).catch(() => undefined);
      void stopping;
      expect(await pollUntil(async () => JSON.parse((await admin('GET', '/admin/replicas')).body.toString()).replicas[0].state === 'draining', 10_000)).toBe(true);
      const tree = descendants(cli.child.pid!);
      expect(tree).toContain(r0.pid);
      const ms = await killAndWatch(cli.child.pid!, tree, listeningPorts(tree));
      times.push(`a draining replica of a SIGKILLed router: ${ms.toFixed(0)} ms`);
      expect(ms).toBeGreaterThanOrEqual(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  }, 120_000);

  it('instance processes (GPU isolation) exit when their server is SIGKILLed', async () => {
    const cli = startCli(['serve', '--model-repository', repo, '--load-model', 'gpu', ...PORTS]);
    try {
      await cli.waitFor(/Server is ready/);
      const tree = descendants(cli.child.pid!);
      expect(tree).toHaveLength(2);
      const ms = await killAndWatch(cli.child.pid!, tree);
      times.push(`instance processes of a SIGKILLed server: ${ms.toFixed(0)} ms`);
      expect(ms).toBeGreaterThanOrEqual(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('an instance process exits when whatever process started it is SIGKILLed', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'instance-parent.ts'), path.join(repo, 'tiny', '1', 'model.onnx')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
      expect(await pollUntil(() => /ready \d+/.test(out), 30_000)).toBe(true);
      const pid = Number(/ready (\d+)/.exec(out)![1]);
      expect(alive(pid)).toBe(true);
      const ms = await killAndWatch(parent.pid!, [pid]);
      times.push(`an instance process of a SIGKILLed parent: ${ms.toFixed(0)} ms`);
      expect(ms).toBeGreaterThanOrEqual(0);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it("a bench's load process exits when the bench is SIGKILLed", async () => {
    // A port nobody listens on: the load process's requests fail at once, and it keeps trying for a minute.
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const parent = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'load-parent.ts'), String(closed)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // Killed at once, the load process may not have started its watch yet: it must notice the closed channel then.
      expect(await pollUntil(() => /started/.test(out) && descendants(parent.pid!).length > 0, 30_000)).toBe(true);
      const tree = descendants(parent.pid!);
      const ms = await killAndWatch(parent.pid!, tree);
      times.push(`a bench load process of a SIGKILLed bench: ${ms.toFixed(0)} ms`);
      expect(ms).toBeGreaterThanOrEqual(0);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it("a bench's own gauntlet serve and fixed target exit when the bench is SIGKILLed", async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'serve-parent.ts'), repo], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
      expect(await pollUntil(() => /ready \d+ \d+/.test(out), 60_000)).toBe(true);
      const pids = /ready (\d+) (\d+)/.exec(out)!.slice(1).map(Number);
      const ms = await killAndWatch(parent.pid!, pids);
      times.push(`a bench's serve and fixed target of a SIGKILLed bench: ${ms.toFixed(0)} ms`);
      expect(ms).toBeGreaterThanOrEqual(0);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('a gauntlet serve whose harness is already gone when it starts exits at once', async () => {
    // A pid that is not its parent: the harness died (and its pid may even be reused) before the watch began.
    const cli = startCli(['serve', '--model-repository', repo, '--load-model', 'tiny', ...PORTS], { [PARENT_PID_ENV]: String(process.ppid) });
    // Its own start (Node and the server's modules) counts here, several seconds on a busy runner: a serve that
    // ignored the missing harness would never exit, so a generous bound still tells the two apart.
    const e = await Promise.race([cli.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5 * LIMIT_MS))]);
    cli.child.kill('SIGKILL');
    expect(e).toBeDefined();
    expect(cli.output()).not.toMatch(/Server is ready/);
  });
});
