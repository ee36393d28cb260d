/**
 * runSweep runs every combination of a sweep one after the other: for a matrix sweep it writes the combination's
 * model repository, starts `gauntlet serve` on it (on free loopback ports), measures (the scenario's phases, or
 * the rate search, with the same server throughout) and stops it; for a target sweep it measures each external
 * target. A combination that fails (its config would not load, the server did not start, the target is
 * unreachable) is recorded and the sweep goes on. sweep.json is rewritten after every run; at the end the
 * recommendation rule is applied (recommend.ts). An interrupt stops the combination in progress within a second
 * or so (its server is killed after INTERRUPT_STOP_MS), skips the rest, and the sweep ends `interrupted`.
 */
import { metricsTls } from '../metrics/fetch-metrics.js';
import path from 'node:path';
import { GauntletError } from '../errors.js';
import { InterruptedError, isInterrupt } from '../run/abort.js';
import { type EmbeddedServer, startEmbeddedServer } from '../run/embedded-server.js';
import type { EmbeddedTarget, Plan } from '../scenario/plan.js';
import type { TargetSpec } from '../targets/target-spec.js';
import { packageVersion } from '../util/package-version.js';
import { applyCombination, type ExternalRun, finishExternal, prepareExternal } from './apply-combination.js';
import { type Combination, combinationsOf, describeConfig } from './combinations.js';
import { type Measured, measureCombination } from './measure-combination.js';
import { metricsRssMib, processTreeRssMib } from './memory.js';
import { hasStepBound, searchBounds } from './search-bounds.js';
import type { SearchStep } from './rate-search.js';
import { type Candidate, recommend } from './recommend.js';
import { prepareSource, type SourceRepository, writeVariantRepository } from './repository-variant.js';
import { type ComboRecord, SWEEP_SCHEMA_VERSION, type SweepRecord, writeSweepRecord } from './sweep-record.js';
import type { ResolvedSearch, SweepSpec } from './sweep-spec.js';
import { describeVariables } from './variable-combinations.js';
import { costPerMillion } from '../util/cost.js';
import { OPENAI_DEFAULTS } from '../targets/protocol-openai.js';

