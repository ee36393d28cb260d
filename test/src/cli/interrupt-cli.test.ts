/**
 * SIGINT and SIGTERM stop `gauntlet run` and `gauntlet sweep` within 2 s in every stage (exit 3), and leave
 * results.json marked interrupted wherever the run got as far as its results folder: starting the embedded
 * server, the preflight check against a target that never answers, the load workers' warm-up, sending, waiting
 * for replies in flight (while sending, and after the last send), a command fault in progress, the end of a run,
 * and a sweep's combination. A second
 * signal exits at once. Stop times are measured from the signal to the exit, against a deadline.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { alive, type Cli, descendants, pollUntil, startCli } from '../../helpers/process-tree.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';

/** STOP_LIMIT_MS is the bound: signal to exit. */
const STOP_LIMIT_MS = 2000;
const stopTimes: string[] = [];

/** interrupt sends `sig` and waits (10 s at most) for the exit; returns how long it took and how it ended. */
async function interrupt(cli: Cli, sig: NodeJS.Signals, what: string): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }> {
  const before = descendants(cli.child.pid!);
  const sentAt = performance.now();
  cli.child.kill(sig);
  const deadline = setTimeout(() => cli.child.kill('SIGKILL'), 10_000);
  const e = await cli.exited;
  clearTimeout(deadline);
  const ms = e.atMs - sentAt;
  stopTimes.push(`${what} (${sig}): ${ms.toFixed(0)} ms`);
  // Whatever it had started goes with it.
  expect(await pollUntil(() => before.every((p) => !alive(p)), STOP_LIMIT_MS)).toBe(true);
  return { ms, code: e.code, signal: e.signal };
}

function results(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
}

