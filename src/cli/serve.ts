/**
 * `gauntlet serve`: runs the reference server in the foreground until SIGINT/SIGTERM, then drains in-flight
 * requests (up to --grace-period) and exits 0. With no --model-repository it serves the bundled models,
 * building any that are missing first. With --replicas N > 1 it runs N replicas behind a router, with an admin
 * API (docs/cluster.md).
 */
import { existsSync, statSync } from 'node:fs';
import { AccessLogOpenError } from '../../reference-server/core/access-log.js';
import type { Argv } from 'yargs';
import { POLICY_NAMES, type PolicyName } from '../../reference-server/cluster/balancer.js';
import { ADMIN_TOKEN_ENV } from '../../reference-server/cluster/admin-api.js';
import { startCluster, type RunningCluster } from '../../reference-server/cluster/cluster.js';
import { DEFAULT_TIMEOUTS } from '../../reference-server/core/listen.js';
import { exitWithParent, parentPidFromEnv } from '../../reference-server/core/parent-watch.js';
import { defaultModelRepository, ensureModelRepository } from '../../reference-server/models/build.js';
import { ensureRolloutModel, ROLLOUT_MODEL_NAMES } from '../../reference-server/models/rollout-model.js';
import { startReferenceServer, type RunningServer } from '../../reference-server/server.js';
import type { ModelControlMode } from '../../reference-server/core/model-repository.js';
import { GauntletError } from '../errors.js';
import { type AdminTokenChoice, chooseAdminToken, takeEnvToken } from './admin-token.js';
import { AUTOSCALE_METRICS, type AutoscaleMetric } from '../../reference-server/cluster/autoscaler.js';
import { accessLogProblem, autoscaleSettings, DEFAULT_AUTOSCALE_TARGETS, parseReplicaRange, parseRestartDelay, serveArgProblems, serveTimeouts } from './serve-args.js';
import { POLICY_SYNTAX } from '../../reference-server/cluster/hpa.js';

/** ServeArgs are the parsed options of `gauntlet serve`. */
export interface ServeArgs {
  modelRepository?: string;
  host: string;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  loadModel?: string[];
  modelControlMode: ModelControlMode;
  maxBodyBytes: number;
  maxJsonBodyBytes: number;
  admission: boolean;
  maxInflightRequests: number;
  maxInflightBytes: number;
  maxEventLoopDelayMs: number;
  strictReadiness: boolean;
  gracePeriod: number;
  /** N, or MIN..MAX with --autoscale. */
  replicas: number | string;
  autoscale?: AutoscaleMetric;
  autoscaleTarget?: number;
  autoscaleTolerance: number;
  /** Seconds between decisions. */
  autoscaleInterval: number;
  scaleUpStabilization: number;
  scaleDownStabilization: number;
  scaleUpPolicy: string;
  scaleDownPolicy: string;
  coldStartExtraMs: number;
  router: PolicyName;
  /** Seconds, or 'never'. */
  restartDelay: string;
  adminPort: number;
  adminToken?: string;
  adminTokenFile?: string;
  healthIntervalMs: number;
  ejectAfter: number;
  attemptTimeoutMs: number;
  maxRetries: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  idleTimeoutMs: number;
  grpcReceiveTimeoutMs: number;
  /** 0 = derived from the models' configs. */
  maxInflightPerReplica: number;
  /** JSONL access log file (docs/reference-server.md#access-log). */
  accessLog?: string;
}

export { ADMIN_TOKEN_ENV };

/** MODEL_CONTROL_MODES are the values of --model-control-mode (Triton's, poll left out). */
export const MODEL_CONTROL_MODES: readonly ModelControlMode[] = ['none', 'explicit'];

