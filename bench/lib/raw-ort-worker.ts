/**
 * Worker body of the raw ONNX Runtime baseline: one session, batches run back to back for a fixed time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { RawSpec } from './raw-ort.js';

const spec = workerData as RawSpec;
const session = await ort.InferenceSession.create(spec.modelPath, {
  intraOpNumThreads: spec.intraOpThreads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  executionProviders: ['cpu'],
});
const input = session.inputNames[0]!;
const data = Float32Array.from({ length: spec.batch * spec.width }, (_, i) => Math.sin(i));
const feeds = { [input]: new ort.Tensor('float32', data, [spec.batch, spec.width]) };
await session.run(feeds); // warm-up
const runsUs: number[] = [];
let samples = 0;
const start = performance.now();
const end = start + spec.seconds * 1000;
while (performance.now() < end) {
  const t0 = performance.now();
  await session.run(feeds);
  runsUs.push(Math.round((performance.now() - t0) * 1000));
  samples += spec.batch;
}
parentPort!.postMessage({ samples, elapsedS: (performance.now() - start) / 1000, runsUs });
