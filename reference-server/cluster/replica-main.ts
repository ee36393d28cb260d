/**
 * The entry point of one replica process: a whole reference server on loopback ports picked at start. It prints
 * the start-up lines of `gauntlet serve` (the supervisor reads the ports from them), warms every model up with
 * one inference, then prints `Server is ready`. SIGTERM drains and exits 0; SIGINT is ignored (a terminal's
 * Ctrl-C reaches the whole process group, and only the supervisor decides when a replica stops); when the
 * supervisor dies (its IPC channel closes, or the replica is reparented) the replica exits within a second,
 * even in the middle of a drain (reference-server/core/parent-watch.ts).
 *
 * Usage: node replica-main.js '<ReplicaOptions as JSON>'
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { isPlainObject, parseYaml } from '../config/problems.js';
import { exitWithParent } from '../core/parent-watch.js';
import { startReferenceServer, type RunningServer } from '../server.js';
import { DELAY_ENV, REPLICA_NICE, type ReplicaOptions } from './replica-options.js';
import { warmUp } from './warm-up.js';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as ReplicaOptions;
  if (typeof opts.modelRepository !== 'string') throw new Error(`usage: replica-main '{"modelRepository": "DIR", ...}'`);
  lowerPriority(opts.nice ?? REPLICA_NICE);
  const delayUs = process.env[DELAY_ENV];
  const overlay = delayUs === undefined ? undefined : delayedRepository(opts.modelRepository, Number(delayUs));
  // The models are read at load: the mirror can go then, so a replica that is SIGKILLed leaves nothing behind
  // (an instance that dies later cannot be restarted from it; acceptable for a test and drill knob).
  const removeOverlay = (): void => {
    if (overlay) rmSync(overlay, { recursive: true, force: true });
  };
  let server: RunningServer | undefined;
  let stopping = false;
  const stop = async (graceMs: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server?.close(graceMs);
    removeOverlay();
    process.exit(0);
  };
  process.on('SIGINT', () => {});
  process.once('SIGTERM', () => void stop(opts.gracePeriodMs ?? 30_000));
  // The supervisor is gone (its IPC channel closed, or we were reparented): exit within a second, even mid-drain.
  exitWithParent({
    cleanUp: async () => {
      if (!stopping) {
        stopping = true;
        await server?.close(0);
      }
      removeOverlay();
    },
  });
  server = await startReferenceServer({
    modelRepository: overlay ?? opts.modelRepository,
    host: '127.0.0.1',
    httpPort: 0,
    grpcPort: 0,
    metricsPort: 0,
    models: opts.models,
    maxBodyBytes: opts.maxBodyBytes,
    maxJsonBodyBytes: opts.maxJsonBodyBytes,
    admission: opts.admission,
    maxInflightRequests: opts.maxInflightRequests,
    maxInflightBytes: opts.maxInflightBytes,
    maxEventLoopDelayMs: opts.maxEventLoopDelayMs,
    strictReadiness: opts.strictReadiness,
    cores: opts.cores,
    timeouts: opts.timeouts,
    log: print,
  }).finally(removeOverlay);
  print(`Started GRPCInferenceService at 127.0.0.1:${server.grpcPort}`);
  print(`Started HTTPService at 127.0.0.1:${server.httpPort}`);
  print(`Started Metrics Service at 127.0.0.1:${server.metricsPort}`);
  if (!server.repository.ready()) {
    print('Server is live but NOT ready: see the model errors above');
    return;
  }
  for (const problem of await warmUp(server.repository.models())) print(`warm-up: ${problem}`);
  if (!stopping) print('Server is ready');
}

/**
 * lowerPriority lowers this process's CPU priority by `by` (see REPLICA_NICE), before any model instance thread
 * starts. On Linux the priority belongs to each thread, and a new thread inherits its creator's: so every thread
 * that exists now (the main thread and Node's own) is lowered, and the model instances' threads, started later,
 * inherit it.
 */
function lowerPriority(by: number): void {
  if (!(by > 0)) return;
  const nice = Math.min(19, os.getPriority() + by);
  let threads: number[] = [0];
  try {
    threads = readdirSync('/proc/self/task').map(Number).filter((t) => Number.isInteger(t) && t > 0);
  } catch {
    // Not Linux: the process as a whole.
  }
  for (const tid of threads) {
    try {
      os.setPriority(tid, nice);
    } catch {
      // Not permitted or not supported: that thread runs at the router's priority.
    }
  }
}

/**
 * delayedRepository mirrors a repository in a temporary folder whose configs set artificial_delay_us (every
 * other file is a symbolic link to the original) and returns its path.
 */
function delayedRepository(dir: string, delayUs: number): string {
  if (!Number.isInteger(delayUs) || delayUs < 0) throw new Error(`${DELAY_ENV} must be a non-negative integer, got ${process.env[DELAY_ENV]}`);
  const out = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-replica-'));
  const mirror = (from: string, to: string, depth: number): void => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) {
        mkdirSync(target);
        mirror(source, target, depth + 1);
      } else if (depth === 1 && entry.name === 'config.yaml') {
        // A config that cannot be read safely is copied as it is: the server reports its problems when it loads.
        const parsed = parseYaml(readFileSync(source, 'utf8'));
        if (isPlainObject(parsed.value)) writeFileSync(target, stringify({ ...parsed.value, artificial_delay_us: delayUs }));
        else symlinkSync(source, target);
      } else symlinkSync(source, target);
    }
  };
  mirror(path.resolve(dir), out, 0);
  return out;
}

main().catch((err: unknown) => {
  process.stderr.write(`replica failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
