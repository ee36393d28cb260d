/**
 * The body of the proxy thread: one TcpProxy, controlled by messages from the run (see proxy-thread.ts). The
 * proxy gets a thread of its own so that the run's main thread, which merges intervals and rewrites results.json
 * every second, never holds up forwarding.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromProxy, ToProxy } from './proxy-thread.js';
import { TcpProxy, type TcpProxyOptions } from './tcp-proxy.js';

const port = parentPort!;
const proxy = new TcpProxy(workerData as TcpProxyOptions);
const post = (msg: FromProxy): void => port.postMessage(msg);

proxy.listen().then(
  (listenPort) => post({ kind: 'listening', port: listenPort }),
  (err: unknown) => post({ kind: 'failed', message: (err as Error).message }),
);

port.on('message', (m: ToProxy) => {
  if (m.kind === 'delay') proxy.setDelay(m.delay);
  if (m.kind === 'close') {
    const stats = proxy.stats();
    void proxy.close().then(() => post({ kind: 'reply', id: m.id, stats }));
    return;
  }
  post({ kind: 'reply', id: m.id, stats: proxy.stats() });
});
