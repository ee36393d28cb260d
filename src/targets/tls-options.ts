/**
 * The TLS options of a target's connections: its CA bundle, client certificate and key (read when the client is
 * made; the target spec keeps only their paths), the name sent in SNI and checked in the server's certificate
 * (`server_name`, default the URL's host name), and whether the certificate is checked at all.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type tls from 'node:tls';
import { GauntletError } from '../errors.js';
import type { TargetSpec } from './target-spec.js';

/** tlsOptions returns the connection options for a TLS target (undefined: plain TCP). */
export function tlsOptions(target: TargetSpec, host: string, alpn: string): tls.ConnectionOptions | undefined {
  const t = target.tls;
  if (t === undefined) return undefined;
  const read = (file: string | undefined, what: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `target ${target.name}: tls.${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const servername = t.serverName ?? (net.isIP(host) ? undefined : host);
  const opts: tls.ConnectionOptions = { rejectUnauthorized: !t.insecureSkipVerify, ALPNProtocols: [alpn] };
  const ca = read(t.caFile, 'ca_file');
  const cert = read(t.certFile, 'cert_file');
  const key = read(t.keyFile, 'key_file');
  if (ca !== undefined) opts.ca = ca;
  if (cert !== undefined) opts.cert = cert;
  if (key !== undefined) opts.key = key;
  if (servername !== undefined) opts.servername = servername;
  return opts;
}

/** isTlsError says whether a socket error came from TLS (a handshake, a certificate, an alert). */
export function isTlsError(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (code.startsWith('ERR_TLS_') ||
      code.startsWith('ERR_SSL_') ||
      code === 'EPROTO' ||
      /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/.test(code))
  );
}
