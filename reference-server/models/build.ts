/**
 * The model repository builder: writes every zoo family × precision as a Triton-like model folder
 * (`<outDir>/<model>/config.yaml`, `<outDir>/<model>/1/model.onnx`), skipping models whose build stamp says
 * they are already up to date.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Accuracy, ModelConfig } from '../config/model-config.js';
import { ACCURACY_SAMPLES, accuracyInputs, compareOutputs, runModel } from './accuracy.js';
import type { ModelFamily } from './family.js';
import { isPrecision, PRECISIONS, type Precision } from './layers.js';
import {
  configYaml,
  installModel,
  projectRoot,
  readStamp,
  removeStaleTemps,
  type BuildStamp,
} from './repository-files.js';
import { FAMILIES, FAMILY_NAMES, variantName } from './zoo.js';
import { buildLlm, LLM_NAME } from '../llm/build-llm.js';

/** BUILDER_VERSION is part of every fingerprint: bump it when the bytes a build produces change. */
export const BUILDER_VERSION = 3;
/** DEFAULT_SEED is the weight seed of the bundled repository. */
export const DEFAULT_SEED = 0;
/** MAX_SEED is the largest weight seed (the generators are seeded with 32 bits: larger seeds would repeat smaller ones). */
export const MAX_SEED = 2 ** 32 - 1;

/** BuildOptions choose what to build: families (`models`), precisions, weight seed, and whether to rebuild all. */
export interface BuildOptions {
  /** Family names (default all: mlp, encoder, cnn). */
  models?: string[];
  /** Precisions (default all: fp32, fp16, int8, int4). */
  precisions?: string[];
  seed?: number;
  /** Rebuild even models whose stamp matches. */
  force?: boolean;
  log?: (line: string) => void;
}

/** BuiltModel describes one model folder written by a build. */
export interface BuiltModel {
  name: string;
  family: string;
  precision: Precision;
  modelBytes: number;
  buildMs: number;
  accuracy?: Accuracy;
}

/** BuildReport lists what a build wrote and what it found up to date. */
export interface BuildReport {
  outDir: string;
  built: BuiltModel[];
  skipped: string[];
  elapsedMs: number;
}

/** defaultModelRepository returns `<project root>/models`, the project root being the folder with package.json. */
export function defaultModelRepository(): string {
  return join(projectRoot(), 'models');
}

/** buildFingerprint hashes what a model's bytes depend on: builder version, family, precision, options. */
export function buildFingerprint(family: string, precision: Precision, options: Record<string, number>): string {
  const sorted = Object.fromEntries(Object.entries(options).sort(([a], [b]) => a.localeCompare(b)));
  const text = JSON.stringify({ builder: BUILDER_VERSION, family, precision, options: sorted });
  return createHash('sha256').update(text).digest('hex');
}

/**
 * buildModelRepository writes the chosen models under `outDir`, each atomically, and returns what it did.
 * Non-fp32 variants get an `accuracy` block measured against the family's fp32 model.
 */
export async function buildModelRepository(outDir: string, opts: BuildOptions = {}): Promise<BuildReport> {
  const started = performance.now();
  const { families, precisions } = checkOptions(opts);
  const seed = opts.seed ?? DEFAULT_SEED;
  const log = opts.log ?? (() => {});
  const report: BuildReport = { outDir, built: [], skipped: [], elapsedMs: 0 };
  await removeStaleTemps(outDir);
  for (const family of families) {
    const options = family.resolve({ seed });
    let reference: { model: Uint8Array; output?: Float32Array } | undefined;
    for (const precision of precisions) {
      const name = variantName(family.name, precision);
      const fingerprint = buildFingerprint(family.name, precision, options);
      if (!opts.force && (await readStamp(join(outDir, name)))?.fingerprint === fingerprint) {
        report.skipped.push(name);
        continue;
      }
      const t0 = performance.now();
      reference ??= { model: family.build(options, 'fp32') };
      const model = precision === 'fp32' ? reference.model : family.build(options, precision);
      let accuracy: Accuracy | undefined;
      if (precision !== 'fp32') {
        const io = family.io(options);
        const inputs = accuracyInputs(io.input.dims, ACCURACY_SAMPLES, seed);
        reference.output ??= await runModel(reference.model, io, inputs, ACCURACY_SAMPLES);
        const got = await runModel(model, io, inputs, ACCURACY_SAMPLES);
        const stats = compareOutputs(reference.output, got, ACCURACY_SAMPLES, family.classifier);
        accuracy = roundAccuracy({ reference: family.name, ...stats });
      }
      const stamp: BuildStamp = {
        fingerprint,
        builder_version: BUILDER_VERSION,
        family: family.name,
        precision,
        options,
        model_bytes: model.length,
        model_sha256: createHash('sha256').update(model).digest('hex'),
      };
      const config = modelConfig(family, options, name, precision, accuracy);
      await installModel(outDir, name, { config: configYaml(config), model, stamp });
      const built: BuiltModel = { name, family: family.name, precision, modelBytes: model.length, buildMs: 0 };
      if (accuracy !== undefined) built.accuracy = accuracy;
      built.buildMs = Math.round(performance.now() - t0);
      report.built.push(built);
      log(describeBuilt(built));
    }
  }
  // The reference LLM (llm/build-llm.ts) is built with the families, into the same repository, unless left out.
  if (opts.models === undefined || opts.models.includes(LLM_NAME)) {
    const t0 = performance.now();
    const llm = await buildLlm({ outDir, precisions, ...(opts.force !== undefined && { force: opts.force }), log });
    const each = llm.built.length > 0 ? Math.round((performance.now() - t0) / llm.built.length) : 0;
    for (const b of llm.built) report.built.push({ name: b.name, family: LLM_NAME, precision: b.precision, modelBytes: b.modelBytes, buildMs: each });
    report.skipped.push(...llm.skipped);
  }
  report.elapsedMs = Math.round(performance.now() - started);
  if (report.skipped.length > 0) log(`${report.skipped.length} model(s) up to date in ${outDir}`);
  return report;
}

