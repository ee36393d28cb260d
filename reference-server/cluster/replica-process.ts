/**
 * ReplicaProcess is one started replica process (one life of a replica): it forks replica-main, reads the ports
 * from its start-up lines, and measures its cold start: spawn → ports printed (models loaded) → first successful
 * `GET /v2/health/ready` after the replica reported its warm-up done.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { ReplicaOptions } from './replica-options.js';

/** ColdStart is how long one (re)start took, by stage, in milliseconds. */
export interface ColdStart {
  spawnToLoadedMs: number;
  loadedToReadyMs: number;
  /** The supervisor's --cold-start-extra-ms, when it added one (included in totalMs). */
  extraMs?: number;
  totalMs: number;
}

/** ReplicaPorts are the loopback ports a replica process bound. */
export interface ReplicaPorts {
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
}

/** ProcessExit is how a replica process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// Under the TypeScript sources (tests, tsx) the entry is a .ts file that needs tsx's loader; compiled, it is .js.
const fromSource = import.meta.url.endsWith('.ts');
const entry = new URL(fromSource ? 'replica-main.ts' : 'replica-main.js', import.meta.url);
const execArgv = fromSource ? ['--import', import.meta.resolve('tsx')] : [];
const READY_POLL_MS = 5;
const OUTPUT_KEPT_CHARS = 8000;

/** ReplicaProcess runs one replica process; `ready` settles once it is ready (or failed to become so). */
export class ReplicaProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  ports?: ReplicaPorts;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** Resolves with the cold start once ready; rejects when the process exits, reports NOT ready, or takes longer than the start timeout. */
  readonly ready: Promise<ColdStart>;
  exit?: ProcessExit;
  private output = '';

  constructor(
    readonly label: string,
    options: ReplicaOptions,
    env: Record<string, string> | undefined,
    startTimeoutMs: number,
    log: (line: string) => void,
  ) {
    const spawnedAt = performance.now();
    this.child = fork(entry, [JSON.stringify(options)], {
      execArgv,
      env: { ...process.env, GAUNTLET_ADMIN_TOKEN: undefined, ...env }, // ADMIN_TOKEN_ENV (admin-api.ts): the token stays with the supervisor
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.pid = this.child.pid ?? -1;
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve((this.exit = { code, signal })));
    });
    this.child.on('error', (err) => log(`${label}: ${err.message}`));
    this.child.on('disconnect', () => {});
    const partial: Partial<ReplicaPorts> = {};
    this.ready = new Promise<ColdStart>((resolve, reject) => {
      let loadedAt = 0;
      let settled = false;
      const fail = (why: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${label} ${why}${this.output ? `; its output:\n${this.output}` : ''}`));
      };
      const timer = setTimeout(() => {
        fail(`was not ready after ${startTimeoutMs / 1000} s`);
        this.kill('SIGKILL');
      }, startTimeoutMs);
      void this.exited.then((e) => fail(`exited (${e.signal ?? `code ${e.code}`}) before it was ready`));
      const onLine = (line: string): void => {
        this.keep(line);
        const started = /^Started (GRPCInferenceService|HTTPService|Metrics Service) at .*:(\d+)$/.exec(line);
        if (started) {
          const port = Number(started[2]);
          if (started[1] === 'HTTPService') partial.httpPort = port;
          else if (started[1] === 'GRPCInferenceService') partial.grpcPort = port;
          else partial.metricsPort = port;
          if (partial.httpPort && partial.grpcPort && partial.metricsPort) {
            this.ports = partial as ReplicaPorts;
            loadedAt = performance.now();
          }
          return;
        }
        if (line === 'Server is ready' && this.ports) {
          void waitForHealth(this.ports.httpPort, () => settled || this.exit !== undefined).then((ok) => {
            if (!ok || settled) return;
            settled = true;
            clearTimeout(timer);
            const readyAt = performance.now();
            resolve({ spawnToLoadedMs: round(loadedAt - spawnedAt), loadedToReadyMs: round(readyAt - loadedAt), totalMs: round(readyAt - spawnedAt) });
          });
          return;
        }
        if (/NOT ready/.test(line)) {
          fail('started but is not ready (model errors)');
          this.kill('SIGKILL');
          return;
        }
        // Never repeat a start-up line verbatim: whoever reads our own output would take the replica's ports.
        log(`[${label}] ${line}`);
      };
      createInterface({ input: this.child.stdout! }).on('line', onLine);
      createInterface({ input: this.child.stderr! }).on('line', (line) => {
        this.keep(line);
        log(`[${label}] ${line}`);
      });
    });
    // A replica that fails to start is reported through `ready`; nobody else must see an unhandled rejection.
    this.ready.catch(() => {});
  }

  /** kill sends a signal unless the process already exited. */
  kill(signal: NodeJS.Signals): void {
    if (this.exit === undefined) this.child.kill(signal);
  }

  /** recentOutput is the tail of what the process printed. */
  recentOutput(): string {
    return this.output;
  }

  private keep(line: string): void {
    // The start-up lines say nothing useful in an error, and whoever reads the error must not take them for ours.
    if (/^Started .* at |^Server is /.test(line)) return;
    this.output = `${this.output}${line}\n`.slice(-OUTPUT_KEPT_CHARS);
  }
}

/** waitForHealth polls /v2/health/ready until it answers 200 (true) or `gaveUp` says to stop (false). */
async function waitForHealth(port: number, gaveUp: () => boolean): Promise<boolean> {
  while (!gaveUp()) {
    if ((await probeReady(port, 1000)) === true) return true;
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  return false;
}

/**
 * controlAgent keeps connections to the replicas for the router's own requests (health checks, metric scrapes),
 * so checking twice a second does not cost two TCP handshakes a second per replica. A dead replica still fails
 * a check: its connections are reset, and a new one is refused.
 */
export const controlAgent = new http.Agent({ keepAlive: true, maxSockets: 4, timeout: 30_000 });

/** ControlAnswer is the status and body of one of the router's own requests to a replica, or why it failed. */
export type ControlAnswer = { status: number; body: string } | { error: string };

/**
 * controlGet sends one of the router's own GET requests (health check, metrics scrape) to a replica's HTTP port.
 * `timeoutMs` bounds the whole exchange, not only silence on the socket: a replica that trickles its answer a
 * byte at a time must not keep a check or a scrape open for ever. A body past `maxBytes` fails it too.
 */
export function controlGet(port: number, path: string, timeoutMs: number, maxBytes: number): Promise<ControlAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (a: ControlAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const req = http.get({ host: '127.0.0.1', port, path, agent: controlAgent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          req.destroy();
          settle({ error: `the answer is over ${maxBytes} bytes` });
        } else chunks.push(c);
      });
      res.on('end', () => settle({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => settle({ error: e.message }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      settle({ error: `no whole answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => settle({ error: e.message }));
  });
}

/** probeReady sends `GET /v2/health/ready`; true on 200, else the reason it failed (at the latest after timeoutMs). */
export async function probeReady(port: number, timeoutMs: number): Promise<true | string> {
  const a = await controlGet(port, '/v2/health/ready', timeoutMs, 64 * 1024);
  if ('error' in a) return a.error;
  return a.status === 200 ? true : `HTTP ${a.status}`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
