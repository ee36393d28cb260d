/**
 * `gauntlet serve`: runs the reference server in the foreground until SIGINT/SIGTERM, then drains in-flight
 * requests (up to --grace-period) and exits 0. With no --model-repository it serves the bundled models,
 * building any that are missing first.
 */
import { existsSync, statSync } from 'node:fs';
import type { Argv } from 'yargs';
import { defaultModelRepository, ensureModelRepository } from '../../reference-server/models/build.js';
import { startReferenceServer, type RunningServer } from '../../reference-server/server.js';
import { GauntletError } from '../errors.js';

/** ServeArgs are the parsed options of `gauntlet serve`. */
export interface ServeArgs {
  modelRepository?: string;
  host: string;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  loadModel?: string[];
  maxBodyBytes: number;
  strictReadiness: boolean;
  gracePeriod: number;
}

/** serveOptions declares the options of `gauntlet serve`. */
export function serveOptions(y: Argv): Argv<ServeArgs> {
  return y
    .option('model-repository', { type: 'string', describe: 'Model repository folder (default: the bundled models, built on first use)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on (loopback by default; 0.0.0.0 or :: for all)' })
    .option('http-port', { type: 'number', default: 8000, describe: 'KServe v2 HTTP port (0 = any free port)' })
    .option('grpc-port', { type: 'number', default: 8001, describe: 'KServe v2 gRPC port (0 = any free port)' })
    .option('metrics-port', { type: 'number', default: 8002, describe: 'Prometheus /metrics port (0 = any free port)' })
    .option('load-model', { type: 'string', array: true, describe: 'Load only this model (repeatable); default: every model in the repository' })
    .option('max-body-bytes', { type: 'number', default: 64 * 1024 * 1024, describe: 'Largest request body / gRPC message, in bytes' })
    .option('strict-readiness', { type: 'boolean', default: true, describe: 'Report ready only when every model loaded' })
    .option('grace-period', { type: 'number', default: 30, describe: 'Seconds to let in-flight requests finish on SIGINT/SIGTERM' }) as unknown as Argv<ServeArgs>;
}

/** startServe validates the arguments, prepares the repository and starts the server, printing one line per bound port. */
export async function startServe(args: ServeArgs, print: (line: string) => void): Promise<RunningServer> {
  const problems: string[] = [];
  for (const [name, port] of [['--http-port', args.httpPort], ['--grpc-port', args.grpcPort], ['--metrics-port', args.metricsPort]] as const) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`${name}: must be an integer from 0 to 65535, got ${port}`);
  }
  if (!Number.isInteger(args.maxBodyBytes) || args.maxBodyBytes < 1024) problems.push(`--max-body-bytes: must be an integer >= 1024, got ${args.maxBodyBytes}`);
  if (!(args.gracePeriod >= 0)) problems.push(`--grace-period: must be >= 0, got ${args.gracePeriod}`);
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'invalid arguments to serve', problems);
  let repo = args.modelRepository;
  if (repo === undefined) {
    repo = defaultModelRepository();
    try {
      await ensureModelRepository(repo, { log: (l) => print(`models: ${l}`) });
    } catch (err) {
      throw new GauntletError('GAUNTLET_ERR_MODEL_BUILD', `building the bundled models in ${repo} failed: ${(err as Error).message}`);
    }
  } else if (!existsSync(repo) || !statSync(repo).isDirectory()) {
    throw new GauntletError('GAUNTLET_ERR_MODEL_REPOSITORY', `model repository ${repo} is not a folder`);
  }
  try {
    const server = await startReferenceServer({
      modelRepository: repo,
      host: args.host,
      httpPort: args.httpPort,
      grpcPort: args.grpcPort,
      metricsPort: args.metricsPort,
      models: args.loadModel,
      maxBodyBytes: args.maxBodyBytes,
      strictReadiness: args.strictReadiness,
      log: print,
    });
    const hostPort = (port: number): string => (server.host.includes(':') ? `[${server.host}]:${port}` : `${server.host}:${port}`);
    // The same lines Triton prints, so scripts that wait for them work with either server.
    print(`Started GRPCInferenceService at ${hostPort(server.grpcPort)}`);
    print(`Started HTTPService at ${hostPort(server.httpPort)}`);
    print(`Started Metrics Service at ${hostPort(server.metricsPort)}`);
    print(server.repository.ready() ? 'Server is ready' : 'Server is live but NOT ready: see the model errors above');
    return server;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new GauntletError('GAUNTLET_ERR_ADDRESS_IN_USE', `cannot listen: ${e.message}`);
    if (e.code === 'ENOENT' || e.code === 'EACCES') throw new GauntletError('GAUNTLET_ERR_MODEL_REPOSITORY', e.message);
    throw err;
  }
}

/** runServe serves until a signal arrives, then drains and resolves (exit code 0). A second signal exits at once. */
export async function runServe(args: ServeArgs, print: (line: string) => void): Promise<number> {
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
