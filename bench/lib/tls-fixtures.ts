/**
 * TLS fixtures for benches and tests: a CA, a server certificate for one DNS name (and only that name, so a
 * client must send it as server_name) and a client certificate, made by openssl in a folder; and a proxy that
 * passes each connection's bytes to a plain local port, in the clear or after terminating TLS.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';

/** makeCerts writes ca.pem/ca.key, server.pem/server.key (for `serverName`) and client.pem/client.key into `dir`. */
export function makeCerts(dir: string, serverName: string): void {
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=gauntlet test CA');
  for (const [name, ext] of [
    ['server', `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
}

/** PipeProxy is a running proxy: its port, how many connections it took (TLS: handshakes done), and close. */
export interface PipeProxy {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

/** startPipeProxy passes every connection to 127.0.0.1:`upstream`; with `secure`, it terminates TLS first. */
export async function startPipeProxy(upstream: number, secure?: tls.TlsOptions): Promise<PipeProxy> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const pipe = (client: net.Socket): void => {
    connections++;
    const up = net.connect(upstream, '127.0.0.1');
    sockets.add(client).add(up);
    client.setNoDelay(true);
    up.setNoDelay(true);
    client.pipe(up).pipe(client);
    const end = (): void => void (client.destroy(), up.destroy());
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  };
  const server = secure ? tls.createServer(secure, pipe) : net.createServer(pipe);
  server.on('tlsClientError', () => {}); // a refused handshake is the client's outcome to record, not ours
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
