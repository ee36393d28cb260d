/**
 * profiledRun: run a model through ONNX Runtime with its profiler on, in a worker thread and a temporary
 * folder, and return each node's per-run kernel time (warm-up runs dropped) and, when asked, the graph ORT
 * actually ran (after its fusions), whose node names match the trace's.
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GauntletError } from '../../errors.js';
import type { ProfileEp } from '../profile-record.js';
import { readOnnxGraph, type OnnxGraph } from './onnx-read.js';
import { runOrt } from './ort-run.js';
import { parseOrtTrace, type TraceNode } from './ort-trace.js';

/** MAX_TRACE_BYTES bounds the ORT trace read back (512 MiB): a longer profile is refused, not half-read. */
export const MAX_TRACE_BYTES = 512 * 2 ** 20;

/** ProfiledRunOptions choose the model, its input shapes, the session and the run counts. */
export interface ProfiledRunOptions {
  modelPath: string;
  inputShapes: Record<string, number[]>;
  ep: ProfileEp;
  threads: number | null;
  warmup: number;
  iterations: number;
  maxMs: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Also return the optimized graph ORT ran (absent when ORT wrote none). */
  optimizedGraph?: boolean;
}

/** ProfiledNode is one node of the trace with its mean kernel time per timed run. */
export interface ProfiledNode extends TraceNode {
  meanUs: number;
  minUs: number;
  /** How many timed (non-warm-up) executions the mean is over. */
  runs: number;
}

/** profiledRun runs the model with ORT's profiler and returns its nodes (in first-run order). */
export async function profiledRun(o: ProfiledRunOptions): Promise<{ nodes: ProfiledNode[]; graph?: OnnxGraph; runMs: number[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'gauntlet-ort-profile-'));
  try {
    const optimizedModelPath = join(dir, 'optimized.onnx');
    const { runMs } = await runOrt({
      modelPath: o.modelPath,
      inputShapes: o.inputShapes,
      ep: o.ep,
      threads: o.threads,
      graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
      warmup: o.warmup,
      iterations: o.iterations,
      maxMs: o.maxMs,
      profilePrefix: join(dir, 'trace'),
      ...(o.optimizedGraph ? { optimizedModelPath } : {}),
    });
    const traceName = (await readdir(dir)).find((f) => f.startsWith('trace') && f.endsWith('.json'));
    if (traceName === undefined) throw new GauntletError('GAUNTLET_ERR_INTERNAL', `ONNX Runtime wrote no profile for ${o.modelPath}`);
    const tracePath = join(dir, traceName);
    if ((await stat(tracePath)).size > MAX_TRACE_BYTES) {
      throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `the ORT profile of ${o.modelPath} is over ${MAX_TRACE_BYTES / 2 ** 20} MiB: profile fewer iterations`);
    }
    const trace = parseOrtTrace(await readFile(tracePath, 'utf8'), tracePath);
    const nodes = trace.map((n): ProfiledNode => {
      const timed = n.durUs.length > o.warmup ? n.durUs.slice(o.warmup) : n.durUs;
      return { ...n, meanUs: timed.reduce((a, b) => a + b, 0) / timed.length, minUs: Math.min(...timed), runs: timed.length };
    });
    const result: { nodes: ProfiledNode[]; graph?: OnnxGraph; runMs: number[] } = { nodes, runMs };
    // An EP that cannot serialize its graph leaves no file: the caller falls back to the model's own graph.
    const optimized = o.optimizedGraph ? await readFile(optimizedModelPath).catch(() => null) : null;
    if (optimized !== null) result.graph = readOnnxGraph(optimized);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
