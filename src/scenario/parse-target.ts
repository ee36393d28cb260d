/**
 * Target files: where requests go. A target is read from its own YAML file (`--target`, or `target: path` in a
 * scenario), inline from a scenario's `target:` mapping, or names the embedded reference server. Every problem is
 * reported with its path and line, like scenarios.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import type { EmbeddedTarget, RouterPolicy } from './plan.js';
import type { Protocol, TargetSpec } from '../targets/target-spec.js';
import { asFields, checkBounds, Fields, show } from './fields.js';
import { COUNT_LIMITS, FILE_LIMITS, MAX_REPLICAS, RANGES, TEXT_LIMITS } from './limits.js';
import { Problems, throwIfProblems } from './problems.js';
import { parseDuration } from './units.js';
import { parseYamlFile, readTextFile } from './yaml-file.js';

/** PROTOCOLS lists the target protocols. */
export const PROTOCOLS = ['kserve-http', 'kserve-grpc', 'http'] as const satisfies readonly Protocol[];
/** TARGET_KEYS are the fields every target may have. */
export const TARGET_KEYS = ['name', 'protocol', 'url', 'timeout_ms', 'max_in_flight', 'connections', 'metrics_url', 'cost_per_hour', 'headers', 'bearer_token_env', 'tls'] as const;
/** KSERVE_KEYS are the fields of kserve-* targets only (binary: kserve-http only). */
export const KSERVE_KEYS = ['model', 'model_version', 'binary'] as const;
/** HTTP_KEYS are the fields of plain http targets only. */
export const HTTP_KEYS = ['method', 'path', 'body'] as const;
/** EMBEDDED_KEYS are the fields of `target: {embedded: true, …}` in a scenario. */
export const EMBEDDED_KEYS = ['embedded', 'protocol', 'binary', 'timeout_ms', 'max_in_flight', 'models', 'replicas', 'router', 'restart_delay'] as const;
/** ROUTER_POLICIES are the embedded stack's router policies (docs/cluster.md). */
export const ROUTER_POLICIES = ['least-outstanding', 'round-robin', 'latency-ewma'] as const satisfies readonly RouterPolicy[];
/** HTTP_METHODS are the methods a plain http target may use. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** TARGET_DEFAULTS are the values of fields a target leaves out. */
export const TARGET_DEFAULTS = { binary: true, timeoutMs: 10_000, maxInFlight: 1024, connections: 0 } as const;

/** readTarget validates a target mapping; problems go to the mapping's collector, and a spec is returned anyway. */
export function readTarget(f: Fields, file?: string, baseDir?: string): TargetSpec {
  const protocol = f.oneOf('protocol', PROTOCOLS, true);
  const kserve = protocol === 'kserve-http' || protocol === 'kserve-grpc';
  f.allowOnly([...TARGET_KEYS, ...KSERVE_KEYS, ...HTTP_KEYS]);
  if (protocol === 'http') for (const k of KSERVE_KEYS) if (f.has(k)) f.problem(k, 'is only for kserve-http and kserve-grpc targets');
  if (kserve) for (const k of HTTP_KEYS) if (f.has(k)) f.problem(k, 'is only for protocol http');
  if (protocol === 'kserve-grpc' && f.has('binary')) f.problem('binary', 'is only for kserve-http targets (gRPC is always binary)');

  const url = f.string('url', true);
  if (url !== undefined && protocol !== undefined) {
    const wrong = protocol === 'kserve-grpc' ? checkGrpcAddress(url) : checkHttpUrl(url, true);
    if (wrong) f.problem('url', wrong);
  }
  const tls = readTls(f, protocol, url, file !== undefined ? dirname(file) : (baseDir ?? process.cwd()));
  const maxInFlight = f.integer('max_in_flight', RANGES['target.max_in_flight']) ?? TARGET_DEFAULTS.maxInFlight;
  const connections = f.integer('connections', RANGES['target.connections']) ?? TARGET_DEFAULTS.connections;
  if (connections > maxInFlight) f.problem('connections', `must be <= max_in_flight (${maxInFlight}), got ${connections}`);
  const metricsUrl = f.string('metrics_url');
  if (metricsUrl !== undefined) {
    const wrong = checkHttpUrl(metricsUrl, true);
    if (wrong) f.problem('metrics_url', wrong);
  }
  const costPerHour = f.number('cost_per_hour', RANGES['target.cost_per_hour']);
  const bearerTokenEnv = f.string('bearer_token_env', false, TEXT_LIMITS.name);
  if (bearerTokenEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(bearerTokenEnv)) f.problem('bearer_token_env', `must name an environment variable (letters, digits, _), got ${JSON.stringify(bearerTokenEnv)}`);
  else if (bearerTokenEnv !== undefined && !process.env[bearerTokenEnv]) f.problem('bearer_token_env', `the environment variable ${bearerTokenEnv} is not set or empty`);
  const headers = protocol === undefined ? undefined : readHeaders(f, protocol);
  if (bearerTokenEnv !== undefined && headers !== undefined && Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) {
    f.problem('bearer_token_env', 'and an authorization header cannot both be given');
  }
  const model = f.string('model', false, TEXT_LIMITS.name);
  const modelVersion = f.obj.model_version === '' ? undefined : f.string('model_version');
  const spec: TargetSpec = {
    name: f.string('name', false, TEXT_LIMITS.name) ?? (file ? basename(file, extname(file)) : 'target'),
    protocol: protocol ?? 'kserve-http',
    url: url ?? '',
    binary: f.boolean('binary') ?? TARGET_DEFAULTS.binary,
    timeoutMs: f.integer('timeout_ms', RANGES['target.timeout_ms']) ?? TARGET_DEFAULTS.timeoutMs,
    maxInFlight,
    connections,
    ...(model !== undefined && { model }),
    ...(modelVersion !== undefined && { modelVersion }),
    ...(metricsUrl !== undefined && { metricsUrl }),
    ...(costPerHour !== undefined && { costPerHour }),
    ...(bearerTokenEnv !== undefined && { bearerTokenEnv }),
    ...(tls !== undefined && { tls }),
    ...(protocol !== 'http' && headers !== undefined && Object.keys(headers).length > 0 && { headers }),
    ...(file !== undefined && { file }),
  };
  if (protocol === 'http') spec.http = readHttpRequest(f, headers ?? {});
  return spec;
}

