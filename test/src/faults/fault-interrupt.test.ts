/**
 * Fault actions end promptly when the run is interrupted, and never wait on the network without a bound: an
 * admin call aborts at once on the run's signal, a trickling answer still ends at the call's deadline, a
 * stop-replica fault in progress is recorded as interrupted, and a command that ignores SIGTERM is killed 200 ms
 * after an interrupt (not after the 2 s grace of a timeout).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../../src/faults/admin-client.js';
import { CANCEL_KILL_MS, runCommand } from '../../../src/faults/command.js';
import { FaultScheduler } from '../../../src/faults/scheduler.js';

/** A fake admin API: /slow holds every request, /trickle answers one byte every 50 ms forever. */
const held = new Set<http.ServerResponse>();
const server = http.createServer((req, res) => {
  held.add(res);
  res.on('close', () => held.delete(res));
  if (req.url?.includes('trickle')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const t = setInterval(() => res.write(' '), 50);
    res.on('close', () => clearInterval(t));
  }
});
let admin: AdminClient;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  admin = new AdminClient({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, token: 't' });
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('interrupting fault actions', () => {
  it('an admin call ends at once when the run is interrupted', async () => {
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 50);
    const t0 = performance.now();
    await expect(admin.act('stop', 'r0', 60_000, cancel.signal)).rejects.toThrow(/interrupted/);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('an admin answer that trickles in still ends at the call deadline', async () => {
    const t0 = performance.now();
    await expect(admin.act('stop', 'trickle', 400)).rejects.toThrow(/no answer in 400 ms/);
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('a stop-replica fault waiting for a drain is recorded as interrupted, and finish() returns at once', async () => {
    const cancel = new AbortController();
    const scheduler = new FaultScheduler([{ atS: 0, action: 'stop-replica', params: { replica: 'r0' } }], { admin, cwd: process.cwd(), env: {}, cancel: cancel.signal });
    scheduler.start(Date.now());
    await new Promise<void>((r) => {
      const poll = setInterval(() => held.size > 0 && (clearInterval(poll), r()), 5);
    });
    const t0 = performance.now();
    cancel.abort();
    await scheduler.finish();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(scheduler.records[0]).toMatchObject({ outcome: 'failed' });
    expect(scheduler.records[0]!.detail).toMatch(/interrupted/);
  });

  it('a command that ignores SIGTERM is killed soon after an interrupt, even during a timeout grace', async () => {
    const cancel = new AbortController();
    const started = performance.now();
    // Times out at 100 ms (SIGTERM, ignored; SIGKILL due 10 s later), then the run is interrupted at 300 ms.
    setTimeout(() => cancel.abort(), 300);
    const r = await runCommand("trap '' TERM; while true; do sleep 0.05; done", { timeoutMs: 100, killGraceMs: 10_000, cancel: cancel.signal });
    expect(r.outcome).toBe('timeout');
    expect(r.signal).toBe('SIGKILL');
    expect(performance.now() - started).toBeLessThan(300 + CANCEL_KILL_MS + 700);
  });
});
