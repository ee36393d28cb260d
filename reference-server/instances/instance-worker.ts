/**
 * The body of one model instance: owns one ONNX Runtime session and runs batches on it.
 *
 * It runs either in a worker thread (CPU instances: `session.run` blocks its thread, so each instance gets its
 * own) or in a child process (GPU instances: WebGPU sessions in several worker threads of one process share a
 * device context and break, so each GPU instance gets a process of its own). The message protocol is the same.
 * A child process exits as soon as its parent (a server or replica) is gone, whatever killed it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { exitWithParent } from '../core/parent-watch.js';
import { datatypeOfOrt, ortType, ownTypedArray } from './ort-types.js';
import type { FromWorker, SessionInfo, SessionSpec, ToWorker, WireTensor } from './protocol.js';

type Send = (msg: FromWorker) => void;

async function createSession(spec: SessionSpec): Promise<{ session: ort.InferenceSession; info: SessionInfo }> {
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: spec.graphOptimizationLevel,
    intraOpNumThreads: spec.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: [spec.executionProvider],
  };
  let session: ort.InferenceSession;
  let executionProvider: string = spec.executionProvider;
  let fallbackReason: string | undefined;
  try {
    session = await ort.InferenceSession.create(spec.modelPath, options);
  } catch (err) {
    if (spec.executionProvider === 'cpu' || !spec.fallbackToCpu) throw err;
    fallbackReason = (err as Error).message;
    executionProvider = 'cpu';
    session = await ort.InferenceSession.create(spec.modelPath, { ...options, executionProviders: ['cpu'] });
  }
  const meta = (list: readonly ort.InferenceSession.ValueMetadata[]) =>
    list.map((m) => ({
      name: m.name,
      type: m.isTensor ? m.type : 'non-tensor',
      shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' ? d : String(d))) : [],
    }));
  const info: SessionInfo = { inputs: meta(session.inputMetadata), outputs: meta(session.outputMetadata), executionProvider };
  if (fallbackReason) info.fallbackReason = fallbackReason;
  return { session, info };
}

function toOrtTensor(t: WireTensor): ort.Tensor {
  const type = ortType(t.datatype);
  if (!type) throw new Error(`datatype ${t.datatype} is not supported by ONNX Runtime`);
  if (type === 'string') return new ort.Tensor('string', t.strings ?? [], t.dims);
  const data = ownTypedArray(type, t.buffer, t.byteOffset, t.byteLength);
  return new ort.Tensor(type as 'float32', data as Float32Array, t.dims);
}

function fromOrtTensor(name: string, tensor: ort.Tensor, shared: boolean): WireTensor {
  const datatype = datatypeOfOrt(tensor.type);
  if (!datatype) throw new Error(`output '${name}' has ONNX Runtime type '${tensor.type}', which has no KServe datatype`);
  const dims = tensor.dims.slice();
  if (datatype === 'BYTES') {
    return { name, datatype, dims, buffer: new ArrayBuffer(0), byteOffset: 0, byteLength: 0, strings: (tensor.data as string[]).slice() };
  }
  const view = tensor.data as ArrayBufferView;
  const src = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const buffer = shared ? new SharedArrayBuffer(view.byteLength) : new ArrayBuffer(view.byteLength);
  new Uint8Array(buffer).set(src);
  return { name, datatype, dims, buffer, byteOffset: 0, byteLength: view.byteLength };
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
// Worker threads share memory with the main thread; a child process gets plain buffers over IPC.
const sharedMemory = parentPort !== null;

async function run(session: ort.InferenceSession, spec: SessionSpec, msg: Extract<ToWorker, { kind: 'run' }>, send: Send): Promise<void> {
  try {
    const t0 = process.hrtime.bigint();
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of msg.inputs) feeds[t.name] = toOrtTensor(t);
    const t1 = process.hrtime.bigint();
    const results = await session.run(feeds, msg.outputs);
    if (spec.artificialDelayUs > 0) Atomics.wait(sleeper, 0, 0, spec.artificialDelayUs / 1000);
    const t2 = process.hrtime.bigint();
    const outputs = msg.outputs.map((name) => {
      const out = results[name];
      if (!out) throw new Error(`ONNX Runtime returned no output '${name}'`);
      return fromOrtTensor(name, out, sharedMemory);
    });
    for (const t of Object.values(feeds)) t.dispose();
    const t3 = process.hrtime.bigint();
    send({ kind: 'result', id: msg.id, outputs, inputNs: Number(t1 - t0), inferNs: Number(t2 - t1), outputNs: Number(t3 - t2) });
  } catch (err) {
    send({ kind: 'run-error', id: msg.id, message: (err as Error).message });
  }
}

async function main(spec: SessionSpec, send: Send, onMessage: (fn: (m: ToWorker) => void) => void, exit: () => void): Promise<void> {
  let session: ort.InferenceSession;
  try {
    const created = await createSession(spec);
    session = created.session;
    send({ kind: 'ready', info: created.info });
  } catch (err) {
    send({ kind: 'load-error', message: (err as Error).message });
    return;
  }
  // Runs are serialised: an instance executes one batch at a time, like a Triton model instance.
  let chain = Promise.resolve();
  onMessage((msg) => {
    if (msg.kind === 'close') {
      chain = chain.then(async () => {
        await session.release();
        exit();
      });
      return;
    }
    chain = chain.then(() => run(session, spec, msg, send));
  });
}

if (parentPort) {
  const port = parentPort;
  void main(
    workerData as SessionSpec,
    (msg) => port.postMessage(msg),
    (fn) => port.on('message', fn),
    () => port.close(),
  );
} else if (process.send) {
  // Child process: the spec arrives as the first message. It exits with its parent, however the parent died.
  const watch = exitWithParent();
  process.once('message', (spec: SessionSpec) => {
    void main(
      spec,
      (msg) => process.send!(msg),
      (fn) => process.on('message', (m) => fn(m as ToWorker)),
      () => {
        watch.stop();
        process.disconnect();
      },
    );
  });
}