const AUTOSCALE_OPTIONS = ['autoscale', 'autoscale-target', 'autoscale-tolerance', 'autoscale-interval', 'scale-up-stabilization', 'scale-down-stabilization', 'scale-up-policy', 'scale-down-policy', 'cold-start-extra-ms'];
const CLUSTER_OPTIONS = ['replicas', 'router', 'restart-delay', 'admin-port', 'admin-token-file', 'admin-token', 'health-interval-ms', 'eject-after', 'attempt-timeout-ms', 'max-retries', 'max-inflight-per-replica'];
const LIMIT_OPTIONS = ['admission', 'max-body-bytes', 'max-json-body-bytes', 'max-inflight-requests', 'max-inflight-bytes', 'max-event-loop-delay-ms'];
const TIMEOUT_OPTIONS = ['headers-timeout-ms', 'body-timeout-ms', 'idle-timeout-ms', 'grpc-receive-timeout-ms'];

/** serveOptions declares the options of `gauntlet serve`. */
export function serveOptions(y: Argv): Argv<ServeArgs> {
  return y
    .option('model-repository', { type: 'string', describe: 'Model repository folder (default: the bundled models, built on first use)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on (loopback by default; 0.0.0.0 or :: for all)' })
    .option('http-port', { type: 'number', default: 8000, describe: 'KServe v2 HTTP port (0 = any free port)' })
    .option('grpc-port', { type: 'number', default: 8001, describe: 'KServe v2 gRPC port (0 = any free port)' })
    .option('metrics-port', { type: 'number', default: 8002, describe: 'Prometheus /metrics port (0 = any free port)' })
    .option('load-model', { type: 'string', array: true, describe: "Load only this model (repeatable); default: every model in the repository ('*': every model, also with explicit model control)" })
    .option('model-control-mode', { type: 'string', choices: MODEL_CONTROL_MODES, default: 'none', describe: "none: models load at start-up only; explicit: as Triton, only the --load-model models load at start-up, and POST /v2/repository/models/{m}/load re-reads a model's config.yaml and files and swaps it in (in-flight requests finish on the old one), .../unload unloads it" })
    .option('max-body-bytes', { type: 'number', default: 64 * 1024 * 1024, describe: 'Largest request body / gRPC message, in bytes' })
    .option('max-json-body-bytes', { type: 'number', default: 8 * 1024 * 1024, describe: 'Largest JSON part of an HTTP infer body, in bytes (binary tensors may fill --max-body-bytes)' })
    .option('admission', { type: 'boolean', default: true, describe: "Shed inference requests at once (503 / UNAVAILABLE, Retry-After) when a limit below is reached, before reading their body; --no-admission: only the models' queue policies refuse" })
    .option('max-inflight-requests', { type: 'number', default: 0, describe: "Inference requests in the server at once, all models together; more get 503 at once (0 = only each model's limit: max_queue_size + instances × max_batch_size)" })
    .option('max-inflight-bytes', { type: 'number', default: 256 * 1024 * 1024, describe: 'Request body bytes held by inference requests at once; more get 503 at once (0 = no limit)' })
    .option('max-event-loop-delay-ms', { type: 'number', default: 100, describe: 'Shed inference requests (503 at once, before reading their body) while the event loop runs this late, twice in a row (0 = off)' })
    .option('strict-readiness', { type: 'boolean', default: true, describe: 'Report ready only when every model loaded' })
    .option('grace-period', { type: 'number', default: 30, describe: 'Seconds to let in-flight requests finish on SIGINT/SIGTERM' })
    .option('access-log', {
      type: 'string',
      describe:
        'Append one JSON line per answered request (HTTP and gRPC; with --replicas, as the router answered it) to this file: time, start_us, duration_us, protocol, method, route (no query string), model, version, status, request_bytes, response_bytes; nothing else. Written off the request path; lines the disk cannot take are dropped and counted (gauntlet_access_log_dropped_total). See docs/reference-server.md#access-log',
    })
    .option('replicas', { type: 'string', default: '1', describe: 'Server processes behind a router on the public ports (1 = the plain server, no router); MIN..MAX with --autoscale: start MIN, scale between them' })
    .option('autoscale', { type: 'string', choices: AUTOSCALE_METRICS, describe: 'Scale the replicas on this signal per ready replica, as the Kubernetes HPA: queue-depth (requests waiting in the replicas), concurrency (requests in flight at each), utilization (compute share of its cores)' })
    .option('autoscale-target', { type: 'number', describe: `The signal's target per replica (default: ${Object.entries(DEFAULT_AUTOSCALE_TARGETS).map(([k, v]) => `${k} ${v}`).join(', ')}); desired = ceil(ready × value / target)` })
    .option('autoscale-tolerance', { type: 'number', default: 0.1, describe: 'No change while value / target is within 1 ± this (the HPA: 0.1)' })
    .option('autoscale-interval', { type: 'number', default: 1, describe: 'Seconds between decisions (the HPA: 15)' })
    .option('scale-up-stabilization', { type: 'number', default: 0, describe: 'Seconds: scale up only to the lowest count recommended over this window (the HPA: 0)' })
    .option('scale-down-stabilization', { type: 'number', default: 300, describe: 'Seconds: scale down only to the highest count recommended over this window (the HPA: 300)' })
    .option('scale-up-policy', { type: 'string', default: '4pods/15s,100%/15s', describe: `Most replicas added per period: ${POLICY_SYNTAX}` })
    .option('scale-down-policy', { type: 'string', default: '100%/15s', describe: `Most replicas drained per period: ${POLICY_SYNTAX}` })
    .option('cold-start-extra-ms', { type: 'number', default: 0, describe: 'Milliseconds added to every replica start after start-up (scale-ups, restarts), standing for loading large weights (0 to 600000)' })
    .option('router', { type: 'string', choices: POLICY_NAMES, default: 'least-outstanding', describe: 'Load-balancing policy over the ready replicas' })
    .option('restart-delay', { type: 'string', default: '5', describe: "Seconds before a dead replica is restarted (0 = at once, 'never' = not restarted)" })
    .option('admin-port', { type: 'number', default: 8003, describe: 'Admin API port, loopback only (0 = any free port)' })
    .option('admin-token-file', { type: 'string', describe: 'Read the admin API bearer token from this file (one line; warns when other users can read it)' })
    .option('admin-token', { type: 'string', describe: `Admin API bearer token; visible to other users in \`ps\`: prefer --admin-token-file or $${ADMIN_TOKEN_ENV} (default: generated, 32 hex characters, and printed at start; a given token is never printed)` })
    .option('health-interval-ms', { type: 'number', default: 500, describe: 'Milliseconds between health checks of each replica' })
    .option('eject-after', { type: 'number', default: 3, describe: 'Consecutive failed health checks that take a replica out of rotation' })
    .option('attempt-timeout-ms', { type: 'number', default: 10_000, describe: 'Milliseconds one attempt on a replica may take (then 504 / DEADLINE_EXCEEDED, or a retry)' })
    .option('max-retries', { type: 'number', default: 1, describe: 'Retries on another replica of a request that got no response byte (within a 20 % retry budget)' })
    .option('max-inflight-per-replica', { type: 'number', default: 0, describe: "Requests the router sends to one replica at once; beyond it on every replica, 503 at once (0 = the replicas' own limit, from the models' configs)" })
    .option('headers-timeout-ms', { type: 'number', default: DEFAULT_TIMEOUTS.headersTimeoutMs, describe: 'Milliseconds a client may take to send a request line and headers (then 408)' })
    .option('body-timeout-ms', { type: 'number', default: DEFAULT_TIMEOUTS.bodyTimeoutMs, describe: 'Longest silence, in milliseconds, while a request body arrives (then 408 / DEADLINE_EXCEEDED; 0 = none)' })
    .option('idle-timeout-ms', { type: 'number', default: DEFAULT_TIMEOUTS.idleTimeoutMs, describe: 'Milliseconds an idle keep-alive or HTTP/2 connection stays open' })
    .option('grpc-receive-timeout-ms', { type: 'number', default: DEFAULT_TIMEOUTS.grpcReceiveTimeoutMs, describe: "Milliseconds a replica's gRPC server waits for a unary request's whole message (then DEADLINE_EXCEEDED; 0 = none)" })
    .group(['model-repository', 'host', 'http-port', 'grpc-port', 'metrics-port', 'load-model', 'strict-readiness', 'grace-period', 'access-log'], 'Options:')
    .group(LIMIT_OPTIONS, 'Limits and shedding (see docs/reference-server.md):')
    .group(TIMEOUT_OPTIONS, 'Timeouts (docs/reference-server.md#timeouts):')
    .group(CLUSTER_OPTIONS, 'Replicas (with --replicas above 1; see docs/cluster.md):')
    .group(AUTOSCALE_OPTIONS, 'Autoscaler (with --replicas MIN..MAX; see docs/cluster.md#autoscaler):') as unknown as Argv<ServeArgs>;
}

