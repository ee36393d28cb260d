/**
 * ModelRepository loads a Triton-like model repository (`<dir>/<model>/config.yaml`, `<dir>/<model>/<version>/model.onnx`)
 * and serves it: it is the InferenceCore the front ends talk to. A model whose config has problems, or whose
 * session cannot load, is not served; the index says why, with every problem.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelConfig } from '../config/model-config.js';
import { CONFIG_YAML_LIMITS, formatProblem } from '../config/problems.js';
import { parseConfigOverride } from '../config/config-override.js';
import { parseModelConfig } from '../config/validate-model-config.js';
import { invalid, notFound, unavailable } from './errors.js';
import { ModelVersion, type ModelVersionOptions } from './model-version.js';
import { fileFingerprint, sessionConfigKey } from './version-reuse.js';
import type { InferenceCore, LoadedModel, RepositoryEntry, ServerMetadata } from './types.js';

/** SERVER_EXTENSIONS are the protocol extensions the reference server implements (reported by `GET /v2`). */
export const SERVER_EXTENSIONS = [
  'binary_tensor_data',
  'model_repository',
  'schedule_policy',
  'model_configuration',
  'statistics',
  'parameters',
];

/** RepositoryOptions selects and configures what is loaded. */
export interface RepositoryOptions extends ModelVersionOptions {
  /** Load only these models (default: every model folder). */
  models?: string[];
  /** Ready only when every model loaded (Triton's --strict-readiness, default true). */
  strictReadiness?: boolean;
  serverName?: string;
  serverVersion?: string;
  /** Called with a line for each model loaded or failed. */
  log?: (line: string) => void;
  /**
   * 'explicit': models are (re)loaded and unloaded through loadModel/unloadModel (the repository extension's load
   * and unload, Triton's --model-control-mode=explicit); 'none' (default): only at start-up.
   */
  modelControl?: ModelControlMode;
  /** How long the requests of a model replaced or unloaded get to finish (default 30 000 ms). */
  unloadGraceMs?: number;
}

/** ModelControlMode is Triton's --model-control-mode (poll is not supported). */
export type ModelControlMode = 'none' | 'explicit';

/** MODEL_NAME is what a model folder's name may be when it is named in a load or unload request. */
const MODEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

interface ModelEntry {
  name: string;
  config?: ModelConfig;
  versions: ModelVersion[];
  /** Versions (or the whole model, version '') that failed, with why. */
  failures: { version: string; reason: string }[];
}

/** ModelRepository serves the models of one repository folder. */
export class ModelRepository implements InferenceCore {
  private readonly entries = new Map<string, ModelEntry>();
  /** Models unloaded through unloadModel (shown in the index as UNAVAILABLE, 'unloaded'). */
  private readonly unloaded = new Set<string>();
  /** The load or unload in progress per model: requests for one model run one after the other. */
  private readonly control = new Map<string, Promise<unknown>>();
  /** Replaced or unloaded versions still finishing their requests (close waits for them). */
  private readonly retiring = new Set<Promise<void>>();
  private draining = false;
  /** What each loaded version was built from (its file's fingerprint and its config key), to reuse it when unchanged. */
  private readonly builtFrom = new WeakMap<ModelVersion, string>();

  private constructor(
    readonly dir: string,
    private readonly opts: RepositoryOptions,
  ) {}

  /** load reads and loads every model of the repository; it never throws for a bad model, only for an unreadable folder. */
  static async load(dir: string, opts: RepositoryOptions = {}): Promise<ModelRepository> {
    const repo = new ModelRepository(dir, opts);
    const names = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
    const wanted = opts.models ?? names;
    for (const name of wanted) {
      if (!names.includes(name)) repo.entries.set(name, { name, versions: [], failures: [{ version: '', reason: `no folder '${name}' in the model repository ${dir}` }] });
    }
    const toLoad = names.filter((n) => wanted.includes(n));
    // Two at a time: sessions load on worker threads, and loading everything at once only thrashes a small machine.
    for (let i = 0; i < toLoad.length; i += 2) await Promise.all(toLoad.slice(i, i + 2).map(async (n) => repo.entries.set(n, await repo.readModel(n))));
    return repo;
  }

  /** readModel reads a model's config and loads its versions; the entry lists every failure (never throws for a bad model). */
  private async readModel(name: string, configOverride?: string, previous: ModelVersion[] = []): Promise<ModelEntry> {
    const entry: ModelEntry = { name, versions: [], failures: [] };
    await this.fillEntry(entry, configOverride, previous);
    return entry;
  }

