/**
 * startReferenceServer runs the whole reference server: the model repository with its instances, the HTTP and
 * gRPC front ends and the metrics endpoint. Its `close` drains: readiness goes false, in-flight requests finish
 * (up to the grace period), then everything stops.
 */
import type { ServerTimeouts } from './core/listen.js';
import { AccessLog } from './core/access-log.js';
import { Admission } from './core/admission.js';
import { ModelRepository, type ModelControlMode } from './core/model-repository.js';
import { startGrpcServer } from './grpc/server.js';
import { startHttpServer } from './http/server.js';
import { Metrics } from './metrics/metrics.js';
import { registerAccessLogMetrics } from './metrics/access-log-metrics.js';
import { startMetricsServer } from './metrics/metrics-server.js';
import { packageVersion } from './project-root.js';
import { DEFAULT_LLM_FACTORY, type LlmFactory } from './llm/engine-factory.js';
import { LlmMetrics } from './llm/llm-metrics.js';
import { OpenAiFrontEnd } from './llm/openai-front-end.js';
import { LlmModels } from './llm/openai-models.js';

/** ServerOptions configures a reference server; ports follow Triton (8000 HTTP, 8001 gRPC, 8002 metrics; 0 = any free). */
export interface ServerOptions {
  modelRepository: string;
  host?: string;
  httpPort?: number;
  grpcPort?: number;
  metricsPort?: number;
  /** Load only these models ('*' alone: every model; with explicit model control and no list, none). */
  models?: string[];
  /** 'explicit': models are loaded and unloaded through the repository extension (Triton's --model-control-mode); default 'none'. */
  modelControl?: ModelControlMode;
  /** How long a replaced or unloaded model's requests get to finish, ms (default 30 000). */
  unloadGraceMs?: number;
  /** Largest request body / gRPC message in bytes (default 64 MiB). */
  maxBodyBytes?: number;
  /** Largest JSON part of an HTTP infer body in bytes (default 8 MiB); binary tensors may fill maxBodyBytes. */
  maxJsonBodyBytes?: number;
  /** false turns admission control off (requests are refused only by the models' queue policies); default true. */
  admission?: boolean;
  /** Inference requests in the server at once, all models (default 0: only each model's own limit). */
  maxInflightRequests?: number;
  /** Request body bytes held by admitted inference requests at once (default 256 MiB; 0 = no limit). */
  maxInflightBytes?: number;
  /** Event-loop delay in ms beyond which inference requests are shed with 503 (default 100; 0 = off). */
  maxEventLoopDelayMs?: number;
  strictReadiness?: boolean;
  /** Cores shared among instances when a model's intra_op_threads is 0. */
  cores?: number;
  /** Client timeouts of every listener (default DEFAULT_TIMEOUTS; docs/reference-server.md#timeouts). */
  timeouts?: Partial<ServerTimeouts>;
  /** Append one JSON line per answered HTTP request and gRPC call to this file (docs/reference-server.md#access-log); opened before anything else starts, AccessLogOpenError when it cannot be. */
  accessLog?: string;
  log?: (line: string) => void;
  /** Makes the engine and tokenizer of each LLM folder (`backend: llm`); default the built-in reference LLM. */
  llmFactory?: LlmFactory;
}

/** RunningServer is a started reference server. */
export interface RunningServer {
  host: string;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  repository: ModelRepository;
  admission: Admission;
  metrics: Metrics;
  /** The LLMs served on the OpenAI routes. */
  llms: LlmModels;
  /** close drains and stops the server; in-flight requests get up to graceMs to finish, queued ones left then get 503. */
  close(graceMs?: number): Promise<void>;
}

/** ANSWER_MS is how long past the grace period the front ends wait for the last answers (executing batches). */
const ANSWER_MS = 5000;

/** startReferenceServer loads the repository and binds every front end. */
export async function startReferenceServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const maxBody = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  const accessLog = opts.accessLog === undefined ? undefined : await AccessLog.open(opts.accessLog);
  const repository = await ModelRepository.load(opts.modelRepository, {
    models: modelsAtStart(opts.models, opts.modelControl),
    modelControl: opts.modelControl,
    unloadGraceMs: opts.unloadGraceMs,
    strictReadiness: opts.strictReadiness,
    cores: opts.cores,
    serverName: 'gauntlet-reference',
    serverVersion: packageVersion(),
    log: opts.log,
  }).catch(async (err: unknown) => {
    await accessLog?.close();
    throw err;
  });
  const admission = new Admission({
    enabled: opts.admission,
    maxInflightRequests: opts.maxInflightRequests,
    maxInflightBytes: opts.maxInflightBytes,
    maxEventLoopDelayMs: opts.maxEventLoopDelayMs,
  });
  const metrics = new Metrics(() => repository.models(), admission);
  if (accessLog) registerAccessLogMetrics(metrics.registry, accessLog);
  let llms: LlmModels | undefined;
  const llmMetrics = new LlmMetrics(metrics.registry, () => llms?.schedulers() ?? new Map());
  llms = await LlmModels.load(opts.modelRepository, { factory: opts.llmFactory ?? DEFAULT_LLM_FACTORY, models: modelsAtStart(opts.models, opts.modelControl), metrics: llmMetrics, log: opts.log });
  const served = llms;
  const openAi = new OpenAiFrontEnd(() => served.byName);
  const started: { close(graceMs?: number): Promise<void> }[] = [];
  try {
    const http = await startHttpServer(repository, { host, port: opts.httpPort ?? 8000, maxBodyBytes: maxBody, maxJsonBodyBytes: opts.maxJsonBodyBytes, admission, timeouts: opts.timeouts, accessLog, openAi });
    started.push(http);
    const grpc = await startGrpcServer(repository, { host, port: opts.grpcPort ?? 8001, maxMessageBytes: maxBody, admission, timeouts: opts.timeouts, accessLog });
    started.push(grpc);
    const metricsServer = await startMetricsServer(metrics, host, opts.metricsPort ?? 8002, opts.timeouts);
    started.push(metricsServer);
    let closing: Promise<void> | undefined;
    return {
      host,
      httpPort: http.port,
      grpcPort: grpc.port,
      metricsPort: metricsServer.port,
      repository,
      admission,
      metrics,
      llms: served,
      close: (graceMs = 10_000) =>
        (closing ??= (async () => {
          repository.startDraining();
          // The front ends stop accepting connections now, but close the open ones only once every accepted
          // request is answered: the models get the grace period, then fail what is still queued (503 /
          // UNAVAILABLE) and let executing batches finish. Closing connections first would reset those requests.
          const frontEnds = Promise.all([http.close(graceMs + ANSWER_MS), grpc.close(graceMs + ANSWER_MS)]);
          await Promise.all([repository.close(graceMs), served.close()]);
          await frontEnds;
          await accessLog?.close();
          await metricsServer.close();
          metrics.close();
          admission.close();
        })()),
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.close(0)));
    await repository.close(0);
    await served.close();
    await accessLog?.close();
    metrics.close();
    admission.close();
    throw err;
  }
}

/**
 * modelsAtStart is what start-up loads: as Triton, '*' alone means every model, and explicit model control loads
 * only the models named (none when no model is named); otherwise every model unless some are named.
 */
export function modelsAtStart(models: string[] | undefined, control: ModelControlMode | undefined): string[] | undefined {
  if (models?.length === 1 && models[0] === '*') return undefined;
  if (control === 'explicit') return models ?? [];
  return models;
}
