/**
 * Instance is the main thread's handle on one model instance: a worker thread (CPU) or a child process (GPU)
 * that owns one ONNX Runtime session. It runs one batch at a time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../core/worker-entry.js';
import type { FromWorker, SessionInfo, SessionSpec, ToWorker, WireTensor } from './protocol.js';

/** RunResult is a finished batch: outputs plus the worker's own timing of each stage, in nanoseconds. */
export interface RunResult {
  outputs: WireTensor[];
  inputNs: number;
  inferNs: number;
  outputNs: number;
}

// Under the TypeScript sources (tests, tsx) the worker is a .ts file that needs tsx's loader; compiled, it is .js.
// A child process takes the loader as `--import tsx`; a worker thread starts from workerEntry's tiny module.
const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSource ? 'instance-worker.ts' : 'instance-worker.js', import.meta.url);
const threadEntry = workerEntry(import.meta.url, 'instance-worker');
const execArgv = fromSource ? ['--import', 'tsx'] : [];

/** NATIVE_OUTPUT_LIMIT bounds what a GPU instance's process printed while loading that is kept for its error. */
const NATIVE_OUTPUT_LIMIT = 4096;

/**
 * nativeOutput collects a child's stderr while its session loads; done() returns it (colour codes and blank lines
 * removed, lines joined) and from then on passes the child's stderr through to ours.
 */
function nativeOutput(c: ChildProcess): { done: () => string } {
  let text = '';
  let loading = true;
  c.stderr?.on('data', (d: Buffer) => {
    if (!loading) process.stderr.write(d);
    else if (text.length < NATIVE_OUTPUT_LIMIT) text += d.toString();
  });
  return {
    done: () => {
      loading = false;
      const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
      return lines.join(' ').slice(0, NATIVE_OUTPUT_LIMIT);
    },
  };
}

/** Instance runs batches on one ONNX Runtime session in its own thread or process. */
export class Instance {
  private readonly pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private worker?: Worker;
  private child?: ChildProcess;
  private dead?: Error;
  info?: SessionInfo;

  constructor(
    readonly label: string,
    private readonly spec: SessionSpec,
    private readonly isolation: 'thread' | 'process',
  ) {}

  /** start launches the thread or process and resolves once its session is loaded. */
  start(): Promise<SessionInfo> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const onMessage = (msg: FromWorker): void => {
        if (msg.kind === 'ready') {
          settled = true;
          this.info = msg.info;
          resolve(msg.info);
        } else if (msg.kind === 'load-error') {
          settled = true;
          reject(new Error(msg.message));
          void this.close();
        } else this.onResult(msg);
      };
      const onExit = (why: string): void => {
        this.dead = new Error(`instance ${this.label} ${why}`);
        if (!settled) {
          settled = true;
          reject(this.dead);
        }
        for (const p of this.pending.values()) p.reject(this.dead);
        this.pending.clear();
      };
      if (this.isolation === 'thread') {
        const w = new Worker(threadEntry, { workerData: this.spec });
        this.worker = w;
        w.on('message', onMessage);
        w.on('error', (e) => onExit(`failed: ${e.message}`));
        w.on('exit', (code) => onExit(`exited (code ${code})`));
      } else {
        const c = fork(workerUrl, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
        this.child = c;
        const loading = nativeOutput(c);
        c.on('message', (m) => {
          const msg = m as FromWorker;
          // What ONNX Runtime and Dawn printed while the session loaded says why a GPU provider did not load: it
          // goes into the load error (or the CPU fallback's reason), not raw onto the server's stderr.
          if (msg.kind === 'load-error' || msg.kind === 'ready') {
            const said = loading.done();
            if (msg.kind === 'load-error' && said) msg.message = `${msg.message.trim()} (native output: ${said})`;
            else if (msg.kind === 'ready' && said && msg.info.fallbackReason) msg.info.fallbackReason = `${msg.info.fallbackReason.trim()} (native output: ${said})`;
            else if (said) process.stderr.write(`${said}\n`);
          }
          onMessage(msg);
        });
        c.on('error', (e) => onExit(`failed: ${e.message}`));
        c.on('exit', (code, signal) => {
          const said = settled ? '' : loading.done();
          onExit(`exited (${signal ?? `code ${code}`})${said ? `: ${said}` : ''}`);
        });
        c.send(this.spec);
      }
    });
  }

  /** pid is the instance's process id (process isolation, once started); undefined for a thread. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** alive is false once the thread or process has exited. */
  get alive(): boolean {
    return this.dead === undefined;
  }

  /** sharedMemory tells whether inputs should be assembled in SharedArrayBuffers (thread instances) or not (process instances). */
  get sharedMemory(): boolean {
    return this.isolation === 'thread';
  }

  /** run executes one batch; the caller must not change the input buffers until it settles. */
  run(inputs: WireTensor[], outputs: string[]): Promise<RunResult> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ kind: 'run', id, inputs, outputs });
    });
  }

  /** close releases the session and ends the thread or process. */
  async close(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise<void>((resolve) => {
      this.worker?.once('exit', () => resolve());
      this.child?.once('exit', () => resolve());
    });
    this.post({ kind: 'close' });
    const timer = setTimeout(() => {
      void this.worker?.terminate();
      this.child?.kill('SIGKILL');
    }, 5000);
    await exited;
    clearTimeout(timer);
  }

  private post(msg: ToWorker): void {
    if (this.worker) this.worker.postMessage(msg);
    else this.child?.send(msg);
  }

  private onResult(msg: FromWorker): void {
    if (msg.kind !== 'result' && msg.kind !== 'run-error') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.kind === 'result') p.resolve({ outputs: msg.outputs, inputNs: msg.inputNs, inferNs: msg.inferNs, outputNs: msg.outputNs });
    else p.reject(new Error(msg.message));
  }
}
