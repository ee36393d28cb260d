/**
 * The worker thread that runs one ONNX Runtime session for the profiler and the roof (session.run blocks its
 * thread, so it never runs on the caller's): warm-up, timed iterations, and optionally ORT's own profiling,
 * whose trace file it names in its reply.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { OrtRunReply, OrtRunSpec } from './ort-run.js';

function fill(type: string, size: number): ort.Tensor['data'] {
  switch (type) {
    case 'int64':
      return new BigInt64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'uint8':
    case 'bool':
      return new Uint8Array(size);
    case 'float16':
      return new Uint16Array(size).fill(0x3c00); // 1.0
    case 'float64':
      return new Float64Array(size).fill(0.5);
    case 'int8':
      return new Int8Array(size);
    default: {
      const a = new Float32Array(size);
      for (let i = 0; i < size; i++) a[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
      return a;
    }
  }
}

async function main(spec: OrtRunSpec): Promise<OrtRunReply> {
  const session = await ort.InferenceSession.create(spec.modelPath, {
    executionProviders: [spec.ep],
    intraOpNumThreads: spec.threads ?? 0,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: spec.graphOptimizationLevel,
    // Warnings only (3 = error): serializing the optimized graph at level 'all' warns on every run.
    logSeverityLevel: 3,
    ...(spec.profilePrefix ? { enableProfiling: true, profileFilePrefix: spec.profilePrefix } : {}),
    ...(spec.optimizedModelPath ? { optimizedModelFilePath: spec.optimizedModelPath } : {}),
  });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const m of session.inputMetadata) {
      const dims = spec.inputShapes[m.name];
      if (!dims) throw new Error(`no shape given for input '${m.name}'`);
      const type = m.isTensor ? m.type : 'float32';
      feeds[m.name] = new ort.Tensor(type as 'float32', fill(type, dims.reduce((a, b) => a * b, 1)) as Float32Array, dims);
    }
    for (let i = 0; i < spec.warmup; i++) await session.run(feeds);
    const runMs: number[] = [];
    const deadline = performance.now() + spec.maxMs;
    for (let i = 0; i < spec.iterations && (i < 1 || performance.now() < deadline); i++) {
      const t0 = performance.now();
      await session.run(feeds);
      runMs.push(performance.now() - t0);
    }
    // endProfiling writes the trace as `<prefix>_<date>.json`; the caller finds it in its own folder.
    if (spec.profilePrefix) session.endProfiling();
    return { ok: true, runMs };
  } finally {
    await session.release();
  }
}

main(workerData as OrtRunSpec).then(
  (reply) => parentPort?.postMessage(reply),
  (err: unknown) => parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies OrtRunReply),
);
