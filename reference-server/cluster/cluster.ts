/**
 * startCluster runs N reference-server replicas (each its own process, on loopback ports) behind a router that
 * owns the public ports: HTTP and gRPC proxies with load balancing, retries and health checks, the router's
 * metrics with the replicas' Triton metrics summed, and the loopback-only admin API. See docs/cluster.md.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { ServerTimeouts } from '../core/listen.js';
import { AccessLog } from '../core/access-log.js';
import { DEFAULT_MAX_EVENT_LOOP_DELAY_MS } from '../core/admission.js';
import { repositoryAdmissionLimit } from '../core/repository-limit.js';
import { registerAccessLogMetrics } from '../metrics/access-log-metrics.js';
import { startMetricsServer } from '../metrics/metrics-server.js';
import { isLoopback, startAdminApi } from './admin-api.js';
import { Autoscaler, type AutoscaleOptions } from './autoscaler.js';
import { createBalancer, type PolicyName } from './balancer.js';
import { HealthChecker } from './health.js';
import { RetryBudget } from './retry-budget.js';
import { startGrpcRouter } from './router-grpc.js';
import { startHttpRouter } from './router-http.js';
import { RouterMetrics } from './router-metrics.js';
import { Routing } from './routing.js';
import { Supervisor } from './supervisor.js';

/** ClusterOptions configures the replicas, the router and the admin API; ports 0 = any free port. */
export interface ClusterOptions {
  modelRepository: string;
  /** Replicas; with `autoscale`, the maximum (the cluster starts with autoscale.min). */
  replicas: number;
  /** Scale between autoscale.min and `replicas` on a metric, as the Kubernetes HPA (docs/cluster.md#autoscaler). */
  autoscale?: Omit<AutoscaleOptions, 'max' | 'coresPerReplica' | 'drainGraceMs'>;
  /** A delay added to every replica start after start-up, standing for loading large weights (default 0). */
  coldStartExtraMs?: number;
  /** Address of the public HTTP, gRPC and metrics ports (default 127.0.0.1). */
  host?: string;
  httpPort?: number;
  grpcPort?: number;
  metricsPort?: number;
  /** Loopback address of the admin API (default 127.0.0.1). */
  adminHost?: string;
  adminPort?: number;
  /** Bearer token of the admin API (default: 32 random hex characters). */
  adminToken?: string;
  router?: PolicyName;
  /** Delay before a dead replica is restarted, in milliseconds; null = never (default 5000). */
  restartDelayMs?: number | null;
  healthIntervalMs?: number;
  ejectAfter?: number;
  attemptTimeoutMs?: number;
  maxRetries?: number;
  /** Requests the router sends one replica at once (default 0: the replicas' own limit, from the models' configs). */
  maxInflightPerReplica?: number;
  /** Random numbers in [0, 1) for the least-outstanding policy and `any/kill` (default Math.random). */
  random?: () => number;
  /** Each replica's options, as `gauntlet serve` has them. */
  models?: string[];
  maxBodyBytes?: number;
  maxJsonBodyBytes?: number;
  /** false turns admission control off in the router and every replica (default true). */
  admission?: boolean;
  maxInflightRequests?: number;
  maxInflightBytes?: number;
  /** Event-loop delay (ms) beyond which the router and each replica shed (default 100; 0 = off). */
  maxEventLoopDelayMs?: number;
  strictReadiness?: boolean;
  /** Cores each replica's instances share (default: the machine's cores ÷ replicas, at least 1). */
  coresPerReplica?: number;
  /** Grace period of a replica's drain (stop, close), in milliseconds (default 30 s). */
  replicaGraceMs?: number;
  /** Client timeouts of every listener, the router's and the replicas' (default DEFAULT_TIMEOUTS; docs/reference-server.md#timeouts). */
  timeouts?: Partial<ServerTimeouts>;
  /** Extra environment per replica (tests and drills only, e.g. GAUNTLET_REPLICA_DELAY_US). */
  replicaEnv?: (id: string) => Record<string, string> | undefined;
  /** Append one JSON line per request the router answered to this file (docs/reference-server.md#access-log); the replicas log nothing. AccessLogOpenError when it cannot be opened. */
  accessLog?: string;
  log?: (line: string) => void;
  /** Where the autoscaler's decision lines go (default `log`); `gauntlet serve` sends them to stderr. */
  autoscaleLog?: (line: string) => void;
}

/** RunningCluster is a started cluster. */
export interface RunningCluster {
  host: string;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  adminHost: string;
  adminPort: number;
  adminToken: string;
  supervisor: Supervisor;
  metrics: RouterMetrics;
  /** The autoscaler, when the cluster has one. */
  autoscaler?: Autoscaler;
  /** close drains: stops accepting, lets in-flight requests finish (up to graceMs), then stops every replica. */
  close(graceMs?: number): Promise<void>;
}

