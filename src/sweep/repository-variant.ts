/**
 * One combination's model repository: the variant's model folder from the source repository (the bundled models,
 * or --model-repository), with its config.yaml rewritten to the combination's settings and its version folders'
 * model.onnx linked, not copied. It is written into the combination's folder, so
 * `gauntlet serve --model-repository <combination>/repository` serves exactly what was measured.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { FILE_LIMITS } from '../scenario/limits.js';
import { problemLines } from '../scenario/problems.js';
import { parseYamlFile, readTextFile } from '../scenario/yaml-file.js';
import { parseModelConfig } from '../../reference-server/config/validate-model-config.js';
import { defaultModelRepository, ensureModelRepository } from '../../reference-server/models/build.js';
import { FAMILY_NAMES, variantName } from '../../reference-server/models/zoo.js';
import { LLM_NAME, llmVariantName } from '../../reference-server/llm/build-llm.js';
import { GauntletError } from '../errors.js';
import { generationOf, type GenerationFigures, rewriteLlmConfig } from './llm-sweep.js';
import type { ComboConfig, PrecisionName } from './sweep-spec.js';

/** AccuracyDelta is a precision variant's agreement with its fp32 model (from its config's `accuracy`). */
export interface AccuracyDelta {
  /** The fp32 model compared against. */
  reference: string;
  cosine: number;
  maxAbsError: number;
  meanAbsError: number;
  /** Classifiers: share of samples with the same arg-max class. */
  top1?: number;
}

/** SourceRepository is where the variants' model folders come from. */
export interface SourceRepository {
  dir: string;
  /** True for gauntlet's bundled models (built on demand). */
  bundled: boolean;
  /** The model is an LLM folder (`backend: llm`): variants are `<model>-<precision>`, settings go to `llm:`. */
  llm?: boolean;
}

/** VariantRepository is a combination's repository, ready to serve. */
export interface VariantRepository {
  dir: string;
  /** The model name to load and infer on. */
  model: string;
  accuracy: AccuracyDelta | null;
  /** LLM variants: greedy generations against fp32's; null for KServe models or when none is recorded. */
  generation: GenerationFigures | null;
  /** The rewritten config, as written. */
  config: Record<string, unknown>;
}

/**
 * variantModel is the model name of a precision variant: the model itself for fp32 (or none), else
 * `<model>_<precision>` (KServe models) or `<model>-<precision>` (LLM folders, as the LLM builder names them).
 */
export function variantModel(model: string, precision: PrecisionName | undefined, llm = false): string {
  return llm ? llmVariantName(model, precision ?? 'fp32') : variantName(model, precision ?? 'fp32');
}

/** isLlmModel tells whether a sweep's model is an LLM: the bundled tiny-llm, or a repository folder whose config says `backend: llm`. */
export function isLlmModel(model: string, repository: string | undefined): boolean {
  if (repository === undefined || model === LLM_NAME) return model === LLM_NAME;
  const read = readTextFile(path.join(repository, model, 'config.yaml'), FILE_LIMITS.bytes);
  if (!read.ok) return false;
  const { value } = parseYamlFile(read.text, path.join(repository, model, 'config.yaml'));
  return isRecord(value) && value.backend === 'llm';
}

/**
 * checkSource reports what a sweep's model source lacks, without building anything: without a repository the
 * model must be a bundled family; a given repository must hold each variant's folder
 * (GAUNTLET_ERR_INVALID_CONFIG listing every missing one).
 */
export function checkSource(model: string, precisions: PrecisionName[], repository: string | undefined): void {
  if (repository === undefined) {
    if (FAMILY_NAMES.includes(model) || model === LLM_NAME) return;
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `model ${JSON.stringify(model)} is not a bundled model family`, [
      `model: must be one of ${[...FAMILY_NAMES, LLM_NAME].join(', ')} (the bundled models), or name a model of --model-repository`,
    ]);
  }
  const needed = precisions.length ? precisions : (['fp32'] as PrecisionName[]);
  const llm = isLlmModel(model, repository);
  const missing = needed.map((p) => variantModel(model, p, llm)).filter((name) => !existsSync(path.join(repository, name, 'config.yaml')));
  if (missing.length) {
    throw new GauntletError(
      'GAUNTLET_ERR_INVALID_CONFIG',
      `the model repository ${repository} lacks ${missing.length} model${missing.length === 1 ? '' : 's'} the sweep needs`,
      missing.map((name) => `${path.join(repository, name)}: no config.yaml (the ${name === model ? 'model' : 'precision variant'} ${name})`),
    );
  }
}

/** prepareSource checks the source (checkSource) and builds the bundled variants the sweep needs if they are missing. */
export async function prepareSource(model: string, precisions: PrecisionName[], repository: string | undefined, log: (l: string) => void): Promise<SourceRepository> {
  checkSource(model, precisions, repository);
  if (repository !== undefined) return { dir: repository, bundled: false, llm: isLlmModel(model, repository) };
  const dir = defaultModelRepository();
  await ensureModelRepository(dir, { models: [model], precisions: precisions.length ? precisions : ['fp32'], log });
  return { dir, bundled: true, llm: model === LLM_NAME };
}

