/**
 * `gauntlet serve --replicas 2` as a user runs it (the compiled CLI; `npm run build` first): the start-up lines
 * with the admin line (a token from the environment is named, not printed, and no replica inherits it),
 * inference through the router, SIGTERM drains and exits 0 with every replica gone; and the harness's embedded
 * server with replicas: its admin port and token are parsed, and when the supervisor is killed outright its
 * replicas go with it.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, serveCli } from '../../helpers/cli.js';
import { startEmbeddedServer } from '../../../src/run/embedded-server.js';
import { infer, inputRows, waitUntil } from '../../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';
import { replicaList } from './cluster-helpers.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const portOf = (lines: string[], what: string): number => Number(new RegExp(`^Started ${what} at 127\\.0\\.0\\.1:(\\d+)`).exec(lines.find((l) => l.startsWith(`Started ${what} `)) ?? '')?.[1]);

describe('gauntlet serve --replicas 2 (compiled CLI)', () => {
  let repo: string;
  const ports = ['--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', '--admin-port', '0'];

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    repo = makeRepository({ tiny: tinyMlpConfig('tiny') });
  });

  afterAll(() => {
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('prints the start-up lines with the admin line, serves through the router, and exits 0 on SIGTERM with its replicas gone', async () => {
    const s = await serveCli(['--replicas', '2', '--model-repository', repo, ...ports, '--restart-delay', 'never', '--grace-period', '2'], { GAUNTLET_ADMIN_TOKEN: 'token-from-env-123' });
    try {
      const startup = s.lines.filter((l) => /^(Started |Server is)/.test(l));
      expect(startup.map((l) => l.replace(/\d+/g, 'N'))).toEqual([
        'Started GRPCInferenceService at N.N.N.N:N',
        'Started HTTPService at N.N.N.N:N',
        'Started Metrics Service at N.N.N.N:N',
        'Started Admin API at N.N.N.N:N (token from $GAUNTLET_ADMIN_TOKEN)',
        'Server is ready',
      ]);
      // A token the user gave is never printed.
      expect(s.lines.join('\n')).not.toContain('token-from-env-123');
      const cluster = { adminPort: Number(/^Started Admin API at 127\.0\.0\.1:(\d+) /.exec(startup[3]!)![1]), adminToken: 'token-from-env-123' };
      const httpPort = portOf(s.lines, 'HTTPService');
      expect(await infer(httpPort, 'tiny', inputRows(1))).toHaveLength(1);
      const replicas = await replicaList(cluster);
      expect(replicas.map((r) => [r.id, r.state])).toEqual([
        ['r0', 'ready'],
        ['r1', 'ready'],
      ]);
      // Nor is it in any replica's environment (Linux shows a process's environment in /proc).
      if (process.platform === 'linux') {
        for (const r of replicas) expect(readFileSync(`/proc/${r.pid}/environ`, 'utf8').split('\0').filter((e) => e.startsWith('GAUNTLET_ADMIN_TOKEN='))).toEqual([]);
      }
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      expect(s.lines).toContain('Server stopped');
      for (const r of replicas) expect(alive(r.pid!)).toBe(false);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('is what the harness embeds: startEmbeddedServer exposes the admin port and token; killed outright, it takes its replicas with it', async () => {
    // A token in the harness's own environment is not the stack's: the stack still generates and announces one.
    process.env['GAUNTLET_ADMIN_TOKEN'] = 'the-users-own-token';
    let embedded: Awaited<ReturnType<typeof startEmbeddedServer>>;
    try {
      embedded = await startEmbeddedServer(['--replicas', '2', '--model-repository', repo, '--admin-port', '0']);
    } finally {
      delete process.env['GAUNTLET_ADMIN_TOKEN'];
    }
    try {
      expect(embedded.adminToken).toMatch(/^[0-9a-f]{32}$/); // generated
      const replicas = await replicaList({ adminPort: embedded.adminPort!, adminToken: embedded.adminToken! });
      expect(replicas.map((r) => r.state)).toEqual(['ready', 'ready']);
      expect(await infer(embedded.httpPort, 'tiny', inputRows(2))).toHaveLength(1);
      embedded.child.kill('SIGKILL');
      await waitUntil(() => replicas.every((r) => !alive(r.pid!)), 'the replicas exit after their supervisor died', 10_000);
    } finally {
      embedded.child.kill('SIGKILL');
    }
  });
});
