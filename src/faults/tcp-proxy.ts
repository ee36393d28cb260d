/**
 * TcpProxy forwards TCP connections to a target, both ways, and can delay the traffic: the network fault. With no
 * delay set, chunks are written on as they arrive. While a delay is set, every chunk, in either direction, is held
 * for half of latency ± jitter (a uniform draw from a seeded generator), so a request and its response together
 * take `latencyMs` longer, give or take `jitterMs`, as with a slower network between client and target. Each
 * direction keeps its byte order: a chunk is never released before the one ahead of it, so a small draw waits
 * behind a large one. Delay changes apply to chunks that arrive afterwards; chunks already held keep their times.
 *
 * Memory stays bounded: a direction stops reading from its source (TCP backpressure to the sender) while more
 * than `maxHeldBytes` wait in it or while its destination's write buffer is full, and reads again once both
 * clear. Half-closes are forwarded after the held chunks; an error on either side destroys both.
 */
import net from 'node:net';
import { createRandom, type Random } from '../scenario/random.js';

/** ProxyDelay is what a network fault adds to each round trip (request there, response back), in milliseconds. */
export interface ProxyDelay {
  latencyMs: number;
  /** Uniform jitter: each chunk waits (latencyMs + u·jitterMs) / 2, u in [−1, 1) (never less than 0). */
  jitterMs: number;
}

/** ProxyStats counts what the proxy carried. */
export interface ProxyStats {
  bytesToTarget: number;
  bytesFromTarget: number;
  /** Connections accepted so far, and open now. */
  connections: number;
  openConnections: number;
}

/** TcpProxyOptions configure a proxy. */
export interface TcpProxyOptions {
  targetHost: string;
  targetPort: number;
  listenHost?: string;
  /** 0 (default): any free port. */
  listenPort?: number;
  /** Seeds the jitter draws. */
  seed?: number;
  /** Most bytes held (delayed) per direction of a connection before it stops reading (default 1 MiB). */
  maxHeldBytes?: number;
}

/** TcpProxy is one listening proxy in front of one target. */
export class TcpProxy {
  private readonly server: net.Server;
  private delay: ProxyDelay | null = null;
  private readonly random: Random;
  private readonly sockets = new Set<net.Socket>();
  private readonly counts = { bytesToTarget: 0, bytesFromTarget: 0, connections: 0, openConnections: 0 };
  private readonly maxHeldBytes: number;

  constructor(private readonly opts: TcpProxyOptions) {
    this.random = createRandom(opts.seed ?? 1, 'network-fault');
    this.maxHeldBytes = opts.maxHeldBytes ?? 1 << 20;
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.accept(client));
  }

  /** listen starts accepting connections and resolves with the port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.listenPort ?? 0, this.opts.listenHost ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /** setDelay starts (or, with null, ends) delaying chunks that arrive from now on. */
  setDelay(delay: ProxyDelay | null): void {
    this.delay = delay && (delay.latencyMs > 0 || delay.jitterMs > 0) ? { ...delay } : null;
  }

  /** stats returns the byte and connection counts so far. */
  stats(): ProxyStats {
    return { ...this.counts };
  }

  /** close stops listening and ends every connection at once. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  /** delayMs draws the hold time of one chunk: half a round trip's (0 when no delay is set). */
  private delayMs(): number {
    const d = this.delay;
    if (!d) return 0;
    return Math.max(0, d.latencyMs + (2 * this.random.next() - 1) * d.jitterMs) / 2;
  }

  private accept(client: net.Socket): void {
    this.counts.connections++;
    this.counts.openConnections++;
    const upstream = net.connect({ host: this.opts.targetHost, port: this.opts.targetPort, allowHalfOpen: true, noDelay: true });
    let open = 2;
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.once('close', () => {
        this.sockets.delete(s);
        if (--open === 0) this.counts.openConnections--;
      });
    }
    const fail = (): void => {
      // A refused or reset upstream resets the client too, as a direct connection would have been.
      if (!client.destroyed) client.resetAndDestroy();
      upstream.destroy();
    };
    client.on('error', () => upstream.destroy());
    upstream.on('error', fail);
    const hold = { holdMs: () => this.delayMs(), maxHeldBytes: this.maxHeldBytes };
    new DelayedPipe(client, upstream, hold, (n) => (this.counts.bytesToTarget += n));
    new DelayedPipe(upstream, client, hold, (n) => (this.counts.bytesFromTarget += n));
  }
}

/** Hold is what a pipe asks its proxy: how long to hold the next chunk, and how many bytes it may hold. */
interface Hold {
  holdMs(): number;
  maxHeldBytes: number;
}

/** DelayedPipe moves one direction of one connection, holding chunks while a delay is set. */
class DelayedPipe {
  private readonly held: { chunk: Buffer; releaseAtMs: number }[] = [];
  private heldBytes = 0;
  private lastReleaseMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  private paused = false;
  private ended = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly hold: Hold,
    private readonly count: (bytes: number) => void,
  ) {
    from.on('data', (chunk: Buffer) => this.onData(chunk));
    from.on('end', () => {
      this.ended = true;
      this.maybeEnd();
    });
    // Closed without an orderly end (reset, destroyed): the other side goes too. After an orderly end, the
    // chunks still held are delivered first (maybeEnd).
    from.on('close', () => {
      if (!this.ended) this.to.destroy();
    });
    to.on('close', () => {
      clearTimeout(this.timer);
      this.held.length = 0;
      this.heldBytes = 0;
    });
    to.on('drain', () => {
      this.waitingDrain = false;
      this.flush();
    });
  }

  private onData(chunk: Buffer): void {
    this.count(chunk.length);
    const holdMs = this.hold.holdMs();
    if (holdMs === 0 && this.held.length === 0) {
      this.write(chunk);
      return;
    }
    // Never before the chunk ahead: each direction keeps its byte order.
    const releaseAtMs = Math.max(performance.now() + holdMs, this.lastReleaseMs);
    this.lastReleaseMs = releaseAtMs;
    this.held.push({ chunk, releaseAtMs });
    this.heldBytes += chunk.length;
    this.updateFlow();
    if (this.held.length === 1) this.schedule();
  }

  private write(chunk: Buffer): void {
    if (this.to.destroyed) return;
    if (!this.to.write(chunk)) {
      this.waitingDrain = true;
      this.updateFlow();
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const head = this.held[0];
    if (!head || this.waitingDrain) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.releaseAtMs - performance.now()));
  }

  private flush(): void {
    const now = performance.now();
    while (!this.waitingDrain && this.held.length > 0 && this.held[0]!.releaseAtMs <= now + 0.5) {
      const { chunk } = this.held.shift()!;
      this.heldBytes -= chunk.length;
      this.write(chunk);
    }
    this.updateFlow();
    this.schedule();
    this.maybeEnd();
  }

  /** updateFlow pauses the source while the destination is full or too much is held, and resumes it after. */
  private updateFlow(): void {
    const stop = this.waitingDrain || this.heldBytes > this.hold.maxHeldBytes;
    if (stop && !this.paused) {
      this.paused = true;
      this.from.pause();
    } else if (!stop && this.paused) {
      this.paused = false;
      this.from.resume();
    }
  }

  private maybeEnd(): void {
    if (this.ended && this.held.length === 0 && !this.to.destroyed && !this.to.writableEnded) this.to.end();
  }
}