/** writeVariantRepository writes the combination's repository under `outDir`; a config the server would refuse throws. */
export function writeVariantRepository(source: SourceRepository, model: string, c: ComboConfig, outDir: string): VariantRepository {
  const name = variantModel(model, c.precision, source.llm);
  const from = path.join(source.dir, name);
  // A user's repository: read within the same limits as scenario files (size, YAML values, depth, aliases).
  const read = readTextFile(path.join(from, 'config.yaml'), FILE_LIMITS.bytes);
  const parsed = read.ok ? parseYamlFile(read.text, path.join(from, 'config.yaml')) : undefined;
  if (!read.ok || parsed!.problems.count > 0) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `${from}/config.yaml cannot be used`, read.ok ? problemLines([parsed!.problems]) : [read.message]);
  }
  const raw = parsed!.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `${from}/config.yaml is not a mapping`);
  const config = rewriteConfig(raw as Record<string, unknown>, c);
  const text = `# Written by gauntlet sweep from ${path.join(from, 'config.yaml')}\n${stringify(config, { lineWidth: 0 })}`;
  const checked = parseModelConfig(text, name);
  if (!checked.ok) {
    throw new GauntletError(
      'GAUNTLET_ERR_INVALID_CONFIG',
      `the combination's config of ${name} would not load`,
      checked.problems.map((p) => `${p.path}: ${p.message}`),
    );
  }
  const dir = path.join(outDir, 'repository');
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'config.yaml'), text);
  for (const version of readdirSync(from).filter((d) => /^[1-9]\d*$/.test(d) && statSync(path.join(from, d)).isDirectory())) {
    const onnx = path.join(from, version, 'model.onnx');
    if (!existsSync(onnx)) continue;
    mkdirSync(path.join(folder, version), { recursive: true });
    linkOrCopy(path.resolve(onnx), path.join(folder, version, 'model.onnx'));
  }
  for (const file of source.llm ? ['agreement.json'] : []) if (existsSync(path.join(from, file))) linkOrCopy(path.resolve(from, file), path.join(folder, file));
  const generation = source.llm ? generationOf(config, from) : null;
  return { dir, model: name, accuracy: source.llm ? null : accuracyOf(config, c.precision), generation, config };
}

/**
 * rewriteConfig applies a combination to a model config (Triton's field names): dynamic batching off removes
 * `dynamic_batching`, on (or a queue delay) keeps or adds it; preferred batch sizes above a new max_batch_size
 * are dropped; the instance count goes to instance_group[0]; a GPU provider makes every group KIND_GPU.
 */
export function rewriteConfig(base: Record<string, unknown>, c: ComboConfig): Record<string, unknown> {
  const config = structuredClone(base);
  if (c.maxBatchSize !== undefined) config.max_batch_size = c.maxBatchSize;
  const batchingOn = c.dynamicBatching ?? (c.maxQueueDelayUs !== undefined ? true : undefined);
  if (batchingOn === false) delete config.dynamic_batching;
  else if (batchingOn === true || config.dynamic_batching !== undefined) {
    const db = isRecord(config.dynamic_batching) ? config.dynamic_batching : {};
    if (c.maxQueueDelayUs !== undefined) db.max_queue_delay_microseconds = c.maxQueueDelayUs;
    const mbs = typeof config.max_batch_size === 'number' ? config.max_batch_size : undefined;
    if (Array.isArray(db.preferred_batch_size) && mbs !== undefined) db.preferred_batch_size = db.preferred_batch_size.filter((n) => typeof n !== 'number' || n <= mbs);
    config.dynamic_batching = db;
  }
  const ep = c.executionProvider;
  if (ep !== undefined) config.execution_provider = ep;
  const groups = Array.isArray(config.instance_group) && config.instance_group.length ? (config.instance_group as unknown[]).map((g) => (isRecord(g) ? g : {})) : undefined;
  if (c.instanceCount !== undefined || ep !== undefined || groups) {
    const list = groups ?? [{ count: 1 }];
    if (c.instanceCount !== undefined) list[0]!.count = c.instanceCount;
    const provider = (config.execution_provider as string | undefined) ?? 'cpu';
    if (ep !== undefined || groups === undefined) for (const g of list) g.kind = provider === 'cpu' ? 'KIND_CPU' : 'KIND_GPU';
    config.instance_group = list;
  }
  if (c.intraOpThreads !== undefined) config.intra_op_threads = c.intraOpThreads;
  rewriteLlmConfig(config, c);
  return config;
}

/** accuracyOf reads a variant's accuracy delta from its config; an fp32 model is its own reference (no delta). */
export function accuracyOf(config: Record<string, unknown>, precision: PrecisionName | undefined): AccuracyDelta | null {
  const a = config.accuracy;
  if (isRecord(a) && typeof a.cosine_similarity === 'number') {
    const out: AccuracyDelta = {
      reference: String(a.reference ?? ''),
      cosine: a.cosine_similarity,
      maxAbsError: Number(a.max_abs_error ?? 0),
      meanAbsError: Number(a.mean_abs_error ?? 0),
    };
    if (typeof a.top1_agreement === 'number') out.top1 = a.top1_agreement;
    return out;
  }
  const p = precision ?? (typeof config.precision === 'string' ? config.precision : 'fp32');
  if (p !== 'fp32') return null;
  return { reference: String(config.name ?? ''), cosine: 1, maxAbsError: 0, meanAbsError: 0 };
}

function linkOrCopy(from: string, to: string): void {
  try {
    symlinkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
