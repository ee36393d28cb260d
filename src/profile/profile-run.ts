/**
 * runProfile: measures every (precision × batch) cell of one model on one EP in-process, each variant's session
 * in a worker thread, with accuracy against fp32 on a fixed seeded set, and writes profile.json as it goes.
 */
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareOutputs } from '../../reference-server/models/accuracy.js';
import { GauntletError } from '../errors.js';
import { packageVersion } from '../util/package-version.js';
import { loadEvalData, top1Accuracy, type EvalSet } from './eval-data.js';
import { makeFeeds, resolveDims } from './feeds.js';
import { medianCi, quantileSorted } from './median-ci.js';
import type { ModelSource } from './model-source.js';
import { PROFILE_SCHEMA_VERSION, type Accuracy, type Cell, type ProfileEp, type ProfileRecord, type Variant } from './profile-record.js';
import { LoadError, ProfileSession } from './profile-session.js';
import { BROKEN_COSINE, recommend } from './recommend.js';
import { probeEp } from './ep-probe.js';
import { deviceMemoryBytes, gpuName } from './device-memory.js';
import { writeProfile } from './profile-writer.js';

/** EVAL_SAMPLES is the size of the fixed, seeded evaluation set; EVAL_SEED its seed. */
export const EVAL_SAMPLES = 64;
const EVAL_SEED = 1;
const EVAL_CHUNK = 16;
/** Measurement constants (docs/profile.md): warm-up runs, fewest and most timed runs, target interval share. */
export const WARMUP_ITERATIONS = 5;
export const MIN_ITERATIONS = 100;
export const MAX_ITERATIONS = 1_000_000;
export const TARGET_CI_SHARE = 0.05;

/** ProfileOptions are the validated options of one profile. */
export type ProfileOptions = ProfileRecord['options'] & { costPerHour: number | null; outDir: string; evalLabels?: string };

/** ProfileHooks receive progress (a line to show) and each record write. */
export interface ProfileHooks {
  progress?: (line: string) => void;
  log?: (line: string) => void;
}

/** EP_HINTS say what an execution provider needs, for the error when it cannot load. */
const EP_HINTS: Record<ProfileEp, string> = {
  cpu: '',
  webgpu: 'a GPU adapter that WebGPU (Dawn, bundled with onnxruntime-node) can open: Vulkan on Linux (libvulkan.so.1 and a GPU driver), Metal on macOS, D3D12 on Windows',
  cuda: "onnxruntime-node's CUDA provider (libonnxruntime_providers_cuda, not bundled: installed with ONNXRUNTIME_NODE_INSTALL_CUDA=v12 npm install onnxruntime-node) with CUDA 12 and cuDNN 9 libraries and an NVIDIA driver",
};

/** openSession loads `file` on `ep`; a failure names the EP's missing part, or says the file is not a loadable ONNX model. */
export async function openSession(file: string, ep: ProfileEp, threads: number | null): Promise<ProfileSession> {
  if (ep !== 'cpu') {
    const probe = await probeEp(file, ep);
    if (!probe.ok) {
      // The same file on CPU tells an EP that cannot load from a file that cannot.
      const onCpu = await ProfileSession.open({ modelPath: file, ep: 'cpu', threads: 1 }).catch((err: Error) => err);
      if (onCpu instanceof Error) throw new GauntletError('GAUNTLET_ERR_MODEL_INVALID', `${file}: not a loadable ONNX model (ONNX Runtime: ${onCpu.message.trim()})`);
      await onCpu.close();
      const native = probe.native === '' ? '' : `; native output: ${probe.native}`;
      throw new GauntletError('GAUNTLET_ERR_EP_UNAVAILABLE', `execution provider '${ep}' cannot load here: missing ${EP_HINTS[ep]} (ONNX Runtime: ${probe.message.trim()}${native}); profile does not fall back to CPU`);
    }
  }
  try {
    return await ProfileSession.open({ modelPath: file, ep, threads }, ep === 'cpu' ? 'thread' : 'process');
  } catch (err) {
    if (!(err instanceof LoadError)) throw err;
    if (ep !== 'cpu') {
      // Tell an EP that cannot load from a file that cannot: the same file on CPU decides (and is closed at once).
      const onCpu = await ProfileSession.open({ modelPath: file, ep: 'cpu', threads: 1 }).catch(() => null);
      if (onCpu !== null) {
        await onCpu.close();
        throw new GauntletError('GAUNTLET_ERR_EP_UNAVAILABLE', `execution provider '${ep}' cannot load here: missing ${EP_HINTS[ep]} (ONNX Runtime: ${err.message.trim()}); profile does not fall back to CPU`);
      }
    }
    throw new GauntletError('GAUNTLET_ERR_MODEL_INVALID', `${file}: not a loadable ONNX model (ONNX Runtime: ${err.message.trim()})`);
  }
}

