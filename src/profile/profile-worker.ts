/**
 * The profile's worker thread: owns one ONNX Runtime session (run() blocks its thread) and measures it. The
 * timing loop runs here, not across messages, so the profile adds nothing to an iteration but a clock read.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { exitWithParent } from '../../reference-server/core/parent-watch.js';
import { medianCi } from './median-ci.js';
import type { FeedSpec, FromProfileWorker, ProfileSessionSpec, ToProfileWorker } from './worker-protocol.js';

function feeds(specs: FeedSpec[]): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const f of specs) out[f.name] = new ort.Tensor(f.type as 'float32', f.data as Float32Array, f.dims);
  return out;
}

/** Port is the worker's side of its channel: a thread's parentPort or a child's IPC. */
interface Port {
  postMessage(m: FromProfileWorker): void;
  on(fn: (m: ToProfileWorker) => void): void;
  close(): void;
}

let stop: Int32Array<ArrayBufferLike> = new Int32Array(1);
const stopped = (): boolean => Atomics.load(stop, 0) !== 0;

async function measure(session: ort.InferenceSession, msg: Extract<ToProfileWorker, { kind: 'measure' }>): Promise<FromProfileWorker> {
  const input = feeds(msg.feeds);
  const started = performance.now();
  const deadline = started + msg.maxMs;
  let warmup = 0;
  // Warm-up: at least one run, then up to warmupIterations while within a tenth of the bound.
  do {
    await session.run(input);
    warmup++;
  } while (warmup < msg.warmupIterations && performance.now() - started < msg.maxMs / 10 && !stopped());
  const samples: number[] = [];
  let nextCheck = msg.minIterations;
  let converged = false;
  while (samples.length < msg.maxIterations) {
    const t0 = performance.now();
    await session.run(input);
    const t1 = performance.now();
    samples.push(t1 - t0);
    if (samples.length >= nextCheck) {
      const ci = medianCi(samples);
      if (ci !== null && ci.share <= msg.targetShare) {
        converged = true;
        break;
      }
      // Sorting costs O(n log n): check again after 10 % more samples.
      nextCheck = samples.length + Math.max(5, Math.ceil(samples.length / 10));
    }
    if (t1 >= deadline || stopped()) break;
  }
  return { kind: 'measured', warmup, samples, converged };
}

async function infer(session: ort.InferenceSession, msg: Extract<ToProfileWorker, { kind: 'infer' }>): Promise<FromProfileWorker> {
  const result = await session.run(feeds(msg.feeds));
  const name = session.outputNames[0]!;
  const y = result[name];
  if (y === undefined || y.type !== 'float32') throw new Error(`the first output '${name}' is not float32 (it is ${y?.type ?? 'absent'})`);
  const data = y.data as Float32Array;
  return { kind: 'inferred', output: new Float32Array(data), dims: y.dims.slice() };
}

async function main(spec: ProfileSessionSpec, port: Port): Promise<void> {
  if (spec.stop !== undefined) stop = new Int32Array(spec.stop);
  let session: ort.InferenceSession;
  try {
    const options: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      interOpNumThreads: 1,
      executionMode: 'sequential',
      executionProviders: [spec.ep],
      logSeverityLevel: 3,
    };
    if (spec.threads !== null) options.intraOpNumThreads = spec.threads;
    session = await ort.InferenceSession.create(spec.modelPath, options);
  } catch (err) {
    port.postMessage({ kind: 'load-error', message: (err as Error).message } satisfies FromProfileWorker);
    return;
  }
  const meta = (list: readonly ort.InferenceSession.ValueMetadata[]) =>
    list.map((m) => ({ name: m.name, datatype: m.isTensor ? m.type : 'non-tensor', dims: m.isTensor ? m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : String(d))) : [] }));
  port.postMessage({ kind: 'ready', inputs: meta(session.inputMetadata), outputs: meta(session.outputMetadata) } satisfies FromProfileWorker);
  let chain = Promise.resolve();
  port.on((msg: ToProfileWorker) => {
    chain = chain.then(async () => {
      if (msg.kind === 'close') {
        await session.release();
        port.close();
        return;
      }
      try {
        port.postMessage(msg.kind === 'measure' ? await measure(session, msg) : await infer(session, msg));
      } catch (err) {
        port.postMessage({ kind: 'run-error', message: (err as Error).message } satisfies FromProfileWorker);
      }
    });
  });
}

if (parentPort) {
  const p = parentPort;
  void main(workerData as ProfileSessionSpec, { postMessage: (m) => p.postMessage(m), on: (fn) => void p.on('message', fn), close: () => p.close() });
} else if (process.send) {
  // A child process (GPU EPs): the spec arrives as the first message; it exits with its parent.
  const watch = exitWithParent();
  // A terminal's Ctrl-C reaches the whole process group: the parent decides (it stops or kills this process).
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.once('message', (spec: ProfileSessionSpec) => {
    void main(spec, {
      postMessage: (m) => process.send!(m),
      on: (fn) => void process.on('message', (m) => fn(m as ToProfileWorker)),
      close: () => {
        watch.stop();
        process.disconnect();
      },
    });
  });
}
