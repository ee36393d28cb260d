/**
 * ProxyThread runs a TcpProxy in a worker thread and controls it with messages: the network fault's handle on
 * the proxy a run puts in front of its target.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../reference-server/core/worker-entry.js';
import type { ProxyDelay, ProxyStats, TcpProxyOptions } from './tcp-proxy.js';

/** ASK_TIMEOUT_MS bounds the wait for the proxy thread's answer to a message (a stuck thread answers nothing). */
export const ASK_TIMEOUT_MS = 1000;

/** ToProxy is a message to the proxy thread; each is answered with a reply carrying the same id. */
export type ToProxy = { kind: 'delay'; id: number; delay: ProxyDelay | null } | { kind: 'stats'; id: number } | { kind: 'close'; id: number };

/** FromProxy is a message from the proxy thread. */
export type FromProxy = { kind: 'listening'; port: number } | { kind: 'failed'; message: string } | { kind: 'reply'; id: number; stats: ProxyStats };

/** ProxyControl is what network faults need from a proxy. */
export interface ProxyControl {
  setDelay(delay: ProxyDelay | null): Promise<void>;
}

/** ProxyThread is a TcpProxy running in its own thread. */
export class ProxyThread implements ProxyControl {
  private nextId = 1;
  private readonly waiting = new Map<number, (stats: ProxyStats) => void>();
  private lastStats: ProxyStats = { bytesToTarget: 0, bytesFromTarget: 0, connections: 0, openConnections: 0 };
  private closed = false;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    /** The port the proxy listens on (127.0.0.1 unless listenHost says otherwise). */
    readonly port: number,
  ) {
    worker.on('message', (m: FromProxy) => {
      if (m.kind !== 'reply') return;
      this.lastStats = m.stats;
      this.waiting.get(m.id)?.(m.stats);
      this.waiting.delete(m.id);
    });
    // A thread that is gone answers nothing: settle whatever waits with the last counts.
    worker.once('exit', () => {
      this.exited = true;
      for (const settle of this.waiting.values()) settle(this.lastStats);
      this.waiting.clear();
    });
  }

  /** start starts the thread and resolves once the proxy listens. */
  static start(opts: TcpProxyOptions): Promise<ProxyThread> {
    const worker = new Worker(workerEntry(import.meta.url, 'proxy-worker'), { workerData: opts });
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: FromProxy) => {
        worker.off('error', reject);
        if (m.kind === 'listening') resolve(new ProxyThread(worker, m.port));
        else {
          void worker.terminate();
          reject(new Error(m.kind === 'failed' ? m.message : `unexpected ${m.kind}`));
        }
      });
    });
  }

  /** setDelay starts or (null) ends the delay; resolves once the proxy applies it. */
  async setDelay(delay: ProxyDelay | null): Promise<void> {
    await this.ask({ kind: 'delay', id: 0, delay });
  }

  /** stats returns the proxy's counts. */
  stats(): Promise<ProxyStats> {
    return this.ask({ kind: 'stats', id: 0 });
  }

  /** close ends every connection, stops the thread and resolves with the final counts. */
  async close(): Promise<ProxyStats> {
    if (this.closed) return this.lastStats;
    this.closed = true;
    const stats = await this.ask({ kind: 'close', id: 0 });
    await this.worker.terminate();
    return stats;
  }

  /** ask sends a message and resolves with the reply's counts, or with the last counts after ASK_TIMEOUT_MS. */
  private ask(m: ToProxy): Promise<ProxyStats> {
    const id = this.nextId++;
    if (this.exited) return Promise.resolve(this.lastStats);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(this.lastStats);
      }, ASK_TIMEOUT_MS);
      this.waiting.set(id, (stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      this.worker.postMessage({ ...m, id } satisfies ToProxy);
    });
  }
}