function machine(costPerHour: number | null, ep: ProfileEp): ProfileRecord['machine'] {
  const m: ProfileRecord['machine'] = { host: os.hostname(), cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryBytes: os.totalmem() };
  if (costPerHour !== null) m.costPerHour = costPerHour;
  const gpu = ep === 'cpu' ? null : gpuName();
  if (gpu !== null) m.gpu = gpu;
  return m;
}

async function evalOutput(session: ProfileSession, set: EvalSet): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let start = 0; start < set.samples; start += EVAL_CHUNK) {
    const n = Math.min(EVAL_CHUNK, set.samples - start);
    const chunk = set.feeds.map((f) => {
      const per = f.dims.slice(1).reduce((a, b) => a * b, 1);
      const data = f.data as unknown as { subarray(a: number, b: number): ArrayBufferView };
      return { ...f, dims: [n, ...f.dims.slice(1)], data: data.subarray(start * per, (start + n) * per) };
    });
    parts.push((await session.infer(chunk)).output);
  }
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function cellOf(precision: string, ep: ProfileEp, batch: number, m: { warmup: number; samples: number[]; converged: boolean }, rssGrowthBytes: number): Cell {
  const sorted = [...m.samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const ci = medianCi(sorted);
  const r = (v: number): number => Number(v.toPrecision(5));
  return {
    precision,
    ep,
    batch,
    warmupIterations: m.warmup,
    iterations: sorted.length,
    latencyMs: { p50: r(ci?.median ?? quantileSorted(sorted, 0.5)), p99: r(quantileSorted(sorted, 0.99)), mean: r(mean), min: r(sorted[0]!), max: r(sorted[sorted.length - 1]!) },
    p50Ci95Ms: ci === null ? [r(sorted[0]!), r(sorted[sorted.length - 1]!)] : [r(ci.lo), r(ci.hi)],
    ciShare: ci === null ? 1 : r(ci.share),
    converged: m.converged,
    throughputSamplesPerS: r((batch * 1000) / mean),
    rssGrowthBytes: ep === 'cpu' ? rssGrowthBytes : null,
  };
}

function errorCell(precision: string, ep: ProfileEp, batch: number, error: string): Cell {
  const zero = { p50: 0, p99: 0, mean: 0, min: 0, max: 0 };
  return { precision, ep, batch, warmupIterations: 0, iterations: 0, latencyMs: zero, p50Ci95Ms: [0, 0], ciShare: 0, converged: false, throughputSamplesPerS: 0, rssGrowthBytes: null, error };
}

/** runProfile measures `source` with `o`, writing `<o.outDir>/profile.json`; it returns the final record. */
export async function runProfile(source: ModelSource, o: ProfileOptions, signal: AbortSignal, hooks: ProfileHooks = {}): Promise<ProfileRecord> {
  const progress = hooks.progress ?? (() => {});
  const rss0 = process.memoryUsage().rss;
  const fp32File = source.files.get('fp32')!;
  let session: ProfileSession | null = await openSession(fp32File, o.ep, o.threads);
  const reference = session;
  let dims: Map<string, number[]>;
  let evalSet: EvalSet;
  try {
    dims = resolveDims(session.inputs, o.shapes);
    evalSet = o.evalData === null ? { samples: EVAL_SAMPLES, feeds: makeFeeds(session.inputs, dims, EVAL_SAMPLES, EVAL_SEED, 'eval'), labels: null } : loadEvalData(o.evalData, o.evalLabels, session.inputs, dims);
  } catch (err) {
    await session.close();
    if (err instanceof GauntletError && err.code === 'GAUNTLET_ERR_MODEL_INVALID') throw new GauntletError(err.code, `${fp32File}: ${err.message}`, err.details);
    throw err;
  }
  const feedsOf = (n: number, label: string) => makeFeeds(reference.inputs, dims, n, EVAL_SEED, label);
  const out0 = session.outputs[0];
  const classifier = source.classifier ?? (out0 !== undefined && out0.dims.length === 2 && typeof out0.dims[1] === 'number' && out0.dims[1] > 1);
  const record: ProfileRecord = {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    tool: { name: 'gauntlet', version: packageVersion() },
    machine: machine(o.costPerHour, o.ep),
    model: { source: source.source, name: source.name, inputs: session.inputs, outputs: session.outputs, classifier },
    options: { batchSizes: o.batchSizes, precisions: [...source.files.keys()], ep: o.ep, threads: o.threads, shapes: o.shapes, p99Ms: o.p99Ms, minCosine: o.minCosine, maxAccuracyDrop: o.maxAccuracyDrop, targetCiShare: o.targetCiShare, maxSecondsPerCell: o.maxSecondsPerCell, evalData: o.evalData },
    startedAt: new Date().toISOString(),
    status: 'running',
    variants: [],
    cells: [],
    recommendation: null,
  };
  if (source.family !== undefined) record.model.family = source.family;
  if (source.path !== undefined) record.model.path = source.path;
  const save = (): string => writeProfile(o.outDir, record);
  save();
  // On a signal: say so in the record at once (a long run may outlast the hard stop), then stop between runs.
  const onAbort = (): void => {
    session?.stop();
    record.status = 'interrupted';
    record.endedAt = new Date().toISOString();
    save();
  };
  signal.addEventListener('abort', onAbort);
  const total = source.files.size * o.batchSizes.length;
  try {
    let fp32Out: Float32Array | null = null;
    let fp32Task: number | undefined;
    for (const [precision, file] of source.files) {
      if (signal.aborted) break;
      const inside = path.relative(o.outDir, file);
      const shown = inside.startsWith('..') || path.isAbsolute(inside) ? file : inside;
      const variant: Variant = { precision, file: shown, bytes: statSync(file).size, accuracy: null, broken: false };
      record.variants.push(variant);
      const rssBefore = precision === 'fp32' ? rss0 : process.memoryUsage().rss;
      if (session === null) {
        try {
          session = await openSession(file, o.ep, o.threads);
        } catch (err) {
          variant.error = (err as Error).message;
          save();
          continue;
        }
      }
      let out: Float32Array;
      try {
        out = await evalOutput(session, evalSet);
      } catch (err) {
        // A variant that cannot run the evaluation set is recorded as such; the others go on.
        variant.error = `cannot run the evaluation set: ${(err as Error).message}`;
        const closing = session;
        session = null;
        await closing.close();
        save();
        continue;
      }
      if (precision === 'fp32') fp32Out = out;
      if (fp32Out !== null) {
        const s = compareOutputs(fp32Out, out, evalSet.samples, classifier);
        const acc: Accuracy = { cosine: Number(s.cosine_similarity.toPrecision(8)), maxAbsError: Number(s.max_abs_error.toPrecision(6)) };
        if (s.top1_agreement !== undefined) acc.top1 = s.top1_agreement;
        if (evalSet.labels !== null) {
          const value = top1Accuracy(out, evalSet.labels);
          fp32Task ??= value;
          acc.task = { metric: 'top1', value, dropVsFp32: Number((fp32Task - value).toPrecision(6)) };
        }
        variant.accuracy = acc;
        variant.broken = acc.cosine < BROKEN_COSINE;
      }
      for (const batch of o.batchSizes) {
        if (signal.aborted) break;
        progress(`profiling ${source.name} ${precision} batch ${batch} on ${o.ep} (${record.cells.length + 1}/${total})`);
        let feeds: ReturnType<typeof feedsOf>;
        try {
          feeds = feedsOf(batch, `batch-${batch}`);
        } catch (err) {
          record.cells.push(errorCell(precision, o.ep, batch, (err as Error).message));
          save();
          continue;
        }
        const got = await session.request({ kind: 'measure', feeds, maxMs: o.maxSecondsPerCell * 1000, warmupIterations: WARMUP_ITERATIONS, minIterations: MIN_ITERATIONS, maxIterations: MAX_ITERATIONS, targetShare: o.targetCiShare });
        if (signal.aborted) break; // a measurement cut short is not a cell
        if (got.kind === 'measured') {
          const cell = cellOf(precision, o.ep, batch, got, process.memoryUsage().rss - rssBefore);
          if (o.ep !== 'cpu') cell.deviceMemoryBytes = deviceMemoryBytes();
          record.cells.push(cell);
        } else record.cells.push(errorCell(precision, o.ep, batch, got.kind === 'run-error' ? got.message : `unexpected ${got.kind}`));
        save();
      }
      const closing = session;
      session = null;
      await closing.close();
    }
  } catch (err) {
    if (!signal.aborted) {
      record.status = 'failed';
      record.endedAt = new Date().toISOString();
      save();
      throw err;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (session !== null) await session.close();
  }
  record.recommendation = recommend(record.variants, record.cells, { p99Ms: o.p99Ms, minCosine: o.minCosine, maxAccuracyDrop: o.maxAccuracyDrop });
  record.status = signal.aborted ? 'interrupted' : 'complete';
  record.endedAt = new Date().toISOString();
  save();
  return record;
}
