/**
 * The target fields several protocols share, read the same way wherever they appear: TLS files, headers (HTTP
 * header fields or gRPC metadata), the environment variable of a bearer token, and URL checks. Each protocol's
 * entry (src/targets/protocol-*.ts) says which of these rules apply to it.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TargetSpec } from '../targets/target-spec.js';
import { Fields, show } from './fields.js';
import { COUNT_LIMITS, TEXT_LIMITS } from './limits.js';

/** HeaderKind says how a protocol's `headers` are checked: as HTTP header fields or as gRPC metadata. */
export type HeaderKind = 'http' | 'grpc';

/** TLS_KEYS are the fields of a target's `tls` mapping. */
export const TLS_KEYS = ['ca_file', 'cert_file', 'key_file', 'server_name', 'insecure_skip_verify'] as const;
/** TLS_FILE_BYTES bounds a CA bundle, certificate or key file. */
const TLS_FILE_BYTES = 1 << 20;

/**
 * readTls reads `tls`: TLS is on for https:// and grpcs:// URLs, and for a protocol that turns it on with a `tls`
 * mapping alone (kserve-grpc: tlsWithoutSecureUrl).
 * Files are named relative to the target file (or the scenario's folder for a target written in it) and checked here;
 * the client reads them (the spec keeps paths, so no key reaches results.json).
 */
export function readTls(f: Fields, url: string | undefined, base: string, tlsWithoutSecureUrl: boolean): TargetSpec['tls'] {
  const secureUrl = url !== undefined && /^(https|grpcs):\/\//.test(url);
  const t = f.mapping('tls', false, TLS_KEYS.length);
  if (t === undefined) return secureUrl ? { insecureSkipVerify: false } : undefined;
  t.allowOnly(TLS_KEYS);
  if (!secureUrl && !tlsWithoutSecureUrl) f.problem('tls', 'needs an https:// url');
  const readable = (key: 'ca_file' | 'cert_file' | 'key_file'): string | undefined => {
    const name = t.string(key, false, TEXT_LIMITS.text);
    if (name === undefined) return undefined;
    const abs = resolve(base, name);
    try {
      const st = statSync(abs);
      if (!st.isFile()) return void t.problem(key, `${abs} is not a file`);
      if (st.size > TLS_FILE_BYTES) return void t.problem(key, `${abs} has more than ${TLS_FILE_BYTES} bytes`);
      accessSync(abs, fsConstants.R_OK);
    } catch (err) {
      return void t.problem(key, `cannot read ${abs} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    return abs;
  };
  const caFile = readable('ca_file');
  const certFile = readable('cert_file');
  const keyFile = readable('key_file');
  if (t.has('cert_file') !== t.has('key_file')) t.problem(t.has('cert_file') ? 'key_file' : 'cert_file', 'a client certificate needs both cert_file and key_file');
  const serverName = t.string('server_name', false, TEXT_LIMITS.name);
  const insecureSkipVerify = t.boolean('insecure_skip_verify') ?? false;
  if (insecureSkipVerify && caFile !== undefined) t.problem('insecure_skip_verify', 'and ca_file cannot both be given (nothing would be checked against the CA)');
  return {
    insecureSkipVerify,
    ...(caFile !== undefined && { caFile }),
    ...(certFile !== undefined && { certFile }),
    ...(keyFile !== undefined && { keyFile }),
    ...(serverName !== undefined && { serverName }),
  };
}

/**
 * RESERVED_HEADERS are set by gauntlet's clients and may not be given: HTTP framing, and for gRPC its pseudo and
 * protocol headers (names beginning with grpc- are the protocol's own). `host` may be given: it overrides the
 * URL's Host header (HTTP) or :authority (gRPC), for gateways that route on it.
 */
const RESERVED_HEADERS: Record<HeaderKind, ReadonlySet<string>> = {
  http: new Set(['content-length', 'transfer-encoding', 'connection']),
  grpc: new Set(['content-length', 'transfer-encoding', 'connection', 'content-type', 'te', 'user-agent', 'upgrade', 'keep-alive', 'proxy-connection']),
};

/** readHeaders reads `headers`: names as HTTP tokens, values without line breaks; gRPC metadata in lower case. */
export function readHeaders(f: Fields, kind: HeaderKind): Record<string, string> | undefined {
  const h = f.mapping('headers', false, COUNT_LIMITS.headers);
  if (h === undefined) return undefined;
  const grpc = kind === 'grpc';
  const reserved = RESERVED_HEADERS[kind];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(h.obj)) {
    if (name.length > TEXT_LIMITS.text || (typeof value === 'string' && value.length > TEXT_LIMITS.text)) {
      h.problem(name, `header names and values may have at most ${TEXT_LIMITS.text} characters`);
    } else if (!['string', 'number', 'boolean'].includes(typeof value)) {
      h.problem(name, `must be a string, got ${show(value)}`);
    } else if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      h.problem(name, 'is not a header name (letters, digits and !#$%&\'*+.^_`|~-)');
    } else if (/[\r\n\0]/.test(String(value))) {
      h.problem(name, 'must not contain a line break or NUL');
    } else if (reserved.has(name.toLowerCase()) || (grpc && name.toLowerCase().startsWith('grpc-'))) {
      h.problem(name, `is set by gauntlet itself${grpc ? ' (gRPC)' : ''} and cannot be given`);
    } else if (grpc && /[A-Z]/.test(name)) {
      h.problem(name, `gRPC metadata names are lower case: write ${JSON.stringify(name.toLowerCase())}`);
    } else {
      headers[name] = String(value);
    }
  }
  return headers;
}


/**
 * readTokenEnv reads the field (bearer_token_env, or an openai target's api_key_env) naming the environment
 * variable of a bearer token: the variable must be set when the target is read, and only its name is kept, so
 * the token never reaches results (the client reads the variable when it is made, see target-headers.ts).
 */
export function readTokenEnv(f: Fields, key: string): string | undefined {
  const name = f.string(key, false, TEXT_LIMITS.name);
  if (name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) f.problem(key, `must name an environment variable (letters, digits, _), got ${JSON.stringify(name)}`);
  else if (name !== undefined && !process.env[name]) f.problem(key, `the environment variable ${name} is not set or empty`);
  return name;
}

/** checkHttpUrl returns what is wrong with an http:// URL, or undefined when it is fine. */
export function checkHttpUrl(url: string, httpsToo = false): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `must be a URL like http://127.0.0.1:8000, got ${JSON.stringify(url)}`;
  }
  if (u.protocol === 'https:' && httpsToo) return undefined;
  if (u.protocol === 'https:') return `must be an http:// URL (https is not supported here), got ${JSON.stringify(url)}`;
  if (u.protocol !== 'http:') return `must be a URL like http://127.0.0.1:8000, got ${JSON.stringify(url)}`;
  return undefined;
}

/** checkGrpcAddress returns what is wrong with a gRPC address (host:port or grpc://host:port), or undefined. */
export function checkGrpcAddress(address: string): string | undefined {
  const m = /^(?:grpcs?:\/\/)?(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+):(\d{1,5})$/.exec(address);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) return `must be host:port, grpc://host:port or grpcs://host:port (TLS), got ${JSON.stringify(address)}`;
  return undefined;
}

