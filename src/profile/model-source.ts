/**
 * Resolving `gauntlet profile MODEL` to its precision variants: a bundled family (built into the model
 * repository when missing), a model of a repository (`<name>` and `<name>_<precision>` folders), or one .onnx file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultModelRepository, ensureModelRepository } from '../../reference-server/models/build.js';
import { FAMILIES, FAMILY_NAMES, PRECISIONS, variantName, type Precision } from '../../reference-server/models/zoo.js';
import { GauntletError } from '../errors.js';
import { quantizeGraph } from './quantize-graph.js';

/** ModelSource is what MODEL names: its kind, its name and the file of each precision found or built. */
export interface ModelSource {
  source: 'bundled' | 'repository' | 'onnx';
  name: string;
  family?: string;
  path?: string;
  /** Precision → the ONNX file, in PRECISIONS order, fp32 first. */
  files: Map<string, string>;
  classifier: boolean | null;
}

/** ONNX_FILE_PRECISIONS are the precisions of an .onnx file: as given (fp32), and quantized by quantizeGraph. */
export const ONNX_FILE_PRECISIONS: readonly string[] = ['fp32', 'int8', 'int4'];

/** checkPrecisions throws unless every name is one of PRECISIONS. */
export function checkPrecisions(names: readonly string[]): Precision[] {
  const bad = names.filter((p) => !(PRECISIONS as readonly string[]).includes(p));
  if (bad.length > 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--precisions: unknown ${bad.join(', ')} (known: ${PRECISIONS.join(', ')})`);
  return names as Precision[];
}

/** latestVersionFile returns `<folder>/<highest numeric version>/model.onnx`, or undefined. */
function latestVersionFile(folder: string): string | undefined {
  if (!existsSync(folder)) return undefined;
  const versions = readdirSync(folder).filter((d) => /^\d+$/.test(d) && existsSync(path.join(folder, d, 'model.onnx')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(folder, versions[0], 'model.onnx');
}

/**
 * resolveModel finds (or builds) the variants of `model` in `precisions` (undefined: all that exist or can be
 * built). A precision asked for by name that cannot be had is an error, not a silent omission. The quantized
 * variants of an .onnx file are written to `<variantsDir(name)>/variants/`.
 */
export async function resolveModel(
  model: string,
  precisions: Precision[] | undefined,
  repository: string | undefined,
  log: (l: string) => void,
  variantsDir: (name: string) => string = () => process.cwd(),
): Promise<ModelSource> {
  const files = new Map<string, string>();
  if (model.toLowerCase().endsWith('.onnx') || (existsSync(model) && statSync(model).isFile())) {
    const file = path.resolve(model);
    if (!existsSync(file) || !statSync(file).isFile()) throw new GauntletError('GAUNTLET_ERR_MODEL_INVALID', `${model}: no such file`);
    const other = (precisions ?? []).filter((p) => !ONNX_FILE_PRECISIONS.includes(p));
    if (other.length > 0) {
      throw new GauntletError(
        'GAUNTLET_ERR_INVALID_ARGUMENT',
        `--precisions ${other.join(',')}: an .onnx file is profiled as given (fp32) and quantized to ${ONNX_FILE_PRECISIONS.slice(1).join(' and ')} by our quantizer; ${other.join(', ')} of an arbitrary graph is not built. Put such a variant in a --model-repository as <name>_<precision>.`,
      );
    }
    const name = path.basename(file, '.onnx');
    files.set('fp32', file);
    const wanted = ONNX_FILE_PRECISIONS.slice(1).filter((p) => precisions === undefined || precisions.includes(p as Precision));
    if (wanted.length > 0) {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file);
      } catch (err) {
        throw new GauntletError('GAUNTLET_ERR_MODEL_INVALID', `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      const dir = path.join(variantsDir(name), 'variants');
      for (const p of wanted as ('int8' | 'int4')[]) {
        let q: ReturnType<typeof quantizeGraph>;
        try {
          q = quantizeGraph(bytes, p);
        } catch {
          // Not ONNX protobuf: loading the file as fp32 says so, with ONNX Runtime's own words.
          break;
        }
        if (q.quantized === 0) {
          // Asked for by name: say why not; by default: profile what can be.
          if (precisions !== undefined) throw new GauntletError('GAUNTLET_ERR_MODEL_INVALID', `${file}: --precisions ${p}: the graph has no MatMul whose weights are a 2-D float initializer (of K >= 16, stored in the file) to quantize`);
          continue;
        }
        mkdirSync(dir, { recursive: true });
        const out = path.join(dir, `${name}_${p}.onnx`);
        writeFileSync(out, q.model);
        log(`quantized ${q.quantized} MatMul(s) of ${name} to ${p}: ${out}`);
        files.set(p, out);
      }
    }
    return { source: 'onnx', name, path: file, files, classifier: null };
  }
  const repo = repository ?? defaultModelRepository();
  const family = repository === undefined ? FAMILIES[model] : undefined;
  if (family !== undefined) {
    const wanted = precisions ?? [...PRECISIONS];
    try {
      await ensureModelRepository(repo, { models: [family.name], precisions: [...new Set<string>(['fp32', ...wanted])], log });
    } catch (err) {
      throw new GauntletError('GAUNTLET_ERR_MODEL_BUILD', `building ${family.name} in ${repo}: ${(err as Error).message}`);
    }
    for (const p of PRECISIONS) if (p === 'fp32' || wanted.includes(p)) files.set(p, path.join(repo, variantName(family.name, p), '1', 'model.onnx'));
    return { source: 'bundled', name: family.name, family: family.name, path: repo, files, classifier: family.classifier };
  }
  const fp32 = latestVersionFile(path.join(repo, model));
  if (fp32 === undefined) {
    const where = repository === undefined ? `a bundled family (${FAMILY_NAMES.join(', ')}), an .onnx file, or a model in --model-repository` : `a model folder <name>/<version>/model.onnx in ${repo}`;
    throw new GauntletError('GAUNTLET_ERR_MODEL_INVALID', `${model}: unknown model: expected ${where}`);
  }
  files.set('fp32', fp32);
  const missing: string[] = [];
  for (const p of PRECISIONS) {
    if (p === 'fp32' || (precisions !== undefined && !precisions.includes(p))) continue;
    const file = latestVersionFile(path.join(repo, `${model}_${p}`));
    if (file !== undefined) files.set(p, file);
    else if (precisions !== undefined) missing.push(`${model}_${p}`);
  }
  if (missing.length > 0) throw new GauntletError('GAUNTLET_ERR_MODEL_INVALID', `${repo}: no model folder ${missing.join(', ')} for --precisions`);
  return { source: 'repository', name: model, path: repo, files, classifier: null };
}