/** Served is a running single server or cluster: what runServe needs to stop it. */
type Served = Pick<RunningServer, 'close'> | Pick<RunningCluster, 'close'>;

/** startServe validates the arguments, prepares the repository and starts the server, printing one line per bound port. */
export async function startServe(args: ServeArgs, print: (line: string) => void): Promise<Served> {
  const problems = serveArgProblems(args);
  const replicas = parseReplicaRange(args.replicas)?.max ?? 1;
  // Read and removed from the environment first, so that no child process inherits it, whatever happens next.
  const envToken = takeEnvToken();
  const token = replicas > 1 ? chooseAdminToken(args.adminToken, args.adminTokenFile, envToken) : undefined;
  problems.push(...(token?.problems ?? []));
  if (args.modelControlMode === 'explicit' && replicas > 1) problems.push('--model-control-mode explicit: works with the single server only (--replicas 1); each replica loads its models at start-up');
  if (args.loadModel?.includes('*') && args.loadModel.length > 1) problems.push("--load-model '*': must be the only --load-model");
  const logProblem = args.accessLog === undefined ? undefined : accessLogProblem(args.accessLog);
  if (logProblem !== undefined) problems.push(logProblem);
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'invalid arguments to serve', problems);
  let repo = args.modelRepository;
  if (repo === undefined) {
    repo = defaultModelRepository();
    try {
      await ensureModelRepository(repo, { log: (l) => print(`models: ${l}`) });
      for (const name of ROLLOUT_MODEL_NAMES) if (args.loadModel?.includes(name)) await ensureRolloutModel(repo, (l) => print(`models: ${l}`), name);
    } catch (err) {
      throw new GauntletError('GAUNTLET_ERR_MODEL_BUILD', `building the bundled models in ${repo} failed: ${(err as Error).message}`);
    }
  } else if (!existsSync(repo) || !statSync(repo).isDirectory()) {
    throw new GauntletError('GAUNTLET_ERR_MODEL_REPOSITORY', `model repository ${repo} is not a folder`);
  }
  if (replicas > 1 && token !== undefined) {
    for (const w of token.warnings) print(`warning: ${w}`);
    return startServeCluster(args, repo, print, token);
  }
  try {
    const server = await startReferenceServer({
      modelRepository: repo,
      host: args.host,
      httpPort: args.httpPort,
      grpcPort: args.grpcPort,
      metricsPort: args.metricsPort,
      models: args.loadModel,
      modelControl: args.modelControlMode,
      unloadGraceMs: args.gracePeriod * 1000,
      maxBodyBytes: args.maxBodyBytes,
      maxJsonBodyBytes: args.maxJsonBodyBytes,
      admission: args.admission,
      maxInflightRequests: args.maxInflightRequests,
      maxInflightBytes: args.maxInflightBytes,
      maxEventLoopDelayMs: args.maxEventLoopDelayMs,
      strictReadiness: args.strictReadiness,
      timeouts: serveTimeouts(args),
      accessLog: args.accessLog,
      log: print,
    });
    printStarted(print, server);
    print(server.repository.ready() ? 'Server is ready' : 'Server is live but NOT ready: see the model errors above');
    return server;
  } catch (err) {
    if (err instanceof AccessLogOpenError) throw accessLogError(err);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new GauntletError('GAUNTLET_ERR_ADDRESS_IN_USE', `cannot listen: ${e.message}`);
    if (e.code === 'ENOENT' || e.code === 'EACCES') throw new GauntletError('GAUNTLET_ERR_MODEL_REPOSITORY', e.message);
    throw err;
  }
}

