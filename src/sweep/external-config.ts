/**
 * External sweeps: a matrix of the user's own variables over the user's own server. Each combination renders a
 * config template into the server's model repository, runs an apply command (a restart or redeploy script),
 * asks the server to reload the model through the KServe v2 repository extension, and waits on a readiness
 * probe; then the scenario is measured against the sweep's target, the same for every combination. This file
 * reads the `variables:`, `server:` and `target:` fields of a sweep file (docs/sweeps.md, "Sweeping your own
 * server"); apply-combination.ts runs them.
 */
import { statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { asFields, type Fields, show } from '../scenario/fields.js';
import { FILE_LIMITS, TEXT_LIMITS } from '../scenario/limits.js';
import { readTarget, readTargetFileSync } from '../scenario/parse-target.js';
import type { Plan } from '../scenario/plan.js';
import type { Problems } from '../scenario/problems.js';
import { readTextFile } from '../scenario/yaml-file.js';
import type { TargetSpec } from '../targets/target-spec.js';
import { envName, templateProblems, VARIABLE_NAME, type VarValue } from './config-template.js';
import type { SweepTarget } from './sweep-spec.js';

/** ExternalSpec is how an external sweep applies each combination of its variables. */
export interface ExternalSpec {
  /** Each variable's values, in the file's order (the first varies slowest). */
  variables: Record<string, VarValue[]>;
  /** The sweep's own target (absent: the scenario's target, which must then be external). */
  target?: SweepTarget;
  /** The template (text checked when the sweep was read) and the file it is rendered to. */
  template?: { source: string; text: string; dest: string };
  /** A shell command run per combination, in the sweep file's folder, with the variables in its environment. */
  apply?: { command: string; timeoutS: number };
  /** POST <url>/v2/repository/models/<model>/load after apply (the KServe v2 repository extension). */
  reload?: { model: string; url?: string; timeoutS: number };
  /** The readiness probe waited on before measuring (absent: the target's model ready endpoint, KServe HTTP only). */
  ready?: ReadySpec;
}

/** ReadySpec is a readiness probe: GET url until it answers `status`, every intervalS, for at most timeoutS. */
export interface ReadySpec {
  url: string;
  status: number;
  timeoutS: number;
  intervalS: number;
}

/** EXTERNAL_KEYS are the fields of `server:`. */
export const EXTERNAL_KEYS = ['config_template', 'config_file', 'apply', 'apply_timeout', 'reload_model', 'reload_url', 'reload_timeout', 'ready'] as const;
/** READY_KEYS are the fields of `server.ready:`. */
export const READY_KEYS = ['url', 'status', 'timeout', 'interval'] as const;
/** EXTERNAL_DEFAULTS are the values of the fields a file leaves out (seconds). */
export const EXTERNAL_DEFAULTS = { applyTimeoutS: 300, reloadTimeoutS: 300, readyTimeoutS: 300, readyIntervalS: 1, readyStatus: 200 } as const;
/** EXTERNAL_BOUNDS are the ranges of the numeric fields (durations in seconds). */
export const EXTERNAL_BOUNDS = {
  timeout: { gt: 0, max: 3600 },
  interval: { min: 0.05, max: 60 },
  status: { min: 100, max: 599 },
} as const;
/** MAX_VARIABLES bounds the variables of an external sweep. */
export const MAX_VARIABLES = 32;

/** readExternal reads `variables:`, `server:` and `target:` of a sweep file; undefined when it has no `server:`. */
export function readExternal(f: Fields, baseDir: string, maxCombinations: number, extra: Problems[]): ExternalSpec | undefined {
  if (!f.has('server')) {
    if (f.has('variables')) f.problem('variables', 'needs server: (how each combination is applied to your server)');
    if (f.has('target')) f.problem('target', 'is only for sweeps of your own server (with server:); a target sweep lists targets:');
    return undefined;
  }
  for (const other of ['matrix', 'targets', 'model'] as const) {
    if (f.has(other)) f.problem(other, `is not for sweeps of your own server (server:); declare your settings under variables:`);
  }
  const variables = readVariables(f, maxCombinations);
  const s = f.mapping('server', true);
  const spec: ExternalSpec = { variables };
  if (!s) return spec;
  s.allowOnly(EXTERNAL_KEYS);
  const target = readSweepTarget(f, baseDir, extra);
  if (target) spec.target = target;
  const command = s.string('apply', false, TEXT_LIMITS.text);
  if (command !== undefined) spec.apply = { command, timeoutS: s.duration('apply_timeout', EXTERNAL_BOUNDS.timeout) ?? EXTERNAL_DEFAULTS.applyTimeoutS };
  else if (s.has('apply_timeout')) s.problem('apply_timeout', 'needs apply');
  const model = s.string('reload_model', false, TEXT_LIMITS.name);
  if (model !== undefined) {
    const url = readUrl(s, 'reload_url', false, true);
    spec.reload = { model, ...(url !== undefined && { url }), timeoutS: s.duration('reload_timeout', EXTERNAL_BOUNDS.timeout) ?? EXTERNAL_DEFAULTS.reloadTimeoutS };
  } else for (const k of ['reload_url', 'reload_timeout']) if (s.has(k)) s.problem(k, 'needs reload_model');
  const template = readTemplate(s, baseDir, Object.keys(variables), command !== undefined);
  if (template) spec.template = template;
  if (!s.has('config_template') && !s.has('apply') && !s.has('reload_model')) {
    f.problem('server', 'must say how a combination is applied: config_template (with config_file), apply, reload_model, or several');
  }
  const ready = s.mapping('ready');
  if (ready) {
    ready.allowOnly(READY_KEYS);
    const url = readUrl(ready, 'url', true);
    spec.ready = {
      url: url ?? '',
      status: ready.integer('status', EXTERNAL_BOUNDS.status) ?? EXTERNAL_DEFAULTS.readyStatus,
      timeoutS: ready.duration('timeout', EXTERNAL_BOUNDS.timeout) ?? EXTERNAL_DEFAULTS.readyTimeoutS,
      intervalS: ready.duration('interval', EXTERNAL_BOUNDS.interval) ?? EXTERNAL_DEFAULTS.readyIntervalS,
    };
  }
  return spec;
}

/** externalPlanProblems checks an external sweep against its scenario: the target must be the user's server. */
export function externalPlanProblems(ext: ExternalSpec, plan: Plan, problems: Problems): void {
  const target = externalTarget(ext, plan);
  if (!target) {
    problems.add(['target'], "is required: the scenario's target is the embedded reference server, and a sweep of your own server measures your server (give target: a target file or mapping)");
    return;
  }
  if (ext.reload && ext.reload.url === undefined && target.protocol === 'kserve-grpc') {
    problems.add(['server', 'reload_url'], `is required: the target ${target.name} is gRPC, and the model is loaded through the HTTP repository extension`);
  }
}

/** externalTarget is the target every combination is measured on, or undefined when the scenario's is embedded. */
export function externalTarget(ext: ExternalSpec, plan: Plan): TargetSpec | undefined {
  if (ext.target) return ext.target.spec;
  return 'embedded' in plan.target ? undefined : plan.target;
}

/** defaultReady is the probe used when the file gives none: the model's ready endpoint of a KServe HTTP target. */
export function defaultReady(target: TargetSpec, model: string | undefined): ReadySpec | undefined {
  if (target.protocol !== 'kserve-http' || model === undefined) return undefined;
  const base = target.url.replace(/\/+$/, '');
  return { url: `${base}/v2/models/${encodeURIComponent(model)}/ready`, status: 200, timeoutS: EXTERNAL_DEFAULTS.readyTimeoutS, intervalS: EXTERNAL_DEFAULTS.readyIntervalS };
}

function readVariables(f: Fields, maxCombinations: number): Record<string, VarValue[]> {
  const m = f.mapping('variables', true, MAX_VARIABLES);
  const out: Record<string, VarValue[]> = {};
  if (!m) return out;
  if (Object.keys(m.obj).length === 0) m.problems.add(f.at('variables'), 'must declare at least one variable');
  const envNames = new Map<string, string>();
  let combinations = 1;
  for (const [name, raw] of Object.entries(m.obj)) {
    if (!VARIABLE_NAME.test(name)) {
      m.problem(name, 'a variable name is letters, digits and _ (not first), at most 64 characters');
      continue;
    }
    const clash = envNames.get(envName(name));
    if (clash !== undefined) m.problem(name, `is the same as ${clash} in the apply command's environment ($${envName(name)}); rename one`);
    envNames.set(envName(name), name);
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0) m.problem(name, 'must list at least one value');
    if (list.length > maxCombinations) {
      m.problem(name, `has ${list.length} values; a sweep has at most ${maxCombinations} combinations`);
      continue;
    }
    const values: VarValue[] = [];
    list.forEach((v, i) => {
      const at = Array.isArray(raw) ? m.at(name, i) : m.at(name);
      const message = valueProblem(v);
      if (message !== undefined) return m.problems.add(at, message);
      const dup = values.findIndex((x) => x === v);
      if (dup >= 0) return m.problems.add(at, `duplicate value ${show(v)} (also ${name}[${dup}])`);
      values.push(v as VarValue);
    });
    combinations *= Math.max(1, list.length);
    out[name] = values;
  }
  if (combinations > maxCombinations) f.problem('variables', `has ${combinations} combinations; at most ${maxCombinations}`);
  return out;
}