/** startCluster starts the replicas, waits until all are ready, then binds the router, metrics and admin ports. */
export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  if (!Number.isInteger(opts.replicas) || opts.replicas < 1) throw new Error(`replicas must be an integer >= 1, got ${opts.replicas}`);
  const host = opts.host ?? '127.0.0.1';
  const adminHost = opts.adminHost ?? '127.0.0.1';
  if (!isLoopback(adminHost)) throw new Error(`the admin API binds loopback addresses only (127.0.0.1, ::1, localhost), not '${adminHost}'`);
  const adminToken = opts.adminToken ?? randomBytes(16).toString('hex');
  const maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  const replicaGraceMs = opts.replicaGraceMs ?? 30_000;
  const random = opts.random ?? Math.random;
  const initialReplicas = opts.autoscale?.min ?? opts.replicas;
  if (!Number.isInteger(initialReplicas) || initialReplicas < 1 || initialReplicas > opts.replicas) throw new Error(`the autoscaler's minimum must be an integer from 1 to replicas (${opts.replicas}), got ${initialReplicas}`);
  const coresPerReplica = opts.coresPerReplica ?? Math.max(1, Math.floor(os.availableParallelism() / initialReplicas));
  // Opened first: a log that cannot be opened stops the start before any replica is spawned.
  const accessLog = opts.accessLog === undefined ? undefined : await AccessLog.open(opts.accessLog);
  const supervisor = new Supervisor({
    replicas: opts.replicas,
    initialReplicas,
    coldStartExtraMs: opts.coldStartExtraMs,
    replica: {
      modelRepository: opts.modelRepository,
      models: opts.models,
      maxBodyBytes,
      maxJsonBodyBytes: opts.maxJsonBodyBytes,
      admission: opts.admission,
      maxInflightRequests: opts.maxInflightRequests,
      maxInflightBytes: opts.maxInflightBytes,
      maxEventLoopDelayMs: opts.maxEventLoopDelayMs,
      strictReadiness: opts.strictReadiness,
      cores: coresPerReplica,
      gracePeriodMs: replicaGraceMs,
      timeouts: opts.timeouts,
    },
    restartDelayMs: opts.restartDelayMs === undefined ? 5000 : opts.restartDelayMs,
    env: opts.replicaEnv,
    log: opts.log,
  });
  const metrics = new RouterMetrics(supervisor);
  if (accessLog) registerAccessLogMetrics(metrics.registry, accessLog);
  const health = new HealthChecker(supervisor, {
    intervalMs: opts.healthIntervalMs ?? 500,
    ejectAfter: opts.ejectAfter ?? 3,
    onEject: (r) => metrics.countEjection(r),
  });
  const routing = new Routing(supervisor, createBalancer(opts.router ?? 'least-outstanding', random), new RetryBudget(), health, metrics, {
    maxRetries: opts.maxRetries ?? 1,
    attemptTimeoutMs: opts.attemptTimeoutMs ?? 10_000,
    ...(opts.admission !== false && {
      maxInflightPerReplica: opts.maxInflightPerReplica || repositoryAdmissionLimit(opts.modelRepository, opts.models),
      maxEventLoopDelayMs: opts.maxEventLoopDelayMs ?? DEFAULT_MAX_EVENT_LOOP_DELAY_MS,
    }),
  });
  await supervisor.start().catch(async (err: unknown) => {
    await accessLog?.close();
    throw err;
  });
  const closers: ((graceMs: number) => Promise<void>)[] = [];
  try {
    const http = await startHttpRouter(routing, { host, port: opts.httpPort ?? 8000, maxBodyBytes, timeouts: opts.timeouts, accessLog });
    closers.push(http.close);
    const grpc = await startGrpcRouter(routing, { host, port: opts.grpcPort ?? 8001, maxBodyBytes, timeouts: opts.timeouts, accessLog });
    closers.push(grpc.close);
    const metricsServer = await startMetricsServer(metrics, host, opts.metricsPort ?? 8002, opts.timeouts);
    closers.push(metricsServer.close);
    const autoscaler = opts.autoscale && new Autoscaler(supervisor, metrics, { ...opts.autoscale, max: opts.replicas, coresPerReplica, drainGraceMs: replicaGraceMs }, opts.autoscaleLog ?? opts.log ?? (() => {}));
    const admin = await startAdminApi(supervisor, { host: adminHost, port: opts.adminPort ?? 8003, token: adminToken, stopGraceMs: replicaGraceMs, random, timeouts: opts.timeouts, autoscaler });
    health.start();
    metrics.startScraping();
    autoscaler?.start();
    let closing: Promise<void> | undefined;
    return {
      host,
      httpPort: http.port,
      grpcPort: grpc.port,
      metricsPort: metricsServer.port,
      adminHost,
      adminPort: admin.port,
      adminToken,
      supervisor,
      metrics,
      ...(autoscaler && { autoscaler }),
      close: (graceMs = 10_000) =>
        (closing ??= (async () => {
          autoscaler?.stop();
          await Promise.all([http.close(graceMs), grpc.close(graceMs)]);
          await accessLog?.close();
          health.stop();
          await admin.close();
          await supervisor.close(graceMs);
          metrics.close();
          routing.close();
          await metricsServer.close();
        })()),
    };
  } catch (err) {
    await Promise.all(closers.map((c) => c(0)));
    health.stop();
    metrics.close();
    routing.close();
    await supervisor.close(0);
    await accessLog?.close();
    throw err;
  }
}
