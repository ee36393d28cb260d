/**
 * The coordinated-omission test: a server that stalls for one second under 200 rps of open-loop load. An honest
 * open-loop measurement must show the stall in ~200 latencies spread between 0 and 1 s (measured from each
 * request's intended send time), while the requests sent before and after the stall keep small service times.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAtOrBelow as countBelow, decodeHistogram } from '../../../src/metrics/hdr.js';
import { type RunOutcome, runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';

describe('coordinated omission', () => {
  const STALL_AT_MS = 1000;
  const STALL_MS = 1000;
  let t0 = 0;
  let stallStartedAt = 0;
  const held: ServerResponse[] = [];
  let releaseTimer: NodeJS.Timeout | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      // The preflight check and the workers' warm-up come before the run: answered at once, never stalled.
      if (t0 === 0 || Date.now() < t0) {
        res.end('{"ok":true}');
        return;
      }
      const since = Date.now() - t0;
      // The first request at or after STALL_AT_MS starts a one-second stall: every response is held until it ends.
      if (!stallStartedAt && since >= STALL_AT_MS) {
        stallStartedAt = Date.now();
        releaseTimer = setTimeout(() => {
          for (const r of held.splice(0)) r.end('{"ok":true}');
        }, STALL_MS);
      }
      if (stallStartedAt && Date.now() - stallStartedAt < STALL_MS) held.push(res);
      else res.end('{"ok":true}');
    });
  });
  let outcome: RunOutcome;

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const yaml = `
name: stall
seed: 3
target: {name: staller, protocol: http, url: "http://127.0.0.1:${port}", method: POST, path: /, body: "{}", timeout_ms: 5000}
phases:
  - {name: load, duration: 3s, rate: 200}
`;
    const plan = parseScenario(yaml, { baseDir: process.cwd() });
    // t0 is the run's start: it logs "running …" once its workers are ready, and starts 200 ms later (run.ts). On a
    // busy machine the warm-up before it can take over a second, so the first request the server sees is no clock.
    const onLine = (line: string): void => {
      if (t0 === 0 && line.startsWith('running ')) t0 = Date.now() + 200;
    };
    outcome = await runPlan(plan, { outDir: mkdtempSync(path.join(os.tmpdir(), 'gauntlet-co-')), workers: 1, onLine });
  }, 60_000);

  afterAll(async () => {
    clearTimeout(releaseTimer);
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('records about 200 latencies spread between 0 and 1 s', () => {
    const phase = outcome.results.phases[0]!;
    expect(phase.sent).toBeGreaterThanOrEqual(590);
    expect(phase.ok).toBe(phase.sent);
    const latency = decodeHistogram(phase.histogram);
    // Requests intended during the stall: their latencies fall evenly between ~0 and ~1 s (~190 of them above 50 ms;
    // a busy machine adds a few slow requests outside the stall, hence the margin).
    const slow = latency.totalCount - countBelow(latency, 50_000);
    expect(slow).toBeGreaterThan(160);
    expect(slow).toBeLessThan(260);
    const overHalf = latency.totalCount - countBelow(latency, 500_000);
    expect(overHalf).toBeGreaterThan(70);
    expect(overHalf).toBeLessThan(130);
    expect(phase.latencyUs.p99).toBeGreaterThan(900_000);
    expect(phase.latencyUs.max).toBeLessThan(1_200_000);
  });

  it('keeps the service time of requests sent outside the stall small', () => {
    const rows = outcome.results.intervals;
    const before = rows.filter((r) => r.t === 0);
    const after = rows.filter((r) => r.t >= 2 && r.okRps > 0 && r.t < 3);
    expect(before.length).toBeGreaterThan(0);
    for (const r of before) expect(r.serviceTimeUs.p99).toBeLessThan(100_000);
    // In the second after the stall the held responses complete too (with long service times, as sent on time
    // into the stall); requests sent after it are fast, so the median stays small.
    for (const r of after) expect(r.serviceTimeUs.p50).toBeLessThan(100_000);
  });

  it('measures the stall in latency, not only in service time, for the requests sent during it', () => {
    const phase = outcome.results.phases[0]!;
    // Sent on time into a stalled server, so service time and latency agree for them: both see the stall.
    expect(phase.serviceTimeUs.p99).toBeGreaterThan(800_000);
    expect(outcome.results.totals.lost).toBe(0);
  });
});