  private async fillEntry(entry: ModelEntry, configOverride: string | undefined, previous: ModelVersion[]): Promise<void> {
    const { name } = entry;
    const log = this.opts.log ?? (() => {});
    const folder = path.join(this.dir, name);
    const configPath = configOverride === undefined ? path.join(folder, 'config.yaml') : 'the config parameter';
    let text = '';
    if (configOverride === undefined) try {
      const size = (await stat(configPath)).size;
      if (size > CONFIG_YAML_LIMITS.bytes) {
        const reason = `${configPath}: is ${size} bytes; a config.yaml may have at most ${CONFIG_YAML_LIMITS.bytes}`;
        entry.failures.push({ version: '', reason });
        log(`model ${name}: not loaded: ${reason}`);
        return;
      }
      text = await readFile(configPath, 'utf8');
    } catch {
      entry.failures.push({ version: '', reason: `no config.yaml in ${folder}` });
      log(`model ${name}: not loaded: no config.yaml`);
      return;
    }
    const parsed = configOverride === undefined ? parseModelConfig(text, name) : parseConfigOverride(configOverride, name);
    if (!parsed.ok) {
      const reason = parsed.problems.map((p) => formatProblem(p, configPath)).join('\n');
      entry.failures.push({ version: '', reason });
      log(`model ${name}: not loaded: ${parsed.problems.length} problem(s) in config.yaml:\n  ${reason.replaceAll('\n', '\n  ')}`);
      return;
    }
    entry.config = parsed.config;
    // An LLM is served by the OpenAI front end (reference-server/llm/openai-models.ts), not as KServe tensors.
    if (parsed.config.backend === 'llm') return log(`model ${name}: an LLM, served on the OpenAI routes (/v1/)`);
    const versions = await this.versionsToServe(folder, parsed.config);
    if (versions.length === 0) {
      entry.failures.push({ version: '', reason: `no version folder with a model.onnx in ${folder} matches the version policy` });
      log(`model ${name}: not loaded: no version folder with model.onnx`);
      return;
    }
    const configKey = sessionConfigKey(parsed.config);
    for (const v of versions) {
      try {
        const file = path.join(folder, v, 'model.onnx');
        const builtFrom = `${await fileFingerprint(file)}|${configKey}`;
        const same = previous.find((p) => p.version === v && p.ready() && this.builtFrom.get(p) === builtFrom);
        if (same) {
          entry.versions.push(same);
          log(`model ${name} version ${v}: kept (model file and config unchanged, its instances still serve)`);
          continue;
        }
        const loaded = await ModelVersion.load(parsed.config, v, file, this.opts);
        this.builtFrom.set(loaded, builtFrom);
        entry.versions.push(loaded);
        const wanted = parsed.config.execution_provider;
        const ep = loaded.executionProvider === wanted ? wanted : `${loaded.executionProvider}: ${wanted} is unavailable, fallback_to_cpu`;
        log(`model ${name} version ${v}: ready (${parsed.config.instance_group.reduce((n, g) => n + g.count, 0)} instance(s), ${ep})`);
      } catch (err) {
        entry.failures.push({ version: v, reason: (err as Error).message });
        log(`model ${name} version ${v}: not loaded: ${(err as Error).message}`);
      }
    }
    entry.versions.sort((a, b) => Number(b.version) - Number(a.version));
  }

  private async versionsToServe(folder: string, config: ModelConfig): Promise<string[]> {
    const found: number[] = [];
    for (const d of await readdir(folder, { withFileTypes: true })) {
      if (!d.isDirectory() || !/^[1-9]\d*$/.test(d.name)) continue;
      const ok = await stat(path.join(folder, d.name, 'model.onnx')).then((s) => s.isFile(), () => false);
      if (ok) found.push(Number(d.name));
    }
    found.sort((a, b) => b - a);
    const p = config.version_policy;
    const chosen = 'latest' in p ? found.slice(0, p.latest.num_versions) : 'specific' in p ? found.filter((v) => p.specific.versions.includes(v)) : found;
    return chosen.map(String);
  }

  /**
   * loadModel (re)loads `name` from the repository: its config.yaml and model files are read again, and only when
   * every version loads are the new versions swapped in; the old ones finish their requests (up to unloadGraceMs)
   * in the background. A model that fails keeps serving what it served before, as in Triton. `configOverride`
   * (Triton's `config` load parameter, JSON) replaces config.yaml for this load: a changed version_policy takes
   * effect this way while the versions served before finish their requests.
   */
  async loadModel(name: string, configOverride?: string): Promise<void> {
    await this.checkControl(name);
    return this.serialize(name, async () => {
      const old = this.entries.get(name);
      const entry = await this.readModel(name, configOverride, old?.versions).catch((err: Error) => {
        throw invalid(`failed to load '${name}': ${err.message}`);
      });
      if (entry.failures.length > 0) {
        await Promise.all(entry.versions.filter((v) => !old?.versions.includes(v)).map((v) => v.close(0)));
        entry.versions = [];
        if (!old || old.versions.length === 0) {
          this.entries.set(name, entry);
          this.unloaded.delete(name);
        }
        const kept = old && old.versions.length > 0 ? ` (the versions loaded before, ${old.versions.map((v) => v.version).join(', ')}, are still served)` : '';
        throw invalid(`failed to load '${name}'${kept}: ${entry.failures.map((f) => (f.version ? `version ${f.version}: ${f.reason}` : f.reason)).join('\n')}`);
      }
      // A kept version serves on with the new configuration (the same but for its version policy).
      for (const v of entry.versions) if (entry.config && old?.versions.includes(v)) v.adoptConfig(entry.config);
      this.entries.set(name, entry);
      this.unloaded.delete(name);
      this.retire(old?.versions.filter((v) => !entry.versions.includes(v)));
    });
  }

