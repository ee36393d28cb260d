/**
 * ProfileSession: the profile's handle on one ORT session (profile-worker.ts), in a worker thread (CPU) or in a
 * child process (GPU EPs: like the reference server's GPU instances, since WebGPU sessions in several worker
 * threads of one process share a device context and break; a child is also safe to kill mid-run).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../reference-server/core/worker-entry.js';
import type { TensorInfo } from './profile-record.js';
import type { FeedSpec, FromProfileWorker, ProfileSessionSpec, ToProfileWorker } from './worker-protocol.js';

const fromSource = import.meta.url.endsWith('.ts');
const threadEntry = workerEntry(import.meta.url, 'profile-worker');
const processEntry = fileURLToPath(new URL(fromSource ? 'profile-worker.ts' : 'profile-worker.js', import.meta.url));

/** LoadError is a session that ONNX Runtime could not create (not ONNX, an EP that does not load). */
export class LoadError extends Error {}

/** Isolation is where a session runs: a worker thread of this process, or a child process. */
export type Isolation = 'thread' | 'process';

/** Channel is what a session needs of a worker thread or a child process. */
interface Channel {
  post(msg: ToProfileWorker | ProfileSessionSpec): void;
  on(event: 'message', fn: (m: FromProfileWorker) => void): void;
  on(event: 'exit', fn: () => void): void;
  off(event: 'message' | 'exit', fn: (...a: any[]) => void): void;
  /** stop ends a measurement early: a flag the thread reads between runs, or SIGKILL for a child. */
  stop(): void;
  kill(): void;
}

function threadChannel(spec: ProfileSessionSpec): Channel {
  const stop = new SharedArrayBuffer(4);
  const w = new Worker(threadEntry, { workerData: { ...spec, stop } });
  return {
    post: (m) => w.postMessage(m),
    on: (e: string, fn: (...a: any[]) => void) => void w.on(e, fn),
    off: (e, fn) => void w.off(e, fn),
    stop: () => Atomics.store(new Int32Array(stop), 0, 1),
    kill: () => void w.terminate(),
  } as Channel;
}

function processChannel(spec: ProfileSessionSpec): Channel {
  const c: ChildProcess = fork(processEntry, [], { execArgv: fromSource ? ['--import', 'tsx'] : [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  c.send(spec);
  let exited = false;
  c.once('exit', () => (exited = true));
  return {
    post: (m) => void (c.connected && c.send(m)),
    on: (e: string, fn: (...a: any[]) => void) => void c.on(e, fn),
    off: (e, fn) => void c.off(e, fn),
    stop: () => void (exited || c.kill('SIGKILL')),
    kill: () => void (exited || c.kill('SIGKILL')),
  } as Channel;
}

/** ProfileSession runs requests on one session, one at a time. */
export class ProfileSession {
  private exited = false;

  private constructor(
    private readonly channel: Channel,
    readonly inputs: TensorInfo[],
    readonly outputs: TensorInfo[],
  ) {
    channel.on('exit', () => (this.exited = true));
  }

  /** open starts a thread or process and loads the model; it rejects with a LoadError when ORT cannot. */
  static open(spec: ProfileSessionSpec, isolation: Isolation = 'thread'): Promise<ProfileSession> {
    const channel = isolation === 'thread' ? threadChannel(spec) : processChannel(spec);
    return new Promise((resolve, reject) => {
      const onExit = (): void => reject(new LoadError('the profile worker ended before its session loaded'));
      channel.on('exit', onExit);
      const onMessage = (msg: FromProfileWorker): void => {
        channel.off('message', onMessage);
        channel.off('exit', onExit);
        if (msg.kind === 'ready') resolve(new ProfileSession(channel, msg.inputs, msg.outputs));
        else {
          channel.kill();
          reject(new LoadError(msg.kind === 'load-error' ? msg.message : `unexpected ${msg.kind}`));
        }
      };
      channel.on('message', onMessage);
    });
  }

  /** request sends one request and waits for its answer; a worker that dies or is stopped by a kill rejects it. */
  request(msg: ToProfileWorker): Promise<FromProfileWorker> {
    if (this.exited) return Promise.reject(new Error('the profile worker stopped'));
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromProfileWorker): void => {
        done();
        resolve(m);
      };
      const onExit = (): void => {
        done();
        reject(new Error('the profile worker stopped'));
      };
      const done = (): void => {
        this.channel.off('message', onMessage);
        this.channel.off('exit', onExit);
      };
      this.channel.on('message', onMessage);
      this.channel.on('exit', onExit);
      this.channel.post(msg);
    });
  }

  /** infer runs the model once and returns its first output. */
  async infer(feeds: FeedSpec[]): Promise<{ output: Float32Array; dims: number[] }> {
    const got = await this.request({ kind: 'infer', feeds });
    if (got.kind === 'run-error') throw new Error(got.message);
    if (got.kind !== 'inferred') throw new Error(`unexpected ${got.kind}`);
    return got;
  }

  /** stop makes a measurement in progress end (a thread: after its current run) for an interrupted profile. */
  stop(): void {
    this.channel.stop();
  }

  /** close releases the session and ends the thread or process (killed if it has not ended in 2 s). */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.channel.on('exit', () => r()));
    this.channel.post({ kind: 'close' });
    const timer = setTimeout(() => this.channel.kill(), 2000);
    await exited;
    clearTimeout(timer);
  }
}