/** ensureModelRepository builds whatever is missing or stale in `dir` (default: `defaultModelRepository()`). */
export async function ensureModelRepository(
  dir: string = defaultModelRepository(),
  opts: Omit<BuildOptions, 'force'> = {},
): Promise<BuildReport> {
  return buildModelRepository(dir, { ...opts, force: false });
}

/** modelConfig returns the config.yaml contents of one variant. */
export function modelConfig(
  family: ModelFamily,
  options: Parameters<ModelFamily['io']>[0],
  name: string,
  precision: Precision,
  accuracy?: Accuracy,
): ModelConfig {
  const io = family.io(options);
  const config: ModelConfig = {
    name,
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    max_batch_size: family.maxBatchSize,
    input: [{ name: io.input.name, data_type: 'TYPE_FP32', dims: io.input.dims }],
    output: [{ name: io.output.name, data_type: 'TYPE_FP32', dims: io.output.dims }],
    dynamic_batching: {
      preferred_batch_size: [],
      max_queue_delay_microseconds: 100,
      preserve_ordering: false,
      default_queue_policy: {
        timeout_action: 'REJECT',
        // Shed rather than queue without end: a request that waited 1 s, or finds 256 ahead of it, gets 503 at once.
        default_timeout_microseconds: 1_000_000,
        allow_timeout_override: true,
        max_queue_size: 256,
      },
    },
    instance_group: [{ count: 2, kind: 'KIND_CPU' }],
    version_policy: { latest: { num_versions: 1 } },
    execution_provider: 'cpu',
    intra_op_threads: 0,
    graph_optimization_level: 'all',
    fallback_to_cpu: false,
    precision,
    description: `${family.describe(options)}; ${precisionNote(family, precision)}`,
  };
  if (accuracy !== undefined) config.accuracy = accuracy;
  return config;
}

function precisionNote(family: ModelFamily, precision: Precision): string {
  switch (precision) {
    case 'fp32':
      return 'FP32 weights and compute';
    case 'fp16':
      return "FP16 weights and graph, FP32 I/O (ORT's CPU EP runs ops that lack FP16 kernels in FP32)";
    case 'int8':
      return `int8 weights (7-bit, per column, DynamicQuantizeMatMul) in ${family.quantized}, FP32 I/O`;
    case 'int4':
      return `int4 weights (blocks of 32, MatMulNBits) in ${family.quantized}, FP32 I/O`;
  }
}

function checkOptions(opts: BuildOptions): { families: ModelFamily[]; precisions: Precision[] } {
  const problems: string[] = [];
  const families: ModelFamily[] = [];
  for (const name of opts.models ?? FAMILY_NAMES) {
    const family = FAMILIES[name];
    if (name === LLM_NAME) continue;
    if (family === undefined) problems.push(`models: unknown family ${name} (known: ${[...FAMILY_NAMES, LLM_NAME].join(', ')})`);
    else families.push(family);
  }
  const precisions: Precision[] = [];
  for (const p of opts.precisions ?? PRECISIONS) {
    if (isPrecision(p)) precisions.push(p);
    else problems.push(`precisions: unknown precision ${p} (known: ${PRECISIONS.join(', ')})`);
  }
  if (opts.seed !== undefined && (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > MAX_SEED)) {
    problems.push(`seed: must be an integer from 0 to ${MAX_SEED}, got ${opts.seed}`);
  }
  if (problems.length > 0) throw new Error(`invalid model build options:\n  ${problems.join('\n  ')}`);
  return { families, precisions };
}

function roundAccuracy(a: Accuracy): Accuracy {
  const r = (v: number, digits = 6): number => Number(v.toPrecision(digits));
  const out: Accuracy = {
    reference: a.reference,
    samples: a.samples,
    max_abs_error: r(a.max_abs_error),
    mean_abs_error: r(a.mean_abs_error),
    cosine_similarity: r(a.cosine_similarity, 8),
  };
  if (a.top1_agreement !== undefined) out.top1_agreement = r(a.top1_agreement);
  return out;
}

function describeBuilt(m: BuiltModel): string {
  const size = `${(m.modelBytes / 1e6).toFixed(2)} MB`;
  const acc = m.accuracy ? `, cosine ${m.accuracy.cosine_similarity}` : '';
  const top1 = m.accuracy?.top1_agreement !== undefined ? `, top-1 ${m.accuracy.top1_agreement}` : '';
  return `built ${m.name} (${size}, ${m.buildMs} ms${acc}${top1})`;
}