/** accessLogError is the exit-2 error of an access log that could not be opened after the early check passed. */
function accessLogError(err: AccessLogOpenError): GauntletError {
  return new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'invalid arguments to serve', [`--access-log ${err.path}: cannot open for appending: ${err.error.message}`]);
}

/** hostPort writes host:port, bracketing an IPv6 host. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** printStarted prints the same start-up lines Triton prints, so scripts that wait for them work with either server. */
function printStarted(print: (line: string) => void, s: { host: string; grpcPort: number; httpPort: number; metricsPort: number }): void {
  print(`Started GRPCInferenceService at ${hostPort(s.host, s.grpcPort)}`);
  print(`Started HTTPService at ${hostPort(s.host, s.httpPort)}`);
  print(`Started Metrics Service at ${hostPort(s.host, s.metricsPort)}`);
}

/** startServeCluster starts N replicas behind the router and prints the start-up lines, the admin line included. */
async function startServeCluster(args: ServeArgs, repo: string, print: (line: string) => void, token: AdminTokenChoice): Promise<RunningCluster> {
  try {
    const cluster = await startCluster({
      modelRepository: repo,
      replicas: parseReplicaRange(args.replicas)!.max,
      autoscale: autoscaleSettings(args),
      coldStartExtraMs: args.coldStartExtraMs,
      host: args.host,
      httpPort: args.httpPort,
      grpcPort: args.grpcPort,
      metricsPort: args.metricsPort,
      adminPort: args.adminPort,
      adminToken: token.token,
      router: args.router,
      restartDelayMs: parseRestartDelay(args.restartDelay) ?? null,
      healthIntervalMs: args.healthIntervalMs,
      ejectAfter: args.ejectAfter,
      attemptTimeoutMs: args.attemptTimeoutMs,
      maxRetries: args.maxRetries,
      maxInflightPerReplica: args.maxInflightPerReplica,
      models: args.loadModel,
      maxBodyBytes: args.maxBodyBytes,
      maxJsonBodyBytes: args.maxJsonBodyBytes,
      admission: args.admission,
      maxInflightRequests: args.maxInflightRequests,
      maxInflightBytes: args.maxInflightBytes,
      maxEventLoopDelayMs: args.maxEventLoopDelayMs,
      strictReadiness: args.strictReadiness,
      replicaGraceMs: args.gracePeriod * 1000,
      timeouts: serveTimeouts(args),
      accessLog: args.accessLog,
      log: print,
      autoscaleLog: (line) => void process.stderr.write(`${line}\n`),
    });
    printStarted(print, cluster);
    // Only a generated token is printed (the harness's embedded server reads it from this line).
    const shown = token.source === undefined ? `token: ${cluster.adminToken}` : `token from ${token.source}`;
    print(`Started Admin API at ${hostPort(cluster.adminHost, cluster.adminPort)} (${shown})`);
    print('Server is ready');
    return cluster;
  } catch (err) {
    if (err instanceof AccessLogOpenError) throw accessLogError(err);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new GauntletError('GAUNTLET_ERR_ADDRESS_IN_USE', `cannot listen: ${e.message}`);
    // A replica that starts but is not ready has models that failed to load (their errors are in its output).
    if (/not ready \(model errors\)/.test(e.message)) throw new GauntletError('GAUNTLET_ERR_MODEL_REPOSITORY', e.message);
    throw err;
  }
}

/**
 * runServe serves until a signal arrives, then drains and resolves (exit code 0). A second signal exits at once.
 * Started by the harness (its pid in PARENT_PID_ENV), it exits as soon as the harness is gone, from the first
 * moment (model builds included); its replicas follow through their IPC channels.
 */
export async function runServe(args: ServeArgs, print: (line: string) => void): Promise<number> {
  const parentPid = parentPidFromEnv();
  if (parentPid !== undefined) exitWithParent({ parentPid });
  const server = await startServe(args, print);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      print(`${signal}: draining in-flight requests (up to ${args.gracePeriod} s; send it again to stop at once)`);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await server.close(args.gracePeriod * 1000);
  print('Server stopped');
  return 0;
}
