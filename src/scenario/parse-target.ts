/**
 * Target files: where requests go. A target is read from its own YAML file (`--target`, or `target: path` in a
 * scenario), inline from a scenario's `target:` mapping, or names the embedded reference server. Every problem is
 * reported with its path and line, like scenarios.
 */
import { basename, dirname, extname } from 'node:path';
import type { EmbeddedTarget, RouterPolicy } from './plan.js';
import type { ProtocolEntry } from '../targets/protocol-entry.js';
import { BINARY_DEFAULT } from '../targets/protocol-kserve-http.js';
import { PROTOCOL_ENTRIES, PROTOCOL_KEYS, PROTOCOLS, protocolsTaking } from '../targets/protocols.js';
import type { TargetSpec } from '../targets/target-spec.js';
import { asFields, checkBounds, Fields, show } from './fields.js';
import { COUNT_LIMITS, FILE_LIMITS, MAX_REPLICAS, RANGES, TEXT_LIMITS } from './limits.js';
import { checkHttpUrl, readHeaders, readTls, readTokenEnv } from './target-fields.js';
import { readAutoscale } from './parse-autoscale.js';
import { Problems, throwIfProblems } from './problems.js';
import { parseDuration } from './units.js';
import { parseYamlFile, readTextFile } from './yaml-file.js';

export { PROTOCOLS } from '../targets/protocols.js';
export { checkGrpcAddress, checkHttpUrl, TLS_KEYS } from './target-fields.js';
export { HTTP_METHODS } from '../targets/protocol-http.js';

/** COMMON_TARGET_KEYS are the fields every target may have (an entry may refuse one, as openai refuses bearer_token_env). */
export const COMMON_TARGET_KEYS = ['name', 'protocol', 'url', 'timeout_ms', 'max_in_flight', 'connections', 'metrics_url', 'cost_per_hour', 'headers', 'bearer_token_env', 'tls'] as const;
/** TARGET_KEYS are the fields a target file may have: the common ones, then each protocol's own (see protocols.ts). */
export const TARGET_KEYS: readonly string[] = [...COMMON_TARGET_KEYS, ...PROTOCOL_KEYS];
/** EMBEDDED_KEYS are the fields of `target: {embedded: true, …}` in a scenario. */
export const EMBEDDED_KEYS = ['embedded', 'protocol', 'binary', 'timeout_ms', 'max_in_flight', 'models', 'replicas', 'router', 'restart_delay', 'autoscale', 'cold_start_extra'] as const;
/** ROUTER_POLICIES are the embedded stack's router policies (docs/cluster.md). */
export const ROUTER_POLICIES = ['least-outstanding', 'round-robin', 'latency-ewma'] as const satisfies readonly RouterPolicy[];
/** TARGET_DEFAULTS are the values of common fields a target leaves out (an entry may have its own timeout default). */
export const TARGET_DEFAULTS = { binary: BINARY_DEFAULT, timeoutMs: 10_000, maxInFlight: 1024, connections: 0 } as const;

/**
 * readTarget validates a target mapping; problems go to the mapping's collector, and a spec is returned anyway.
 * The common fields are read here, the protocol's own by its entry (protocols.ts).
 */
export function readTarget(f: Fields, file?: string, baseDir?: string): TargetSpec {
  const protocol = f.oneOf('protocol', PROTOCOLS, true);
  const entry = protocol !== undefined ? PROTOCOL_ENTRIES[protocol] : undefined;
  f.allowOnly(TARGET_KEYS);
  if (entry !== undefined) refuseOthers(f, entry);

  const url = f.string('url', true);
  if (url !== undefined && entry !== undefined) {
    const wrong = entry.url.check(url);
    if (wrong) f.problem('url', wrong);
  }
  const tls = readTls(f, url, file !== undefined ? dirname(file) : (baseDir ?? process.cwd()), entry?.url.tlsWithoutSecureUrl ?? false);
  const maxInFlight = f.integer('max_in_flight', RANGES['target.max_in_flight']) ?? TARGET_DEFAULTS.maxInFlight;
  const connections = f.integer('connections', RANGES['target.connections']) ?? TARGET_DEFAULTS.connections;
  if (connections > maxInFlight) f.problem('connections', `must be <= max_in_flight (${maxInFlight}), got ${connections}`);
  const metricsUrl = f.string('metrics_url');
  if (metricsUrl !== undefined) {
    const wrong = checkHttpUrl(metricsUrl, true);
    if (wrong) f.problem('metrics_url', wrong);
  }
  const costPerHour = f.number('cost_per_hour', RANGES['target.cost_per_hour']);
  const tokenKey = entry?.tokenEnvKey ?? 'bearer_token_env';
  const bearerTokenEnv = readTokenEnv(f, tokenKey);
  const headers = entry === undefined ? undefined : readHeaders(f, entry.headers);
  if (bearerTokenEnv !== undefined && headers !== undefined && Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) {
    f.problem(tokenKey, 'and an authorization header cannot both be given');
  }
  const timeoutMs = f.integer('timeout_ms', RANGES['target.timeout_ms']) ?? entry?.defaultTimeoutMs ?? TARGET_DEFAULTS.timeoutMs;
  const own = entry?.read(f, { headers, timeoutMs }) ?? {};
  return {
    name: f.string('name', false, TEXT_LIMITS.name) ?? (file ? basename(file, extname(file)) : 'target'),
    protocol: protocol ?? 'kserve-http',
    url: url ?? '',
    binary: TARGET_DEFAULTS.binary,
    timeoutMs,
    maxInFlight,
    connections,
    ...own,
    ...(metricsUrl !== undefined && { metricsUrl }),
    ...(costPerHour !== undefined && { costPerHour }),
    ...(bearerTokenEnv !== undefined && { bearerTokenEnv }),
    ...(tls !== undefined && { tls }),
    ...(file !== undefined && { file }),
  };
}

