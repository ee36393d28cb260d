/**
 * A machine stall (here: the whole gauntlet process stopped with SIGSTOP for STOP_MS, as a descheduled VM stops
 * every thread at once) shows in results.json's `generator.stalls`: the watchdog thread woke STOP_MS late, and the
 * sends that were due meanwhile, late by up to STOP_MS, are counted as late sends in a stall, so a verdict can say
 * that the machine stalled rather than blame the generator's load or the target: its invalid reason and advice do.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../../helpers/process-tree.js';

const STOP_MS = 150;
const RPS = 200;

describe('machine stalls in results.json', () => {
  let dir: string;
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-stall-'));
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the sends a stop of the whole process made late as late sends in a stall', async () => {
    const scenario = path.join(dir, 'stall.yaml');
    writeFileSync(scenario, `name: stall\ntarget: {name: fixed, protocol: http, url: "http://127.0.0.1:${port}", path: /x}\nslo: {p99_ms: 1000}\nphases: [{name: a, duration: 4s, rate: ${RPS}}]\n`);
    const out = path.join(dir, 'run');
    const cli = startCli(['run', scenario, '--out', out, '--exit-zero']);
    // The first progress line comes after the run's first second: stop the process in its second second.
    await cli.waitFor(/\[0:01\//, 30_000);
    cli.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, STOP_MS));
    cli.child.kill('SIGCONT');
    const e = await cli.exited;
    expect(e.code, cli.output()).toBe(0);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    const g = results.generator;
    const s = g.stalls;
    expect(s.watchdog).not.toBe('off');
    expect(s.wakeups).toBeGreaterThan(1000);
    expect(s.maxUs).toBeGreaterThanOrEqual(STOP_MS * 1000 * 0.9);
    const stopped = s.seconds.find((x: { maxUs: number }) => x.maxUs >= STOP_MS * 1000 * 0.9);
    expect(stopped.t).toBeGreaterThanOrEqual(1);
    // About STOP_MS × RPS / 1000 = 30 sends were due while the process was stopped.
    expect(s.checkedLateSendsInStalls).toBeGreaterThanOrEqual(20);
    expect(s.checkedLateSends).toBeGreaterThanOrEqual(s.checkedLateSendsInStalls);
    expect(stopped.lateSendsInStalls).toBeGreaterThanOrEqual(20);
    expect(g.sendLagUs.max).toBeGreaterThanOrEqual(STOP_MS * 1000 * 0.8);
    // The lag made the judged p99 invalid; at real-time priority the watchdog measured the machine alone, and the
    // verdict and the advice name the machine's stall, not the generator's load.
    expect(results.valid).toBe(false);
    if (s.watchdog === 'realtime') {
      expect(results.invalidReasons.join('\n')).toMatch(/the machine stalled \(every thread of this process waited \d+ ms at once; \d+ % of the late sends fell in such stalls\), so the load generator could not keep up/);
      expect(g.advice).toMatch(/^what would help: the machine stalled/);
    }
  });
});
