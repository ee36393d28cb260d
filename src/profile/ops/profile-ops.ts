/**
 * profileOps: the per-op profile of one model at one input shape — each op's time from ONNX Runtime's own
 * profiler, its FLOPs and bytes from the graph's shapes, and its place under the measured roof.
 */
import { readFile, stat } from 'node:fs/promises';
import { GauntletError } from '../../errors.js';
import type { OpProfile, OpRow, ProfileEp, Roof } from '../profile-record.js';
import { classifyOp } from './classify.js';
import { graphOpCosts, type NodeCost } from './graph-costs.js';
import { readOnnxGraph } from './onnx-read.js';
import { ORT_TYPE_CODES } from './ort-trace.js';
import { profiledRun } from './profiled-run.js';
import type { KnownTensor } from './shapes.js';

/** ProfileOpsOptions name the model, the shapes to run it at, the session and the roof to classify against. */
export interface ProfileOpsOptions {
  /** An ONNX file. */
  modelFile: string;
  /** Concrete dims of every model input, batch included (e.g. { input: [8, 256] }). */
  inputShapes: Record<string, number[]>;
  ep: ProfileEp;
  /** intra-op threads; null = ORT's default. */
  threads: number | null;
  /** Profiled runs after the warm-up (default 20; bounded by maxMs). */
  iterations?: number;
  /** Warm-up runs left out of the times (default 3). */
  warmup?: number;
  /** Time bound of the profiled runs, milliseconds (default 5000); at least one run always happens. */
  maxMs?: number;
  /** ORT's graph optimization level (default 'all', as the profile's cells run). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  roof: Roof;
  /** Labels copied into the OpProfile (default 'fp32' and the first input's first dim). */
  precision?: string;
  batch?: number;
}

/** PROFILE_OPS_MAX_MODEL_BYTES is the largest model file profileOps reads (2 GiB, protobuf's own limit). */
export const PROFILE_OPS_MAX_MODEL_BYTES = 2 * 2 ** 30;

/** profileOps profiles the model's ops: rows sorted by time, longest first, each with its share, cost and bound. */
export async function profileOps(o: ProfileOpsOptions): Promise<OpProfile> {
  const size = (await stat(o.modelFile).catch(() => null))?.size;
  if (size === undefined) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${o.modelFile}: no such file`);
  if (size > PROFILE_OPS_MAX_MODEL_BYTES) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${o.modelFile}: over 2 GiB`);
  // Read and shape-check the model before ORT sees it: a bad file or shape is a clear error, not an ORT crash.
  let original;
  try {
    original = readOnnxGraph(await readFile(o.modelFile));
    graphOpCosts(original, o.inputShapes);
  } catch (err) {
    if (!(err instanceof GauntletError)) throw err;
    throw new GauntletError(err.code, `${o.modelFile}: ${err.message}`, err.details);
  }
  const warmup = o.warmup ?? 3;
  const run = await profiledRun({
    modelPath: o.modelFile,
    inputShapes: o.inputShapes,
    ep: o.ep,
    threads: o.threads,
    warmup,
    iterations: o.iterations ?? 20,
    maxMs: o.maxMs ?? 5000,
    graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
    optimizedGraph: true,
  });
  const seeds = new Map<string, KnownTensor[]>();
  for (const n of run.nodes) seeds.set(n.name, n.outputs.map((t) => ({ elemType: ORT_TYPE_CODES[t.type] ?? 1, dims: t.dims })));
  const costs = new Map<string, NodeCost>();
  for (const c of graphOpCosts(run.graph ?? original, o.inputShapes, seeds)) costs.set(c.name, c);
  const total = run.nodes.reduce((a, n) => a + n.meanUs, 0);
  const ops: OpRow[] = run.nodes.map((n) => {
    const cost = costs.get(n.name)?.cost ?? null;
    return {
      name: n.name,
      opType: n.opType,
      timeShare: total > 0 ? n.meanUs / total : 0,
      timeUs: n.meanUs,
      flops: cost?.flops ?? 0,
      bytes: cost?.bytes ?? 0,
      ...classifyOp(cost, n.meanUs, o.roof),
    };
  });
  ops.sort((a, b) => b.timeUs - a.timeUs);
  const firstDim = Object.values(o.inputShapes)[0]?.[0] ?? 1;
  return { precision: o.precision ?? 'fp32', batch: o.batch ?? firstDim, ops };
}