/** TLS_KEYS are the fields of a target's `tls` mapping. */
export const TLS_KEYS = ['ca_file', 'cert_file', 'key_file', 'server_name', 'insecure_skip_verify'] as const;
/** TLS_FILE_BYTES bounds a CA bundle, certificate or key file. */
const TLS_FILE_BYTES = 1 << 20;

/**
 * readTls reads `tls`: TLS is on for https:// and grpcs:// URLs, and for a kserve-grpc target with a `tls` mapping.
 * Files are named relative to the target file (or the scenario's folder for a target written in it) and checked here;
 * the client reads them (the spec keeps paths, so no key reaches results.json).
 */
function readTls(f: Fields, protocol: Protocol | undefined, url: string | undefined, base: string): TargetSpec['tls'] {
  const secureUrl = url !== undefined && /^(https|grpcs):\/\//.test(url);
  const t = f.mapping('tls', false, TLS_KEYS.length);
  if (t === undefined) return secureUrl ? { insecureSkipVerify: false } : undefined;
  t.allowOnly(TLS_KEYS);
  if (!secureUrl && protocol !== 'kserve-grpc') f.problem('tls', 'needs an https:// url');
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
const RESERVED_HEADERS: Record<'http' | 'grpc', ReadonlySet<string>> = {
  http: new Set(['content-length', 'transfer-encoding', 'connection']),
  grpc: new Set(['content-length', 'transfer-encoding', 'connection', 'content-type', 'te', 'user-agent', 'upgrade', 'keep-alive', 'proxy-connection']),
};

/** readHeaders reads `headers`: names as HTTP tokens, values without line breaks; gRPC metadata in lower case. */
function readHeaders(f: Fields, protocol: Protocol): Record<string, string> | undefined {
  const h = f.mapping('headers', false, COUNT_LIMITS.headers);
  if (h === undefined) return undefined;
  const grpc = protocol === 'kserve-grpc';
  const reserved = RESERVED_HEADERS[grpc ? 'grpc' : 'http'];
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

/** readHttpRequest reads the request of a plain http target: method, path, headers, body (a mapping is sent as JSON). */
function readHttpRequest(f: Fields, headers: Record<string, string>): NonNullable<TargetSpec['http']> {
  const body = f.obj.body;
  let bodyText: string | undefined;
  if (typeof body === 'string') bodyText = body;
  else if (Array.isArray(body) || (typeof body === 'object' && body !== null)) bodyText = JSON.stringify(body);
  else if (body !== undefined && body !== null) f.problem('body', `must be a string or a mapping (sent as JSON), got ${show(body)}`);
  const path = f.string('path', true);
  if (path !== undefined && !path.startsWith('/')) f.problem('path', `must start with /, got ${JSON.stringify(path)}`);
  if (bodyText !== undefined && typeof body !== 'string' && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const method = f.oneOf('method', HTTP_METHODS) ?? (bodyText !== undefined ? 'POST' : 'GET');
  return { method, path: path ?? '/', headers, ...(bodyText !== undefined && { body: bodyText }) };
}

/** readEmbeddedTarget validates `target: {embedded: true, …}`; models default to the request's model. */
export function readEmbeddedTarget(f: Fields, requestModel: string | undefined): EmbeddedTarget {
  f.allowOnly(EMBEDDED_KEYS);
  if (f.obj.embedded !== true) f.problem('embedded', `must be true (or write a target with protocol and url), got ${show(f.obj.embedded)}`);
  const protocol = f.oneOf('protocol', ['kserve-http', 'kserve-grpc'] as const) ?? 'kserve-http';
  if (protocol === 'kserve-grpc' && f.has('binary')) f.problem('binary', 'is only for kserve-http targets (gRPC is always binary)');
  const models = f.list(
    'models',
    (m, path) => (typeof m === 'string' && m !== '' && m.length <= TEXT_LIMITS.name ? m : void f.problems.add(path, `must be a model name (at most ${TEXT_LIMITS.name} characters), got ${show(m)}`)),
    false,
    COUNT_LIMITS.models,
  );
  if (models !== undefined && requestModel !== undefined && !models.includes(requestModel)) {
    f.problem('models', `must include the request's model ${JSON.stringify(requestModel)}`);
  }
  const replicas = f.integer('replicas', RANGES['target.replicas']);
  const router = f.oneOf('router', ROUTER_POLICIES);
  const restartDelayS = readRestartDelay(f);
  for (const key of ['router', 'restart_delay'] as const) {
    if (f.has(key) && replicas !== undefined && replicas < 2) f.problem(key, `is only for a replicated stack (replicas >= 2), got replicas ${replicas}`);
    else if (f.has(key) && !f.has('replicas')) f.problem(key, 'is only for a replicated stack: add replicas (e.g. replicas: 3)');
  }
  return embeddedTarget({
    protocol,
    binary: f.boolean('binary') ?? TARGET_DEFAULTS.binary,
    timeoutMs: f.integer('timeout_ms', RANGES['target.timeout_ms']) ?? TARGET_DEFAULTS.timeoutMs,
    maxInFlight: f.integer('max_in_flight', RANGES['target.max_in_flight']) ?? TARGET_DEFAULTS.maxInFlight,
    models: models ?? (requestModel !== undefined ? [requestModel] : []),
    ...(replicas !== undefined && replicas > 1 && { replicas }),
    ...(router !== undefined && { router }),
    ...(restartDelayS !== undefined && { restartDelayS }),
  });
}

/** readRestartDelay reads `restart_delay`: a duration (0 = at once) or `never` (the supervisor does not restart). */
function readRestartDelay(f: Fields): number | 'never' | undefined {
  const v = f.obj.restart_delay;
  if (v === undefined || v === null) return undefined;
  if (v === 'never') return 'never';
  const parsed = parseDuration(v);
  if (!parsed.ok || parsed.value < 0) return void f.problem('restart_delay', `must be a duration like 5s, 0 (at once) or never, got ${show(v)}`);
  return checkBounds(parsed.value, RANGES['target.restart_delay'], (m) => f.problem('restart_delay', m), show(v));
}

/** embeddedTarget is the embedded reference server with defaults for whatever is not given. */
export function embeddedTarget(over: Partial<Omit<EmbeddedTarget, 'embedded'>> = {}): EmbeddedTarget {
  return { embedded: true, protocol: 'kserve-http', binary: TARGET_DEFAULTS.binary, timeoutMs: TARGET_DEFAULTS.timeoutMs, maxInFlight: TARGET_DEFAULTS.maxInFlight, ...over };
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

/** TargetFile is a target file's spec and problems (the spec is only meaningful when there are none). */
export interface TargetFile {
  spec: TargetSpec;
  problems: Problems;
}

/** readTargetText validates a target file's text, collecting problems instead of throwing. */
export function readTargetText(text: string, file?: string): TargetFile {
  const { value, problems } = parseYamlFile(text, file);
  if (value === null) problems.add([], 'the file is empty');
  const f = value !== undefined && value !== null ? asFields(value, [], problems) : undefined;
  return { spec: readTarget(f ?? new Fields({}, [], new Problems()), file), problems };
}

/** readTargetFileSync reads and validates a target file; a file that cannot be used (see readTextFile) is one problem. */
export function readTargetFileSync(file: string): TargetFile {
  const read = readTextFile(file, FILE_LIMITS.bytes);
  if (!read.ok) return { spec: readTarget(new Fields({}, [], new Problems()), file), problems: fileProblem(file, read.message) };
  return readTargetText(read.text, file);
}

/** fileProblem is the one problem of a file as a whole (it cannot be read, is too large, is not text). */
export function fileProblem(file: string, message: string): Problems {
  const problems = new Problems(file);
  problems.add([], message);
  return problems;
}

/** parseTarget validates a target file's text and returns its spec, or throws listing every problem. */
export function parseTarget(text: string, file?: string): TargetSpec {
  const { spec, problems } = readTargetText(text, file);
  throwIfProblems(`target ${file ?? '(text)'}`, [problems]);
  return spec;
}

/** loadTarget reads and validates a target file. */
export async function loadTarget(file: string): Promise<TargetSpec> {
  const { spec, problems } = readTargetFileSync(file);
  throwIfProblems(`target ${file}`, [problems]);
  return spec;
}
