/**
 * The raw ONNX Runtime baseline: the same model, session options and instance count as the server, driven
 * in-process by worker threads that run batches back to back. Nothing but session.run is measured.
 */
import { Worker } from 'node:worker_threads';

/** RawSpec describes one raw measurement. */
export interface RawSpec {
  modelPath: string;
  /** Worker threads, one session each (the server's instance count). */
  instances: number;
  intraOpThreads: number;
  batch: number;
  width: number;
  seconds: number;
}

/** RawResult is the throughput, the per-run times (µs, sorted) and the CPU time spent, of one raw measurement. */
export interface RawResult {
  samplesPerSecond: number;
  runsUs: number[];
  /** Cores used on average (process CPU time ÷ wall time, all threads). */
  coresUsed: number;
}

/** measureRaw runs the model at a fixed batch size in `instances` threads for `seconds`. */
export async function measureRaw(spec: RawSpec): Promise<RawResult> {
  const url = new URL('./raw-ort-worker.js', import.meta.url);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const workers = Array.from({ length: spec.instances }, () => new Worker(url, { workerData: spec }));
  const results = await Promise.all(
    workers.map(
      (w) =>
        new Promise<{ samples: number; elapsedS: number; runsUs: number[] }>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  const samples = results.reduce((n, r) => n + r.samples, 0);
  const elapsed = Math.max(...results.map((r) => r.elapsedS));
  // Session creation is in the CPU time too; it is small next to the measuring time.
  const coresUsed = (cpu.user + cpu.system) / 1e6 / wallS;
  return { samplesPerSecond: samples / elapsed, runsUs: results.flatMap((r) => r.runsUs).sort((a, b) => a - b), coresUsed };
}