/** valueProblem says why a variable's value cannot be rendered into a config file, if it cannot. */
function valueProblem(v: unknown): string | undefined {
  if (typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `must be a finite number, got ${show(v)}`;
  if (typeof v !== 'string') return `must be a string, number or boolean (rendered into the config file as it is), got ${show(v)}`;
  if (v.length > TEXT_LIMITS.text) return `is ${v.length} characters; at most ${TEXT_LIMITS.text}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) return 'must be one line with no control characters (it is rendered into a config file)';
  return undefined;
}

function readTemplate(s: Fields, baseDir: string, variables: string[], hasApply: boolean): ExternalSpec['template'] {
  const rel = s.string('config_template');
  const destRel = s.string('config_file');
  if ((rel === undefined) !== (destRel === undefined)) {
    s.problem(rel === undefined ? 'config_file' : 'config_template', `needs ${rel === undefined ? 'config_template (the template rendered into it)' : 'config_file (where the rendered template is written)'}`);
    return undefined;
  }
  if (rel === undefined || destRel === undefined) return undefined;
  const source = resolvePath(baseDir, rel);
  const dest = resolvePath(baseDir, destRel);
  const read = readTextFile(source, FILE_LIMITS.bytes);
  if (!read.ok) return void s.problem('config_template', `${source}: ${read.message}`);
  for (const p of templateProblems(read.text, variables, hasApply)) s.problem('config_template', `${source}: ${p}`);
  const folder = dirname(dest);
  if (!isDir(folder)) s.problem('config_file', `${folder} is not a folder (the config file's folder must exist)`);
  else if (exists(dest) && !isFile(dest)) s.problem('config_file', `${dest} is not a file`);
  return { source, text: read.text, dest };
}

function readSweepTarget(f: Fields, baseDir: string, extra: Problems[]): SweepTarget | undefined {
  const raw = f.obj['target'];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string' && raw !== '') {
    const file = resolvePath(baseDir, raw);
    const { spec, problems } = readTargetFileSync(file);
    extra.push(problems);
    return { file, spec };
  }
  const t = asFields(raw, f.at('target'), f.problems);
  return t ? { spec: readTarget(t) } : undefined;
}

function readUrl(f: Fields, key: string, required = false, base = false): string | undefined {
  const v = f.string(key, required, TEXT_LIMITS.text);
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return void f.problem(key, `must be an http:// or https:// URL, got ${show(v)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return void f.problem(key, `must be an http:// or https:// URL, got ${show(v)}`);
  return base ? v.replace(/\/+$/, '') : v;
}

function resolvePath(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : join(baseDir, p);
}

const stats = (p: string) => {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
};
const exists = (p: string): boolean => stats(p) !== undefined;
const isDir = (p: string): boolean => stats(p)?.isDirectory() ?? false;
const isFile = (p: string): boolean => stats(p)?.isFile() ?? false;
