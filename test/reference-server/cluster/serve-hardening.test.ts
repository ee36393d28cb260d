/**
 * `gauntlet serve` (the compiled CLI; `npm run build` first) against stalled clients and with its secrets: SIGTERM
 * does not wait out the grace period for a client that sent half a body; the timeout flags reach the replicas;
 * a token from --admin-token-file is used, named and never printed, with a warning when others can read the
 * file; out-of-range timeout flags are refused with exit code 2.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, serveCli } from '../../helpers/cli.js';
import { DRAIN_BODY_TIMEOUT_MS } from '../../../reference-server/core/listen.js';
import { rawExchange } from '../../helpers/raw-http.js';
import { inferBody, inputRows, waitUntil } from '../../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';
import { replicaList } from './cluster-helpers.js';

const SLACK_MS = 4000;
const BODY = JSON.stringify(inferBody(inputRows(1)));

const portOf = (lines: string[], what: string): number => Number(new RegExp(`^Started ${what} at 127\\.0\\.0\\.1:(\\d+)`).exec(lines.find((l) => l.startsWith(`Started ${what} `)) ?? '')?.[1]);
const ports = ['--http-port', '0', '--grpc-port', '0', '--metrics-port', '0'];

let repo: string;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  repo = makeRepository({ tiny: tinyMlpConfig('tiny') });
  dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-serve-'));
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(repo, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('gauntlet serve with stalled clients', () => {
  it('exits within about a second of SIGTERM, not the 30 s grace period, answering a half-sent body with 408', async () => {
    const s = await serveCli(['--model-repository', repo, ...ports]);
    children.push(s.child);
    const socket = net.connect(portOf(s.lines, 'HTTPService'), '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', () => {});
    socket.write(`POST /v2/models/tiny/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\nexpect: 100-continue\r\n\r\n`);
    await waitUntil(() => /^HTTP\/1\.1 100 Continue/.test(text), 'the server asks for the body', SLACK_MS);
    socket.write(BODY.slice(0, 20));
    const started = performance.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(performance.now() - started).toBeLessThan(DRAIN_BODY_TIMEOUT_MS + SLACK_MS);
    socket.destroy();
    expect(text).toMatch(/HTTP\/1\.1 408 /);
  });

  it('passes the timeout flags to the replicas, and uses a token file without printing the token', async () => {
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'file-token-0123456789\n');
    chmodSync(tokenFile, 0o644);
    const s = await serveCli(['--replicas', '2', '--model-repository', repo, ...ports, '--admin-port', '0', '--restart-delay', 'never', '--grace-period', '2', '--admin-token-file', tokenFile, '--body-timeout-ms', '300']);
    children.push(s.child);
    try {
      expect(s.lines).toContain(`warning: --admin-token-file: ${tokenFile} can be read by other users (mode 0644); chmod 600 it`);
      const admin = s.lines.find((l) => l.startsWith('Started Admin API at '))!;
      expect(admin).toMatch(new RegExp(`^Started Admin API at 127\\.0\\.0\\.1:\\d+ \\(token from ${tokenFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
      expect(s.lines.join('\n')).not.toContain('file-token-0123456789');
      const replicas = await replicaList({ adminPort: Number(/:(\d+) /.exec(admin)![1]), adminToken: 'file-token-0123456789' });
      const reply = await rawExchange(replicas[0]!.httpPort, [`POST /v2/models/tiny/infer HTTP/1.1\r\nhost: x\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY.slice(0, 20)}`], { waitForClose: true, timeoutMs: 300 + SLACK_MS });
      expect(reply.status, reply.text).toBe(408);
      expect(reply.elapsedMs).toBeGreaterThanOrEqual(250);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('refuses out-of-range timeout flags with exit code 2, listing each', async () => {
    const s = await serveCli(['--model-repository', repo, ...ports, '--body-timeout-ms', '-1', '--idle-timeout-ms', '10', '--headers-timeout-ms', '1e12'], {}, true);
    expect(await s.exited).toBe(2);
    const out = s.lines.join('\n');
    expect(out).toMatch(/--body-timeout-ms: must be an integer from 100 to 3600000 \(or 0 = none\), got -1/);
    expect(out).toMatch(/--idle-timeout-ms: must be an integer from 1000 to 3600000, got 10/);
    expect(out).toMatch(/--headers-timeout-ms: must be an integer from 100 to 3600000, got 1000000000000/);
  });
});
