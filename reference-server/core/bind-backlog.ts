/**
 * bindBacklog is core/listen.ts's `bind` with a deep listen backlog, for the ports that take inference traffic
 * (the HTTP front end and the routers). Node listens with a backlog of 511: when an overloaded server accepts
 * slower than clients connect (a load generator opening hundreds of connections at the start of a spike), the
 * kernel drops the SYNs past it, and each dropped client waits for its SYN to be sent again, 1 s, then 3 s, then
 * 7 s later; bench/overload.ts saw hundreds of such drops per run and accepted requests taking 5 s. The kernel
 * caps the backlog at net.core.somaxconn.
 */
import type { Server } from 'node:http';
import type { Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';

/** LISTEN_BACKLOG is the listen backlog of the inference ports. */
export const LISTEN_BACKLOG = 4096;

/** bindBacklog starts `server` on host:port (port 0 = any free port) with LISTEN_BACKLOG; rejects on a bind error. */
export async function bindBacklog(server: Server | Http2Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
