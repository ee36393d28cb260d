/**
 * The TCP proxy of network faults, over real sockets on port 0: no added delay outside a fault window, the
 * configured latency added to round trips during one, byte order kept under load and jitter, backpressure
 * instead of unbounded buffering, and a clean close. Also the proxy thread that runs use.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProxyThread } from '../../../src/faults/proxy-thread.js';
import { TcpProxy } from '../../../src/faults/tcp-proxy.js';

/** An echo server: every byte comes back, and an end is answered with an end. */
let echo: net.Server;
let echoPort = 0;
beforeAll(async () => {
  echo = net.createServer({ allowHalfOpen: true }, (s) => {
    s.pipe(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => echo.close(() => r())));

const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function startProxy(opts: { maxHeldBytes?: number; targetPort?: number } = {}): Promise<{ proxy: TcpProxy; port: number }> {
  const proxy = new TcpProxy({ targetHost: '127.0.0.1', targetPort: opts.targetPort ?? echoPort, seed: 7, ...(opts.maxHeldBytes !== undefined && { maxHeldBytes: opts.maxHeldBytes }) });
  proxies.push(proxy);
  return { proxy, port: await proxy.listen() };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** roundTrips sends n small messages one after another and returns each one's round trip in ms. */
async function roundTrips(socket: net.Socket, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const msg = Buffer.from(`ping ${i}\n`);
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      let got = 0;
      const onData = (d: Buffer): void => {
        got += d.length;
        if (got >= msg.length) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
      socket.write(msg);
    });
    times.push(performance.now() - t0);
  }
  return times;
}

/** settled waits (up to 2 s) until the proxy has no connection open. */
async function settled(proxy: TcpProxy): Promise<number> {
  for (let i = 0; i < 100 && proxy.stats().openConnections > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return proxy.stats().openConnections;
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!;
const median = (xs: number[]): number => quantile(xs, 0.5);

describe('TcpProxy', () => {
  it('adds nothing outside a fault window and the configured latency during one', async () => {
    const { proxy, port } = await startProxy();
    const s = await connect(port);
    await roundTrips(s, 20); // warm up
    const before = median(await roundTrips(s, 50));
    proxy.setDelay({ latencyMs: 50, jitterMs: 10 });
    const during = await roundTrips(s, 40);
    proxy.setDelay(null);
    const after = median(await roundTrips(s, 50));
    expect(before).toBeLessThan(5);
    expect(median(during)).toBeGreaterThan(50 - 15);
    expect(median(during)).toBeLessThan(50 + 15);
    // Jitter ±10 ms: no round trip below the band, nine in ten within it plus scheduling slack (one stall of a busy
    // runner must not decide), and not all the same.
    expect(Math.min(...during)).toBeGreaterThan(40 - 2);
    expect(quantile(during, 0.9)).toBeLessThan(60 + 15);
    expect(Math.max(...during) - Math.min(...during)).toBeGreaterThan(3);
    expect(after).toBeLessThan(5);
    s.destroy();
  });

  it('keeps each direction in byte order under load and jitter, and counts bytes', async () => {
    const { proxy, port } = await startProxy();
    // Jitter as large as the latency: chunk release times are drawn out of order, yet bytes must not be.
    proxy.setDelay({ latencyMs: 10, jitterMs: 10 });
    const connections = 8;
    const chunks = 300;
    const results = await Promise.all(
      Array.from({ length: connections }, async (_, c) => {
        const s = await connect(port);
        const sent: Buffer[] = [];
        const received: Buffer[] = [];
        s.on('data', (d: Buffer) => received.push(d));
        const closed = new Promise<void>((r) => s.once('close', () => r()));
        for (let i = 0; i < chunks; i++) {
          const b = Buffer.from(`${c}:${i}:${'x'.repeat((i * 37) % 900)};`);
          sent.push(b);
          if (!s.write(b)) await new Promise((r) => s.once('drain', r));
          if (i % 25 === 0) await new Promise((r) => setImmediate(r));
        }
        s.end();
        await closed;
        return { sent: Buffer.concat(sent), received: Buffer.concat(received) };
      }),
    );
    let total = 0;
    for (const r of results) {
      expect(r.received.length).toBe(r.sent.length);
      expect(r.received.equals(r.sent)).toBe(true);
      total += r.sent.length;
    }
    const stats = proxy.stats();
    expect(stats.bytesToTarget).toBe(total);
    expect(stats.bytesFromTarget).toBe(total);
    expect(stats.connections).toBe(connections);
    expect(await settled(proxy)).toBe(0);
  });

  it('applies backpressure instead of buffering without bound', async () => {
    // A target that accepts connections but does not read for a while.
    const held: net.Socket[] = [];
    const sink = net.createServer((s) => {
      s.pause();
      held.push(s);
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    try {
      const { proxy, port } = await startProxy({ targetPort: (sink.address() as net.AddressInfo).port, maxHeldBytes: 256 * 1024 });
      proxy.setDelay({ latencyMs: 20, jitterMs: 0 });
      const s = await connect(port);
      const block = Buffer.alloc(64 * 1024, 1);
      let queued = 0;
      // Keep writing into the client socket's buffer whether or not it drains: 64 MiB in all.
      for (let i = 0; i < 1024; i++) {
        s.write(block);
        queued += block.length;
      }
      await new Promise((r) => setTimeout(r, 500));
      const { bytesToTarget } = proxy.stats();
      // The proxy read only what fits in socket buffers and its own bound, far from the 64 MiB offered.
      expect(bytesToTarget).toBeLessThan(24 * 1024 * 1024);
      expect(s.writableLength).toBeGreaterThan(queued - bytesToTarget - 16 * 1024 * 1024);
      // Once the target reads, everything flows.
      const drained = new Promise<number>((resolve) => {
        let n = 0;
        for (const h of held) {
          h.on('data', (d: Buffer) => {
            n += d.length;
            if (n === queued) resolve(n);
          });
          h.resume();
        }
      });
      proxy.setDelay(null);
      expect(await drained).toBe(queued);
      s.destroy();
    } finally {
      for (const h of held) h.destroy();
      await new Promise<void>((r) => sink.close(() => r()));
    }
  });

  it('closes cleanly: half-closes pass through, close() ends everything, and a refused target resets the client', async () => {
    const { proxy, port } = await startProxy();
    const s = await connect(port);
    const ended = new Promise<string>((resolve) => {
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.once('end', () => resolve(text));
    });
    s.end('bye');
    expect(await ended).toBe('bye');
    await new Promise((r) => s.once('close', r));
    expect(await settled(proxy)).toBe(0);

    const open = await connect(port);
    const gone = new Promise((r) => open.once('close', r));
    await proxy.close();
    await gone;
    await expect(connect(port)).rejects.toThrow(/ECONNREFUSED/);

    const dead = new TcpProxy({ targetHost: '127.0.0.1', targetPort: 1 });
    proxies.push(dead);
    const c = await connect(await dead.listen());
    const err = await new Promise<Error | undefined>((r) => {
      c.once('error', (e) => r(e));
      c.once('close', () => r(undefined));
    });
    expect(err === undefined || /ECONNRESET/.test(err.message)).toBe(true);
  });
});

describe('ProxyThread', () => {
  it('runs the proxy in a worker thread and applies delays on request', async () => {
    const proxy = await ProxyThread.start({ targetHost: '127.0.0.1', targetPort: echoPort, seed: 3 });
    try {
      const s = await connect(proxy.port);
      await roundTrips(s, 10);
      expect(median(await roundTrips(s, 20))).toBeLessThan(5);
      await proxy.setDelay({ latencyMs: 40, jitterMs: 0 });
      const during = median(await roundTrips(s, 10));
      expect(during).toBeGreaterThan(40 - 5);
      expect(during).toBeLessThan(40 + 15);
      await proxy.setDelay(null);
      s.destroy();
      const stats = await proxy.stats();
      expect(stats.bytesToTarget).toBeGreaterThan(0);
      expect(stats.bytesFromTarget).toBe(stats.bytesToTarget);
    } finally {
      const final = await proxy.close();
      expect(final.connections).toBe(1);
    }
  });
});