/** heldServer answers the first `answered` requests with 200 {} and holds every later one until closed. */
async function heldServer(answered: number): Promise<{ port: number; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    if (n++ < answered) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    else held.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    requests: () => n,
    close: () =>
      new Promise<void>((r) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('interrupting gauntlet (CLI)', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-interrupt-'));
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    // The measured stop times, for the record.
    console.log(`stop times:\n  ${stopTimes.join('\n  ')}`);
  });

  const scenario = (name: string, body: string): string => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, `name: ${name}\n${body}`);
    return file;
  };
  const tinyTarget = (): string => `request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16]}]}
target: {name: t, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}"}
`;
  const httpTarget = (port: number): string => `target: {name: held, protocol: http, url: "http://127.0.0.1:${port}", path: /x, timeout_ms: 60000}\n`;

  it('while the embedded server starts (SIGTERM)', async () => {
    const out = path.join(dir, 'embedded-start');
    const cli = startCli(['run', path.join(process.cwd(), 'scenarios/smoke.yaml'), '--out', out]);
    await cli.waitFor(/starting the embedded reference server/);
    const r = await interrupt(cli, 'SIGTERM', 'starting the embedded server');
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(STOP_LIMIT_MS);
    expect(cli.output()).toMatch(/INTERRUPTED while starting the embedded reference server/);
    expect(existsSync(out)).toBe(false);
  });

  it('during the preflight check against a target that never answers (SIGINT)', async () => {
    const target = await heldServer(0);
    try {
      const cli = startCli(['run', scenario('preflight', httpTarget(target.port) + 'phases: [{name: a, duration: 30s, rate: 10}]\n'), '--out', path.join(dir, 'preflight')]);
      expect(await pollUntil(() => target.requests() > 0, 20_000)).toBe(true);
      const r = await interrupt(cli, 'SIGINT', 'preflight check');
      expect(r.code).toBe(3);
      expect(r.ms).toBeLessThan(STOP_LIMIT_MS);
      expect(cli.output()).toMatch(/INTERRUPTED while checking the target/);
    } finally {
      await target.close();
    }
  });

  it('during the load workers\' warm-up: results say interrupted, nothing sent (SIGTERM)', async () => {
    const target = await heldServer(1);
    const out = path.join(dir, 'warm-up');
    try {
      const cli = startCli(['run', scenario('warm-up', httpTarget(target.port) + 'phases: [{name: a, duration: 30s, rate: 10}]\n'), '--out', out]);
      // Request 1 answered the preflight; the next ones are the warm-up's, held.
      expect(await pollUntil(() => target.requests() > 1, 20_000)).toBe(true);
      const r = await interrupt(cli, 'SIGTERM', 'load workers warming up');
      expect(r.code).toBe(3);
      expect(r.ms).toBeLessThan(STOP_LIMIT_MS);
      const res = results(out);
      expect(res.status).toBe('interrupted');
      expect(res.totals.sent).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('while sending (SIGTERM)', async () => {
    const out = path.join(dir, 'sending');
    const cli = startCli(['run', scenario('sending', tinyTarget() + 'phases: [{name: a, duration: 30s, rate: 100}]\n'), '--out', out]);
    expect(await pollUntil(() => existsSync(path.join(out, 'results.json')), 20_000)).toBe(true);
    const r = await interrupt(cli, 'SIGTERM', 'sending');
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(STOP_LIMIT_MS);
    const res = results(out);
    expect(res.status).toBe('interrupted');
    expect(res.totals.sent).toBeGreaterThan(0);
    expect(res.totals.lost).toBe(0);
  });

  it('while replies are in flight: they get a short grace, then are CANCELLED (SIGINT)', async () => {
    // The preflight and the 24 warm-up requests are answered; every request of the run is held.
    const target = await heldServer(25);
    const out = path.join(dir, 'in-flight');
    try {
      const cli = startCli(['run', scenario('in-flight', httpTarget(target.port) + 'phases: [{name: a, duration: 30s, rate: 50}]\n'), '--out', out]);
      expect(await pollUntil(() => existsSync(path.join(out, 'results.json')) && target.requests() > 40, 20_000)).toBe(true);
      const r = await interrupt(cli, 'SIGINT', 'replies in flight');
      expect(r.code).toBe(3);
      expect(r.ms).toBeLessThan(STOP_LIMIT_MS);
      const res = results(out);
      expect(res.status).toBe('interrupted');
      expect(res.phases[0].errors.CANCELLED).toBeGreaterThan(10);
      expect(res.totals.lost).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('after the last send, while waiting for the last replies (SIGTERM)', async () => {
    // Every request of the 1 s phase is held; the run would wait for them up to the 60 s request timeout.
    const target = await heldServer(25);
    const out = path.join(dir, 'last-replies');
    try {
      const cli = startCli(['run', scenario('last-replies', httpTarget(target.port) + 'phases: [{name: a, duration: 1s, rate: 20}]\n'), '--out', out]);
      expect(await pollUntil(() => target.requests() >= 25 + 20, 20_000)).toBe(true);
      const r = await interrupt(cli, 'SIGTERM', 'waiting for the last replies');
      expect(r.code).toBe(3);
      expect(r.ms).toBeLessThan(STOP_LIMIT_MS);
      const res = results(out);
      expect(res.status).toBe('interrupted');
      expect(res.phases[0].errors.CANCELLED).toBe(20);
    } finally {
      await target.close();
    }
  });

  it('while a command fault runs: the command is ended too, even one that ignores SIGTERM (SIGTERM)', async () => {
    const out = path.join(dir, 'command');
    const pidFile = path.join(dir, 'command.pid');
    const file = scenario(
      'command',
      tinyTarget() +
        `phases: [{name: a, duration: 30s, rate: 20}]\nfaults: [{at: 0s, action: command, run: "trap '' TERM; echo $$ > ${pidFile}; while true; do sleep 0.05; done", timeout: 60s}]\n`,
    );
    const cli = startCli(['run', file, '--out', out]);
    expect(await pollUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 20_000)).toBe(true);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(sleeper)).toBe(true);
    const r = await interrupt(cli, 'SIGTERM', 'command fault running');
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(STOP_LIMIT_MS);
    expect(alive(sleeper)).toBe(false);
    const res = results(out);
    expect(res.status).toBe('interrupted');
    expect(res.faults[0].outcome).toBe('timeout');
    expect(res.faults[0].detail).toMatch(/interrupted/);
  });

  it('at the end of a run with the embedded server (SIGTERM)', async () => {
    const out = path.join(dir, 'end');
    const file = scenario('end', 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 256]}]}\nphases: [{name: a, duration: 1s, rate: 20}]\n');
    const cli = startCli(['run', file, '--out', out]);
    // The moment the final results are written, the server is being stopped and the reports written.
    expect(await pollUntil(() => existsSync(path.join(out, 'results.json')) && results(out).status !== 'running', 60_000)).toBe(true);
    const r = await interrupt(cli, 'SIGTERM', 'end of a run (server stop, reports)');
    expect(r.ms).toBeLessThan(STOP_LIMIT_MS);
    expect(r.code === 3 || r.code === 0 || r.code === 1 || r.signal === 'SIGTERM').toBe(true);
    expect(['complete', 'interrupted']).toContain(results(out).status);
  });

  it('a second signal exits at once (130)', async () => {
    const out = path.join(dir, 'twice');
    const target = await heldServer(25);
    try {
      const cli = startCli(['run', scenario('twice', httpTarget(target.port) + 'phases: [{name: a, duration: 30s, rate: 50}]\n'), '--out', out]);
      expect(await pollUntil(() => existsSync(path.join(out, 'results.json')) && target.requests() > 30, 20_000)).toBe(true);
      cli.child.kill('SIGTERM');
      await cli.waitFor(/interrupted: stopping sends/, 5000);
      const r = await interrupt(cli, 'SIGTERM', 'second signal');
      expect(r.code).toBe(130);
      expect(r.ms).toBeLessThan(500);
    } finally {
      await target.close();
    }
  });

  describe('gauntlet sweep', () => {
    let repo: string;
    beforeAll(() => {
      repo = makeRepository({ tiny: tinyMlpConfig('tiny') });
      writeFileSync(
        path.join(dir, 'sweep-base.yaml'),
        'name: sweep-base\nrequest: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16]}]}\nslo: {p99_ms: 2000}\nphases: [{name: a, duration: 30s, rate: 50}]\n',
      );
      writeFileSync(path.join(dir, 'sweep.yaml'), 'name: sweep\nscenario: sweep-base.yaml\nmodel: tiny\nmatrix: {instance_count: [1, 2]}\n');
    });
    afterAll(() => rmSync(repo, { recursive: true, force: true }));

    it.each<[string, RegExp, NodeJS.Signals]>([
      ['its server starts', /\[1\/2\] /, 'SIGINT'],
      ['a combination runs', /server ready in/, 'SIGTERM'],
    ])('while %s (%s): exit 3, sweep.json interrupted, the rest skipped', async (what, ready, sig) => {
      const out = path.join(dir, `sweep-${sig}`);
      const cli = startCli(['sweep', path.join(dir, 'sweep.yaml'), '--model-repository', repo, '--out', out]);
      await cli.waitFor(ready);
      const first = (): string => JSON.parse(readFileSync(path.join(out, 'sweep.json'), 'utf8')).combinations[0].dir;
      if (sig === 'SIGTERM') expect(await pollUntil(() => existsSync(path.join(out, first(), 'results.json')), 20_000)).toBe(true);
      const r = await interrupt(cli, sig, `sweep: ${what}`);
      expect(r.code).toBe(3);
      expect(r.ms).toBeLessThan(STOP_LIMIT_MS);
      const record = JSON.parse(readFileSync(path.join(out, 'sweep.json'), 'utf8'));
      expect(record.status).toBe('interrupted');
      expect(record.combinations[1].status).toBe('skipped');
    });
  });
});