/**
 * refuseOthers reports the fields the protocol does not take: its entry's own reason when it gives one, else the
 * protocols that do take the field.
 */
function refuseOthers(f: Fields, entry: ProtocolEntry): void {
  for (const key of TARGET_KEYS) {
    if (!f.has(key) || entry.keys.includes(key)) continue;
    const reason = entry.refuse?.[key];
    if (reason !== undefined) f.problem(key, reason);
    else if (!(COMMON_TARGET_KEYS as readonly string[]).includes(key)) f.problem(key, `is only for ${ownersOf(key)}`);
  }
}

/** ownersOf names the protocols taking a field: `protocol http`, `kserve-http and kserve-grpc targets`. */
function ownersOf(key: string): string {
  const owners = protocolsTaking(key);
  if (owners.length === 1) return `protocol ${owners[0]}`;
  return `${owners.slice(0, -1).join(', ')} and ${owners[owners.length - 1]} targets`;
}

/** EMBEDDED_LLM is what an embedded openai target serves by default: the reference LLM, with an LLM's whole-stream timeout. */
export const EMBEDDED_LLM = { model: 'tiny-llm', timeoutMs: 60_000 } as const;

/** readEmbeddedTarget validates `target: {embedded: true, …}`; models default to the request's model. */
export function readEmbeddedTarget(f: Fields, requestModel: string | undefined): EmbeddedTarget {
  f.allowOnly(EMBEDDED_KEYS);
  if (f.obj.embedded !== true) f.problem('embedded', `must be true (or write a target with protocol and url), got ${show(f.obj.embedded)}`);
  const protocol = f.oneOf('protocol', ['kserve-http', 'kserve-grpc', 'openai'] as const) ?? 'kserve-http';
  if (protocol !== 'kserve-http' && f.has('binary')) f.problem('binary', protocol === 'openai' ? 'is only for kserve-http targets' : 'is only for kserve-http targets (gRPC is always binary)');
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
  const autoscale = readAutoscale(f);
  const coldStartExtraS = f.duration('cold_start_extra', RANGES['target.cold_start_extra']);
  if (autoscale && f.has('replicas')) f.problem('replicas', 'and autoscale cannot both be given: autoscale has its min and max');
  for (const key of ['router', 'restart_delay', 'cold_start_extra'] as const) {
    if (!f.has(key) || f.has('autoscale')) continue;
    if (replicas !== undefined && replicas < 2) f.problem(key, `is only for a replicated stack (replicas >= 2), got replicas ${replicas}`);
    else if (!f.has('replicas')) f.problem(key, 'is only for a replicated stack: add replicas (e.g. replicas: 3) or autoscale');
  }
  return embeddedTarget({
    protocol,
    binary: f.boolean('binary') ?? TARGET_DEFAULTS.binary,
    timeoutMs: f.integer('timeout_ms', RANGES['target.timeout_ms']) ?? (protocol === 'openai' ? EMBEDDED_LLM.timeoutMs : TARGET_DEFAULTS.timeoutMs),
    maxInFlight: f.integer('max_in_flight', RANGES['target.max_in_flight']) ?? TARGET_DEFAULTS.maxInFlight,
    models: models ?? (requestModel !== undefined ? [requestModel] : protocol === 'openai' ? [EMBEDDED_LLM.model] : []),
    ...(replicas !== undefined && replicas > 1 && { replicas }),
    ...(router !== undefined && { router }),
    ...(restartDelayS !== undefined && { restartDelayS }),
    ...(autoscale !== undefined && { autoscale }),
    ...(coldStartExtraS !== undefined && { coldStartExtraS }),
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