/** SweepOptions configure a sweep run. */
export interface SweepOptions {
  /** The sweep's folder (default reports/sweeps/<UTC time>-<name>/). */
  outDir?: string;
  /** Take the models from this repository instead of the bundled ones. */
  modelRepository?: string;
  /** Recommend from combinations whose measurement is invalid too (and let the search judge invalid steps on their numbers). */
  allowInvalid?: boolean;
  /** Load workers per run (default: as the rate needs). */
  workers?: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

/** SweepOutcome is a finished sweep and the exit code it calls for. */
export interface SweepOutcome {
  record: SweepRecord;
  dir: string;
  /** 0 a recommendation, 1 none meets the constraints, 3 no valid measurement at all (or interrupted). */
  exitCode: 0 | 1 | 3;
}

/** defaultSweepDir names a sweep's folder after its start time and name. */
export function defaultSweepDir(name: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  return path.join('reports', 'sweeps', `${stamp}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
}

/** runSweep runs the sweep; invalid input (a missing model variant) throws before anything runs. */
export async function runSweep(spec: SweepSpec, plan: Plan, opts: SweepOptions = {}): Promise<SweepOutcome> {
  const log = opts.onLine ?? (() => {});
  const { combinations, duplicates } = combinationsOf(spec);
  const source = spec.targets || spec.external ? undefined : await prepareSource(spec.model!, spec.matrix?.precision ?? [], opts.modelRepository, log);
  const dir = opts.outDir ?? defaultSweepDir(spec.name);
  if (plan.faults.length) log(`note: the scenario's ${plan.faults.length} fault(s) are not run in a sweep`);
  const bounds = searchBounds(spec, plan);
  const search: ResolvedSearch | undefined = spec.search && hasStepBound(bounds) ? { ...spec.search, ...bounds } : undefined;
  const record = initialRecord(spec, plan, combinations, duplicates, !!opts.allowInvalid, search, opts.modelRepository);
  const save = (): void => writeSweepRecord(dir, record);
  const external = startExternal(spec, plan, dir, record, save);
  save();
  log(`sweep '${spec.name}': ${combinations.length} combination(s)${duplicates ? ` (${duplicates} duplicate(s) left out)` : ''}; results in ${dir}`);

  /** Combinations whose measurement an interrupt cut short: kept, never recommended. */
  const cutShort = new Set<number>();
  for (const [i, combo] of combinations.entries()) {
    const rec = record.combinations[i]!;
    if (opts.signal?.aborted) {
      rec.status = 'skipped';
      continue;
    }
    log(`[${combo.index}/${combinations.length}] ${combo.id}: ${rec.label}`);
    rec.status = 'running';
    save();
    const started = Date.now();
    try {
      const measured = await runCombination(combo, rec, { spec, plan, dir, source, search, opts, log, save, ...(external && { external }) });
      rec.figures = { ...measured.figures, memoryMib: measured.memoryMib, accuracy: rec.accuracy ?? null, ...(rec.generation !== undefined && { generation: rec.generation }), ...costFigures(combo, spec, measured.figures.throughputAtSloRps) };
      if (measured.search) {
        const s = measured.search;
        const ceilingRps = spec.search?.toRps ?? measured.probe?.ceilingRps;
        rec.search = { rateRps: s.rateRps, inconclusive: s.inconclusive, note: s.note, steps: relativeSteps(s.steps, dir), ...(ceilingRps !== undefined && { ceilingRps }), ceilingTooLow: s.ceilingTooLow, notMetRps: s.notMetRps };
      }
      if (measured.probe) rec.probe = { ...measured.probe, results: path.relative(dir, measured.probe.results) };
      if (measured.repeats) rec.repeats = measured.repeats.map((r) => ({ ...r, results: path.relative(dir, r.results) }));
      rec.status = 'done';
      if (opts.signal?.aborted) cutShort.add(i);
      const f = rec.figures;
      const tok = f.tokens ? `${f.tokens.outputTokensPerS.toFixed(0)} output tokens/s, TTFT p99 ${f.tokens.ttftP99Ms?.toFixed(1) ?? '-'} ms, TPOT p50 ${f.tokens.tpotP50Ms?.toFixed(2) ?? '-'} ms, goodput ${(f.tokens.goodput * 100).toFixed(1)} %${f.generation && f.generation.tokenAgreement < 1 ? `, token agreement ${f.generation.tokenAgreement.toFixed(3)}` : ''}; ` : '';
      log(`  → ${tok}${f.throughputAtSloRps.toFixed(1)} rps at the SLO${f.ceilingTooLow && rankedOnCapacity(spec) ? ' (CEILING TOO LOW: met the SLO at every rate tried)' : ''}, p99 ${f.p99Ms === null ? '-' : f.p99Ms.toFixed(2)} ms, ${(f.errorRate * 100).toFixed(2)} % errors${f.memoryMib !== null ? `, ${f.memoryMib.toFixed(0)} MiB` : ''}${f.costPerMillion != null ? `, ${f.costPerMillion.toFixed(3)} per 1M` : ''}${f.valid ? '' : ' (INVALID measurement)'}`);
    } catch (err) {
      if (isInterrupt(err, opts.signal)) {
        // Interrupted before anything was measured: the combination was not run.
        rec.status = 'skipped';
        rec.error = (err as Error).message;
        log(`  ${(err as Error).message}`);
        rec.elapsedS = Math.round((Date.now() - started) / 100) / 10;
        save();
        continue;
      }
      if (!(err instanceof GauntletError)) throw err;
      rec.status = 'failed';
      rec.error = [err.message, ...err.details].join('\n');
      log(`  FAILED: ${err.message}${err.details.length ? ` (${err.details.join('; ')})` : ''}`);
    }
    rec.elapsedS = Math.round((Date.now() - started) / 100) / 10;
    save();
  }

  if (external) await finishExternal(external, log);
  const candidates: Candidate[] = record.combinations.map((c, i) => ({ id: c.id, label: c.label, figures: cutShort.has(i) ? null : c.figures }));
  const { verdicts, ...recommendation } = recommend(candidates, spec.constraints, { allowInvalid: !!opts.allowInvalid, basis: spec.recommend });
  verdicts.forEach((v, i) => (record.combinations[i]!.verdict = v));
  record.recommendation = recommendation;
  record.status = opts.signal?.aborted ? 'interrupted' : 'complete';
  record.endedAt = new Date().toISOString();
  save();
  const anyValid = record.combinations.some((c) => c.figures?.valid);
  const exitCode = record.status === 'interrupted' ? 3 : recommendation.id !== null ? 0 : anyValid ? 1 : 3;
  return { record, dir, exitCode };
}

interface ComboContext {
  spec: SweepSpec;
  plan: Plan;
  dir: string;
  source: SourceRepository | undefined;
  search: ResolvedSearch | undefined;
  opts: SweepOptions;
  log: (line: string) => void;
  save: () => void;
  /** External sweeps: the target and the apply steps. */
  external?: ExternalRun;
}

/** runCombination measures one combination: against its own server (matrix) or its target. */
async function runCombination(combo: Combination, rec: ComboRecord, ctx: ComboContext): Promise<Measured> {
  const dir = path.join(ctx.dir, combo.id);
  const measure = (target: TargetSpec, model: string | undefined, sampleMemory: () => Promise<number | null>): Promise<Measured> =>
    measureCombination(target, model, {
      plan: ctx.plan,
      dir,
      ...(ctx.search && { search: ctx.search }),
      acceptInvalid: !!ctx.opts.allowInvalid,
      repeats: ctx.spec.repeats,
      ...(ctx.opts.workers !== undefined && { workers: ctx.opts.workers }),
      ...(ctx.opts.signal && { signal: ctx.opts.signal }),
      log: ctx.log,
      onResults: (file) => rec.results.push(path.relative(ctx.dir, file)),
      onProgress: (steps) => {
        rec.search = { rateRps: 0, inconclusive: false, note: 'searching', steps: relativeSteps(steps, ctx.dir) };
        ctx.save();
      },
      sampleMemory,
    });
  if (ctx.external && combo.variables) return measureExternal(ctx.external, combo, rec, dir, ctx, measure);
  if (combo.target) {
    const target = combo.target.spec;
    const metrics = target.metricsUrl;
    const tls = metrics ? metricsTls(target, metrics) : undefined;
    return measure(target, target.model ?? ctx.plan.request.model, async () => (metrics ? metricsRssMib(metrics, { ...(tls && { tls }) }) : null));
  }
  const variant = writeVariantRepository(ctx.source!, ctx.spec.model!, combo.config, dir);
  rec.model = variant.model;
  rec.accuracy = variant.accuracy;
  if (ctx.source!.llm) rec.generation = variant.generation;
  const replicas = combo.config.replicas ?? embeddedReplicas(ctx.plan.target);
  const args = ['--model-repository', variant.dir, '--load-model', variant.model, ...(replicas > 1 ? ['--replicas', String(replicas), '--admin-port', '0'] : [])];
  const t0 = Date.now();
  let server: EmbeddedServer;
  try {
    server = await startEmbeddedServer(args, { ...(ctx.opts.signal && { signal: ctx.opts.signal }) });
  } catch (err) {
    if (err instanceof InterruptedError) throw err;
    throw new GauntletError('GAUNTLET_ERR_TARGET_UNREACHABLE', 'the reference server did not start with this configuration', [lastLines((err as Error).message, 8)]);
  }
  rec.startupMs = Date.now() - t0;
  ctx.log(`  server ready in ${(rec.startupMs / 1000).toFixed(1)} s (HTTP 127.0.0.1:${server.httpPort}, gRPC 127.0.0.1:${server.grpcPort})`);
  try {
    return await measure(serverTarget(ctx.plan.target, server, combo.id, variant.model), variant.model, async () => processTreeRssMib(server.child.pid) ?? metricsRssMib(`http://127.0.0.1:${server.metricsPort}/metrics`));
  } finally {
    await server.stop({ ...(ctx.opts.signal && { signal: ctx.opts.signal }) });
  }
}

/**
 * startExternal saves the user's config file before an external sweep writes to it (an unreadable file is a
 * configuration problem, exit 2) and puts the apply steps in the record.
 */
function startExternal(spec: SweepSpec, plan: Plan, dir: string, record: SweepRecord, save: () => void): ExternalRun | undefined {
  if (!spec.external) return undefined;
  let run: ExternalRun;
  try {
    // Restored at an exit that cut the sweep short (a second Ctrl-C): sweep.json says so, still 'running'.
    run = prepareExternal(spec.external, plan, dir, spec.file, save);
  } catch (err) {
    if (err instanceof GauntletError) throw err;
    throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `sweep ${spec.file ?? spec.name}: server.config_file: ${(err as Error).message}`);
  }
  record.sweep.external = run.record;
  return run;
}

/** measureExternal applies a combination of an external sweep to the user's server, then measures the sweep's target. */
async function measureExternal(
  run: ExternalRun,
  combo: Combination,
  rec: ComboRecord,
  dir: string,
  ctx: ComboContext,
  measure: (target: TargetSpec, model: string | undefined, sampleMemory: () => Promise<number | null>) => Promise<Measured>,
): Promise<Measured> {
  rec.apply = {};
  const t0 = Date.now();
  await applyCombination(run, combo.id, combo.variables ?? {}, dir, rec.apply, { ...(ctx.opts.signal && { signal: ctx.opts.signal }), log: ctx.log });
  rec.startupMs = Date.now() - t0;
  ctx.save();
  const metrics = run.target.metricsUrl;
  const tls = metrics ? metricsTls(run.target, metrics) : undefined;
  return measure(run.target, run.model, async () => (metrics ? metricsRssMib(metrics, { ...(tls && { tls }) }) : null));
}

/** serverTarget is a started server as a target, with the client settings (protocol, timeouts) of the scenario's target. */
function serverTarget(base: TargetSpec | EmbeddedTarget, s: EmbeddedServer, id: string, model: string): TargetSpec {
  if (base.protocol === 'openai') {
    // The scenario's openai client settings (endpoint, streaming, timeouts), or an embedded target's defaults.
    const openai = 'embedded' in base ? { endpoint: 'chat' as const, stream: true, includeUsage: true, tokenTimeoutMs: Math.min(OPENAI_DEFAULTS.tokenTimeoutMs, base.timeoutMs) } : base.openai;
    return {
      name: `reference server ${id} (openai)`,
      protocol: 'openai',
      url: `http://127.0.0.1:${s.httpPort}`,
      model,
      binary: false,
      timeoutMs: base.timeoutMs,
      maxInFlight: base.maxInFlight,
      connections: 'embedded' in base ? 0 : base.connections,
      metricsUrl: `http://127.0.0.1:${s.metricsPort}/metrics`,
      ...(openai && { openai }),
    };
  }
  const grpc = base.protocol === 'kserve-grpc';
  return {
    name: `reference server ${id}`,
    protocol: grpc ? 'kserve-grpc' : 'kserve-http',
    url: grpc ? `127.0.0.1:${s.grpcPort}` : `http://127.0.0.1:${s.httpPort}`,
    model,
    binary: base.binary,
    timeoutMs: base.timeoutMs,
    maxInFlight: base.maxInFlight,
    connections: 'embedded' in base ? 0 : base.connections,
    metricsUrl: `http://127.0.0.1:${s.metricsPort}/metrics`,
  };
}

/** costFigures: the combination's cost per hour (its target's, or the sweep's) and per 1M inferences at the SLO. */
function costFigures(combo: Combination, spec: SweepSpec, throughputRps: number): { costPerHour?: number; costPerMillion?: number | null } {
  // A target sweep's targets carry their own price; an external sweep's target may (the sweep's cost_per_hour wins).
  const perHour = combo.target ? combo.target.spec.costPerHour : (spec.costPerHour ?? spec.external?.target?.spec.costPerHour);
  if (perHour === undefined) return {};
  return { costPerHour: perHour, costPerMillion: costPerMillion(perHour, throughputRps) };
}

/** relativeSteps makes the steps' results paths relative to the sweep's folder. */
function relativeSteps(steps: SearchStep[], dir: string): SearchStep[] {
  return steps.map((s) => ({ ...s, ...(s.results && { results: path.relative(dir, s.results) }) }));
}

/** rankedOnCapacity: the ranking reads capacity (throughput or cost), so a ceiling too low matters; tokens_per_s and p99 compare at the scenario's own load. */
function rankedOnCapacity(spec: SweepSpec): boolean {
  return spec.recommend === 'throughput' || spec.recommend === 'cost';
}

function embeddedReplicas(t: TargetSpec | EmbeddedTarget): number {
  return 'embedded' in t ? (t.replicas ?? 1) : 1;
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

function initialRecord(
  spec: SweepSpec,
  plan: Plan,
  combinations: Combination[],
  duplicates: number,
  allowInvalid: boolean,
  search: SweepRecord['sweep']['search'],
  modelRepository: string | undefined,
): SweepRecord {
  return {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    tool: { name: 'gauntlet', version: packageVersion() },
    sweep: {
      name: spec.name,
      ...(spec.file !== undefined && { file: spec.file }),
      ...(spec.description !== undefined && { description: spec.description }),
      scenario: plan.file ?? spec.scenario,
      mode: spec.external ? 'external' : spec.targets ? 'targets' : 'matrix',
      ...(spec.model !== undefined && { model: spec.model }),
      ...(modelRepository !== undefined && { modelRepository }),
      recommend: spec.recommend,
      repeats: spec.repeats,
      ...(spec.costPerHour !== undefined && { costPerHour: spec.costPerHour }),
      durationScale: spec.durationScale,
      ...(search && { search }),
      constraints: spec.constraints,
      allowInvalid,
      duplicatesSkipped: duplicates,
    },
    startedAt: new Date().toISOString(),
    status: 'running',
    combinations: combinations.map((c) => ({
      id: c.id,
      index: c.index,
      config: c.config,
      label: c.variables ? describeVariables(c.variables) : c.target ? `target ${c.target.spec.name} (${c.target.spec.url})` : describeConfig(c.config),
      ...(c.variables && { variables: c.variables }),
      ...(c.target && { target: { name: c.target.spec.name, url: c.target.spec.url, ...(c.target.file !== undefined && { file: c.target.file }) } }),
      status: 'pending',
      dir: c.id,
      results: [],
      figures: null,
    })),
    recommendation: null,
  };
}