  /** unloadModel stops serving `name`: it leaves the index's READY rows at once and its requests finish (up to unloadGraceMs). */
  async unloadModel(name: string): Promise<void> {
    await this.checkControl(name);
    return this.serialize(name, async () => {
      const old = this.entries.get(name);
      this.entries.delete(name);
      this.unloaded.add(name);
      (this.opts.log ?? (() => {}))(`model ${name}: unloaded`);
      await this.retire(old?.versions);
    });
  }

  /** checkControl refuses a load or unload unless model control is explicit and `name` is a model folder of the repository. */
  private async checkControl(name: string): Promise<void> {
    if (this.opts.modelControl !== 'explicit') throw invalid('explicit model control is not enabled: models are loaded from the repository at start-up (start the server with --model-control-mode explicit)');
    if (this.draining) throw unavailable('the server is shutting down');
    if (!MODEL_NAME.test(name)) throw invalid(`invalid model name ${JSON.stringify(name)}: letters, digits, '_', '.' and '-', at most 128 characters`);
    const isDir = await stat(path.join(this.dir, name)).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw invalid(`failed to load '${name}': no folder '${name}' in the model repository ${this.dir}`);
  }

  private serialize(name: string, work: () => Promise<void>): Promise<void> {
    const run = (this.control.get(name) ?? Promise.resolve()).then(work, work);
    const settled = run.catch(() => {});
    this.control.set(name, settled);
    void settled.then(() => this.control.get(name) === settled && this.control.delete(name));
    return run;
  }

  /** retire closes replaced or unloaded versions once their requests are done (up to unloadGraceMs). */
  private retire(versions: ModelVersion[] | undefined): Promise<void> {
    if (!versions?.length) return Promise.resolve();
    const done = Promise.all(versions.map((v) => v.close(this.opts.unloadGraceMs ?? 30_000))).then(() => {}, () => {});
    this.retiring.add(done);
    void done.then(() => this.retiring.delete(done));
    return done;
  }

  serverMetadata(): ServerMetadata {
    return { name: this.opts.serverName ?? 'gauntlet-reference', version: this.opts.serverVersion ?? '0.0.0', extensions: SERVER_EXTENSIONS };
  }

  live(): boolean {
    return true;
  }

  ready(): boolean {
    if (this.draining) return false;
    const all = [...this.entries.values()];
    if (this.opts.strictReadiness === false) return all.some((e) => e.versions.some((v) => v.ready()));
    return all.every((e) => e.failures.length === 0 && e.versions.every((v) => v.ready()));
  }

  model(name: string, version?: string): LoadedModel {
    const entry = this.entries.get(name);
    if (!entry) throw notFound(`unknown model '${name}'`);
    if (entry.config?.backend === 'llm') throw notFound(`'${name}' is an LLM: it is served on the OpenAI routes (/v1/chat/completions, /v1/completions), not on KServe's`);
    if (!version) {
      const latest = entry.versions[0];
      if (!latest) throw unavailable(`model '${name}' is not available: ${entry.failures.map((f) => f.reason).join('; ')}`);
      return latest;
    }
    const v = entry.versions.find((m) => m.version === version);
    if (v) return v;
    const failed = entry.failures.find((f) => f.version === version || f.version === '');
    if (failed) throw unavailable(`model '${name}' version ${version} is not available: ${failed.reason}`);
    throw notFound(`unknown version ${JSON.stringify(version)} of model '${name}'`);
  }

  models(): ModelVersion[] {
    return [...this.entries.values()].flatMap((e) => e.versions);
  }

  index(): RepositoryEntry[] {
    const rows: RepositoryEntry[] = [];
    for (const e of [...this.entries.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      for (const v of e.versions) rows.push({ name: e.name, version: v.version, state: v.ready() ? 'READY' : 'UNAVAILABLE', reason: v.reason });
      for (const f of e.failures) rows.push({ name: e.name, version: f.version, state: 'UNAVAILABLE', reason: f.reason });
    }
    for (const name of this.unloaded) if (!this.entries.has(name)) rows.push({ name, version: '', state: 'UNAVAILABLE', reason: 'unloaded' });
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** drain marks the server not ready (so load balancers stop sending), then lets every model finish its queue. */
  async close(graceMs = 10_000): Promise<void> {
    this.draining = true;
    await Promise.all([...this.models().map((m) => m.close(graceMs)), ...this.retiring]);
  }

  /** startDraining turns readiness off without waiting (the front ends still answer in-flight requests). */
  startDraining(): void {
    this.draining = true;
  }
}
