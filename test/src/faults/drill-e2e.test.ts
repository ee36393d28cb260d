/**
 * Failure drills end to end with runPlan: (1) a network fault through the TCP proxy and a command fault against
 * a reference server in this process; (2) the embedded replicated stack (`target: {embedded: true, replicas: 3}`,
 * docs/cluster.md) with kill-replica then restore-replica through its admin API. Both check the fault timeline,
 * the drill measurements, and that no request was lost.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { tinyMlpConfig } from '../../helpers/test-repo.js';

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'gauntlet-drill-'));
const lines: string[] = [];
const log = (l: string): void => void lines.push(l);

describe('a network and a command fault against an external target', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny', { dynamic_batching: { max_queue_delay_microseconds: 200 } }) });
  });
  afterAll(() => server.close());

  it('delays requests through the proxy only during the window and records both faults', async () => {
    const text = `
name: network-drill
seed: 9
request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16], data: random}]}
target: {name: local, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}", metrics_url: "http://127.0.0.1:${server.metricsPort}/metrics"}
slo: {p99_ms: 120}
drill: {recovery_window: 1s, compare_window: 2s}
phases:
  - {name: steady, duration: 10s, rate: 50}
faults:
  - {at: 1s, action: command, run: "echo drill for $GAUNTLET_SCENARIO", timeout: 5s}
  - {at: 3s, duration: 2s, action: network, latency_ms: 150, jitter_ms: 5}
`;
    const dir = tmp();
    const { results } = await runPlan(parseScenario(text, { baseDir: process.cwd() }), { outDir: dir, workers: 1, onLine: log });
    expect(results.totals.lost).toBe(0);
    expect(results.target.url).toBe(`http://127.0.0.1:${server.httpPort}`);
    expect(results.target.proxy?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(results.target.proxy!.bytesToTarget).toBeGreaterThan(400 * 100);
    expect(results.target.proxy!.connections).toBeGreaterThan(0);
    const [command, network] = results.faults;
    expect(command).toMatchObject({ index: 0, action: 'command', outcome: 'ok', exitCode: 0, output: ['drill for network-drill'] });
    expect(network).toMatchObject({ index: 1, action: 'network', outcome: 'ok', params: { latencyMs: 150, jitterMs: 5 } });
    expect(network!.startedAtS).toBeGreaterThanOrEqual(3);
    expect(network!.endedAtS! - network!.startedAtS!).toBeGreaterThanOrEqual(1.99);
    // Inside the window requests took ~150 ms more; outside they did not.
    const d = network!.drill!;
    expect(d.window.endsAt).toBe('fault-end');
    expect(d.worstP99Us).toBeGreaterThan(145_000);
    expect(d.failed).toBe(0);
    const inside = results.intervals.filter((r) => r.t >= 4 && r.t < 5);
    const outside = results.intervals.filter((r) => r.t >= 6);
    expect(Math.min(...inside.map((r) => r.latencyUs.p50))).toBeGreaterThan(140_000);
    expect(Math.max(...outside.map((r) => r.latencyUs.p50))).toBeLessThan(30_000);
    // Recovered once the delay was lifted: the SLO's p99 (120 ms) is under the added 150 ms, and far enough above
    // the tiny model's few milliseconds that a stall of this shared machine after the fault (a second at p99 over
    // 50 ms, CI 2026-12-06, under the old 60 ms delay and 50 ms SLO) does not read as not recovered.
    expect(d.recovery).toMatchObject({ fromS: network!.endedAtS, windowS: 1, p99LimitMs: 120 });
    expect(d.recovery.recoveryS).not.toBeNull();
    expect(d.recovery.recoveryS!).toBeLessThanOrEqual(4);
    // The file on disk has the same timeline.
    const onDisk = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
    expect(onDisk.faults.map((f: { outcome: string }) => f.outcome)).toEqual(['ok', 'ok']);
    expect(lines.some((l) => /^fault 2 \(network \+150 ms ± 5 ms\) started at 3\.\d s/.test(l))).toBe(true);
  }, 60_000);
});

/** Runs the real replicated stack (`gauntlet serve --replicas 3`, reference-server/cluster) as the embedded target. */
describe('kill-replica and restore-replica on the embedded 3-replica stack', () => {
  it('records both faults, loses nothing, fails few requests, finds recovery and the restored replica\'s cold start', async () => {
    const text = `
name: replica-drill
seed: 4
peak_rps: 40
target: {embedded: true, replicas: 3, restart_delay: never}
request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 256], data: random}]}
slo: {p99_ms: 1000}
drill: {recovery_window: 2s}
phases:
  - {name: warmup, duration: 2s, rate: 0.5x, slo: off}
  - {name: steady, duration: 14s, rate: 1x}
faults:
  - {at: 5s, action: kill-replica, replica: any}
  - {at: 11s, action: restore-replica}
`;
    const { results } = await runPlan(parseScenario(text, { baseDir: process.cwd() }), { outDir: tmp(), workers: 1, onLine: log });
    expect(results.target.replicas).toBe(3);
    expect(results.totals.lost).toBe(0);
    const [kill, restore] = results.faults;
    expect(kill).toMatchObject({ action: 'kill-replica', outcome: 'ok', replica: expect.stringMatching(/^r[0-2]$/) });
    expect(restore).toMatchObject({ action: 'restore-replica', outcome: 'ok', replica: kill!.replica });
    expect(restore!.coldStartMs).toBeGreaterThan(0);
    // The killed replica's replacement is the restored one.
    expect(kill!.coldStartMs).toBe(restore!.coldStartMs);
    const d = kill!.drill!;
    expect(d.window).toMatchObject({ endsAt: 'next-fault' });
    // The router retries requests that got no response byte: few or no failures while a replica dies.
    const windowRequests = (d.throughputRps.during ?? 0) * (d.window.endS - d.window.startS);
    expect(d.failed).toBeLessThanOrEqual(Math.max(3, 0.05 * windowRequests));
    expect(d.recovery.recoveryS).not.toBeNull();
    expect(d.lost).toBe(0);
    expect(d.coldStartMs).toBe(restore!.coldStartMs);
    expect(restore!.drill!.recovery.fromS).toBeGreaterThanOrEqual(11);
  }, 180_000);
});
