/**
 * The router's health checks against a replica that answers but never finishes: a peer that sends `200 OK` with
 * a Content-Length and then one byte every 100 ms (so no socket timeout ever fires). The check must still end
 * at its deadline and count as failed, so the replica is ejected; before, the first check stayed open and the
 * replica was never checked again.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_TIMEOUT_MS, checkReady, HealthChecker } from '../../../reference-server/cluster/health.js';
import { controlGet, type ReplicaProcess } from '../../../reference-server/cluster/replica-process.js';
import { Supervisor } from '../../../reference-server/cluster/supervisor.js';
import { waitUntil } from '../../helpers/reference-client.js';

let trickler: net.Server;
let port: number;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  trickler = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('data', () => {});
    s.write('HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n');
    const t = setInterval(() => s.write('x'), 100);
    s.on('close', () => {
      clearInterval(t);
      sockets.delete(s);
    });
  });
  await new Promise<void>((r) => trickler.listen(0, '127.0.0.1', () => r()));
  port = (trickler.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => trickler.close(() => r()));
});

describe('a replica that trickles its health answer', () => {
  it('checkReady fails at its deadline', async () => {
    const started = performance.now();
    expect(await checkReady(port, 300)).toBe('no whole answer within 300 ms');
    expect(performance.now() - started).toBeLessThan(300 + 3000);
  });

  it('a control request (check or metrics scrape) that ends at its deadline also closes its connection, and a body past its limit ends it at once', async () => {
    // Before, only the check's promise gave up: the request itself stayed open, one more connection each time.
    expect(await controlGet(port, '/metrics', 300, 1 << 20)).toEqual({ error: 'no whole answer within 300 ms' });
    await waitUntil(() => sockets.size === 0, 'the trickling peer sees its connection closed', 3000);
    expect(await controlGet(port, '/metrics', 10_000, 3)).toEqual({ error: 'the answer is over 3 bytes' });
    await waitUntil(() => sockets.size === 0, 'the trickling peer sees its connection closed', 3000);
  });

  it('is ejected by the health checker after consecutive failed checks', async () => {
    const supervisor = new Supervisor({ replicas: 1, replica: { modelRepository: '/nonexistent' }, restartDelayMs: null });
    const replica = supervisor.replicas[0]!;
    // A replica slot whose process listens on the trickling port (no process is started: the peer is the fake).
    replica.process = { ports: { httpPort: port, grpcPort: 0, metricsPort: 0 } } as unknown as ReplicaProcess;
    replica.state = 'ready';
    const ejections: string[] = [];
    const health = new HealthChecker(supervisor, { intervalMs: 50, ejectAfter: 2, onEject: (_r, why) => ejections.push(why) });
    health.start();
    try {
      await waitUntil(() => replica.state === 'ejected', 'the replica is ejected', CHECK_TIMEOUT_MS * 2 + 5000);
      expect(ejections[0]).toMatch(/2 consecutive failed health checks \(last: no whole answer within 1000 ms\)/);
    } finally {
      health.stop();
    }
  });
});
