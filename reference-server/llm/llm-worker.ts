/**
 * The reference LLM's worker thread: owns one LlmRunner (an ONNX Runtime session and every sequence's KV cache)
 * and handles the engine's messages one at a time, in order, so a release posted after a step frees the cache
 * after that step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LlmRunner } from './llm-runner.js';
import type { FromLlmWorker, LlmWorkerSpec, ToLlmWorker } from './llm-protocol.js';

async function main(spec: LlmWorkerSpec, send: (m: FromLlmWorker) => void, onMessage: (fn: (m: ToLlmWorker) => void) => void, exit: () => void): Promise<void> {
  let runner: LlmRunner;
  try {
    runner = await LlmRunner.create(spec.modelPath, spec.info, { intraOpThreads: spec.intraOpThreads, prefillBatchTokens: spec.prefillBatchTokens });
    send({ kind: 'ready' });
  } catch (err) {
    send({ kind: 'load-error', message: (err as Error).message });
    return;
  }
  let chain = Promise.resolve();
  onMessage((msg) => {
    chain = chain.then(async () => {
      switch (msg.kind) {
        case 'step':
          try {
            const t0 = process.hrtime.bigint();
            const result = await runner.step(msg.batch);
            send({ kind: 'step-result', id: msg.id, ...result, stepNs: Number(process.hrtime.bigint() - t0) });
          } catch (err) {
            send({ kind: 'step-error', id: msg.id, message: (err as Error).message });
          }
          return;
        case 'release':
          runner.release(msg.seqId);
          return;
        case 'close':
          await runner.close();
          exit();
          return;
      }
    });
  });
}

if (parentPort) {
  const port = parentPort;
  void main(
    workerData as LlmWorkerSpec,
    (m) => port.postMessage(m),
    (fn) => port.on('message', fn),
    () => port.close(),
  );
}
