/**
 * runPlan executes a plan end to end: it starts the embedded reference server (or replicated stack) when the
 * plan has no target, puts a TCP proxy in front of the target when the plan has network faults, checks that the
 * target answers, runs the load workers and fires the plan's faults, merges the workers' intervals, scrapes the
 * target's metrics, writes results.json and latency.hlog as the run goes, and returns the verdict with its exit
 * code (faults that fail are recorded, and do not change it).
 * An abort (SIGINT, SIGTERM) is heard in every stage, and every wait on another process or the network is bounded:
 * before the results folder exists (the embedded server's start-up, the preflight check) the run throws an
 * InterruptedError; after it, sending stops, replies in flight get INTERRUPT_GRACE_MS, fault actions and the
 * metrics scrape in progress end, results are written marked interrupted, and the embedded server is stopped
 * with a short grace.
 */
import { metricsTls } from '../metrics/fetch-metrics.js';
import { AlertDrill, checkAlertDrill } from '../alerting/alert-drill.js';
import os from 'node:os';
import path from 'node:path';
import type { AdminEndpoint } from '../faults/admin-client.js';
import { degradationsOf } from '../faults/degradation.js';
import { gracefulRequirement, gracefulVerdicts } from '../faults/graceful.js';
import { damageOf, guardsPass, setDamage } from '../faults/guard-damage.js';
import { analyzeFaults } from '../faults/drill-analysis.js';
import { analyzeSpikes } from '../faults/drill-scale.js';
import { FaultRun } from '../faults/fault-run.js';
import { LoadPool, workersFor } from '../load/load-pool.js';
import { TracePicks } from '../load/trace-picks.js';
import { summarize } from '../metrics/hdr.js';
import { errorCount, RunAggregate } from '../metrics/run-aggregate.js';
import { ServerScraper } from '../metrics/server-scrape.js';
import type { EmbeddedTarget, Plan } from '../scenario/plan.js';
import { GauntletError } from '../errors.js';
import { createClient } from '../targets/registry.js';
import { checkPayloadBudget } from '../targets/tensor-data.js';
import type { TargetSpec } from '../targets/target-spec.js';
import { RESULTS_SCHEMA_VERSION, type ResultsFile, type ScaleEventRecord } from '../results/results-schema.js';
import { HLOG_FILE, ResultsWriter } from '../results/results-writer.js';
import { packageVersion } from '../util/package-version.js';
import { bounded, InterruptedError, isInterrupt, throwIfInterrupted } from './abort.js';
import { SecondStatusBuilder, type SecondStatus } from './second-status.js';
import { type EmbeddedServer, startEmbeddedServer } from './embedded-server.js';
import { EMBEDDED_LLM } from '../scenario/parse-target.js';
import { OPENAI_DEFAULTS } from '../targets/protocol-openai.js';
import { checkedLateFraction, checkSlos, intervalResults, judgeRun, phaseResults } from './evaluate.js';
import { isLocalUrl } from './generator-advice.js';
import { redactTarget } from '../targets/target-headers.js';
import { requestForResults } from '../scenario/parse-mix.js';
import { autoscaleArgs } from '../scenario/parse-autoscale.js';
import { fetchScaleEvents } from './scale-events.js';
import { type ClockOffset, measureClockOffset } from './clock-offset.js';
import { nowMs, shardInfo, type ShardRun, START_LEAD_MS, waitUntil } from './shard-start.js';

export type { SecondStatus } from './second-status.js';

/** RunOptions configure one run. */
export interface RunOptions {
  /** The run's folder (default reports/runs/<UTC time>-<name>/ under the current directory). */
  outDir?: string;
  /** Load workers (default: as many as the peak rate needs, at most the cores). */
  workers?: number;
  /**
   * Aborting stops the run early, in whatever stage it is: before sending it throws an InterruptedError (there is
   * nothing to write); once the results folder exists, results are still written, marked interrupted.
   */
  signal?: AbortSignal;
  /** How long replies in flight may take after an abort (default INTERRUPT_GRACE_MS, at most MAX_INTERRUPT_GRACE_MS). */
  graceMs?: number;
  onLine?: (line: string) => void;
  onSecond?: (s: SecondStatus) => void;
  /** Judge validity by the strict rule (more than 1 % of sends over 1 ms late invalidates the run), not per figure. */
  strictValidity?: boolean;
  /** Run one shard of a sharded run (docs/sharding.md): its share of the load, from the common start. */
  shard?: ShardRun;
}

/** INTERRUPT_GRACE_MS is how long replies in flight may take after an interrupt, by default. */
export const INTERRUPT_GRACE_MS = 500;
/** MAX_INTERRUPT_GRACE_MS caps that grace, so that an interrupted run ends within 2 s. */
export const MAX_INTERRUPT_GRACE_MS = 1000;
/** PREFLIGHT_SLACK_MS is how long past the request timeout the preflight check may take (connecting included). */
export const PREFLIGHT_SLACK_MS = 2000;

/** RunOutcome is a finished run: its results, where they are, and the exit code they call for. */
export interface RunOutcome {
  results: ResultsFile;
  dir: string;
  exitCode: 0 | 1 | 3;
}

/** defaultRunDir names a run's folder after its start time and scenario name. */
export function defaultRunDir(name: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  return path.join('reports', 'runs', `${stamp}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
}

/** runPlan runs the plan and resolves with its outcome; setup failures throw GauntletErrors, early interrupts an InterruptedError. */
export async function runPlan(plan: Plan, opts: RunOptions = {}): Promise<RunOutcome> {
  const log = opts.onLine ?? (() => {});
  const signal = opts.signal;
  throwIfInterrupted(signal, 'starting the run');
  // The alerting drill refuses to start without Prometheus (exit 2) before anything else starts.
  checkAlertDrill(plan.alerts);
  let embedded: EmbeddedServer | undefined;
  let target: TargetSpec;
  let admin: AdminEndpoint | undefined;
  if (opts.shard && 'embedded' in plan.target) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'a sharded run needs an external target that every shard shares, not the embedded server');
  }
  if ('embedded' in plan.target) {
    const models = plan.target.models ?? (plan.request.model ? [plan.request.model] : undefined);
    const replicas = plan.target.replicas ?? plan.target.autoscale?.max;
    log(`starting the embedded reference server${replicas ? ` (${replicas} replicas)` : ''}${models ? ` (models: ${models.join(', ')})` : ''} …`);
    try {
      embedded = await startEmbeddedServer([...(models ? models.flatMap((m) => ['--load-model', m]) : []), ...stackArgs(plan.target), ...modelControlArgs(plan)], { ...(signal && { signal }) });
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      throw new GauntletError('GAUNTLET_ERR_TARGET_UNREACHABLE', `could not start the embedded reference server: ${(err as Error).message}`);
    }
    target = embeddedTargetSpec(plan.target, embedded, plan.request.model);
    if (replicas !== undefined) {
      admin = embedded.adminPort !== undefined && embedded.adminToken !== undefined ? { host: '127.0.0.1', port: embedded.adminPort, token: embedded.adminToken } : undefined;
      if (!admin) {
        await embedded.stop({ ...(signal && { signal }) });
        throw new GauntletError('GAUNTLET_ERR_TARGET_UNREACHABLE', `the embedded stack started without announcing its admin API ('Started Admin API at …'):\n${embedded.output()}`);
      }
    }
    log(`reference server ready: HTTP 127.0.0.1:${embedded.httpPort}, gRPC 127.0.0.1:${embedded.grpcPort}, metrics 127.0.0.1:${embedded.metricsPort}${admin ? `, admin ${admin.host}:${admin.port}` : ''}`);
  } else target = plan.target;
  let faults: FaultRun | undefined;
  let alertDrill: AlertDrill | undefined;
  try {
    throwIfInterrupted(signal, 'starting the run');
    // A shard that does not fire the faults runs as if the scenario had none (its fault timeline is empty).
    faults = await FaultRun.prepare(opts.shard && !opts.shard.faults ? { ...plan, faults: [] } : plan, target, { ...(admin && { admin }), cwd: plan.file ? path.dirname(plan.file) : process.cwd(), log, ...(signal && { signal }), ...(embedded && { repositoryUrl: `http://127.0.0.1:${embedded.httpPort}` }) });
    await preflight(faults.loadTarget, plan, signal);
    const dir = opts.outDir ?? defaultRunDir(plan.name);
    if (plan.alerts && faults.target.metricsUrl) {
      log(`starting Prometheus for the alerting drill (rules ${plan.alerts.rulesFile}) …`);
      alertDrill = await AlertDrill.start(plan.alerts, [faults.target.metricsUrl], dir, signal);
      log(`Prometheus ready at ${alertDrill.url}, scraping ${faults.target.metricsUrl} every second`);
    }
    return await measure(plan, faults, !!embedded, { ...opts, outDir: dir }, log, alertDrill, 'embedded' in plan.target && plan.target.autoscale ? admin : undefined);
  } finally {
    await alertDrill?.close();
    await faults?.close();
    if (embedded) await embedded.stop({ ...(signal && { signal }) });
  }
}

/** modelControlArgs turn on explicit model control when a fault loads or unloads models (the repository extension's load and unload need it). */
function modelControlArgs(plan: Plan): string[] {
  return plan.faults.some((f) => f.action === 'load-model' || f.action === 'unload-model' || f.action === 'set-version-policy') ? ['--model-control-mode', 'explicit'] : [];
}

/** stackArgs are the `gauntlet serve` options of a replicated embedded stack (docs/cluster.md). */
function stackArgs(t: EmbeddedTarget): string[] {
  if (t.autoscale !== undefined) return [...autoscaleArgs(t.autoscale, t.coldStartExtraS), '--admin-port', '0', ...(t.router !== undefined ? ['--router', t.router] : []), ...(t.restartDelayS !== undefined ? ['--restart-delay', String(t.restartDelayS)] : [])];
  if (t.replicas === undefined || t.replicas < 2) return [];
  const args = ['--replicas', String(t.replicas), '--admin-port', '0'];
  if (t.router !== undefined) args.push('--router', t.router);
  if (t.restartDelayS !== undefined) args.push('--restart-delay', String(t.restartDelayS));
  if (t.coldStartExtraS !== undefined) args.push(...autoscaleArgs(undefined, t.coldStartExtraS));
  return args;
}

function embeddedTargetSpec(t: EmbeddedTarget, s: EmbeddedServer, model?: string): TargetSpec {
  if (t.protocol === 'openai') {
    return {
      name: 'embedded reference server (openai)',
      protocol: 'openai',
      url: `http://127.0.0.1:${s.httpPort}`,
      model: t.models?.[0] ?? EMBEDDED_LLM.model,
      binary: false,
      timeoutMs: t.timeoutMs,
      maxInFlight: t.maxInFlight,
      connections: 0,
      metricsUrl: `http://127.0.0.1:${s.metricsPort}/metrics`,
      openai: { endpoint: 'chat', stream: true, includeUsage: true, tokenTimeoutMs: Math.min(OPENAI_DEFAULTS.tokenTimeoutMs, t.timeoutMs) },
    };
  }
  const grpc = t.protocol === 'kserve-grpc';
  const spec: TargetSpec = {
    name: `embedded reference server (${t.protocol}${t.protocol === 'kserve-http' ? (t.binary ? ', binary' : ', JSON') : ''})`,
    protocol: t.protocol,
    url: grpc ? `127.0.0.1:${s.grpcPort}` : `http://127.0.0.1:${s.httpPort}`,
    binary: t.binary,
    timeoutMs: t.timeoutMs,
    maxInFlight: t.maxInFlight,
    connections: 0,
    metricsUrl: `http://127.0.0.1:${s.metricsPort}/metrics`,
  };
  if (model !== undefined) spec.model = model;
  return spec;
}

/**
 * preflight sends the scenario's request once and throws unless the target serves it; it is bounded by the
 * request timeout plus PREFLIGHT_SLACK_MS and ends at once on an interrupt. It builds one payload only (and one
 * per model and size class of the plan's traces, whose first request to each model is checked too), after
 * checking that the workers' payloads fit their budget (exit 2 before anything is sent).
 */
async function preflight(target: TargetSpec, plan: Plan, signal: AbortSignal | undefined): Promise<void> {
  checkPayloadBudget(plan.request);
  const { variants } = new TracePicks(plan.phases);
  const client = createClient(target, { ...plan.request, payloads: 1 }, { seed: plan.seed, ...(variants.length > 0 && { variants }) });
  try {
    await bounded(client.check(), { ...(signal && { signal }), timeoutMs: target.timeoutMs + PREFLIGHT_SLACK_MS, what: 'checking the target' });
  } catch (err) {
    if (err instanceof InterruptedError) throw err;
    throw new GauntletError('GAUNTLET_ERR_TARGET_UNREACHABLE', `target ${target.name} (${target.url}) cannot serve the scenario's request: ${(err as Error).message}`);
  } finally {
    await client.close();
  }
}

async function measure(plan: Plan, faults: FaultRun, embedded: boolean, opts: RunOptions, log: (l: string) => void, alertDrill?: AlertDrill, autoscaler?: AdminEndpoint): Promise<RunOutcome> {
  const target = faults.target;
  const dir = opts.outDir ?? defaultRunDir(plan.name);
  const workers = opts.workers ?? workersFor(plan, os.availableParallelism(), embedded, opts.shard?.spec.count);
  const startedAt = new Date();
  const shard = opts.shard;
  // A shard reads its clock against the target before anything else loads the machine.
  let clockOffset: ClockOffset | undefined;
  if (shard) {
    log(`shard ${shard.spec.index} of ${shard.spec.count}: measuring this clock against ${target.name}'s Date header …`);
    clockOffset = await measureClockOffset(target);
  }
  // A shard's .hlog counts seconds from the common start, like its intervals.
  const writer = new ResultsWriter(dir, shard?.startAtMs ?? startedAt.getTime());
  const agg = new RunAggregate(plan.phases, workers, (row, hist, tokens) => {
    writer.appendInterval(row.second, plan.phases[row.phase]?.name ?? '', hist);
    if (tokens) writer.appendTokenIntervals(row.second, plan.phases[row.phase]?.name ?? '', tokens);
  });
  const pool = new LoadPool(plan, faults.loadTarget, workers, (intervals, worker, through) => agg.add(intervals, worker, through), (s) => agg.stalls.addSecond(s), shard?.spec);
  let interrupted = false;
  let scraper: ServerScraper | undefined;
  // The run's clock: its start (set once the workers are ready) and when an interrupt stopped it.
  let startEpochMs = Date.now();
  let stoppedAtMs: number | undefined;
  let lateMs = 0;
  let scaleEvents: ScaleEventRecord[] | undefined;
  const snapshot = (status: ResultsFile['status']): ResultsFile => {
    const r = buildResults(plan, target, embedded, agg, scraper, pool, faults, workers, startedAt, status, interrupted, { startEpochMs, stoppedAtMs }, opts.strictValidity ? 'strict' : 'effect');
    if (shard && clockOffset) r.shard = shardInfo(shard, startEpochMs, plan.name, plan.seed, lateMs, clockOffset);
    if (alertDrill) {
      // Judging fills each expected episode's delays, so it comes first.
      if (status !== 'running') r.alertDrill = alertDrill.result(plan.phases, r.faults, r.measuredS ?? plan.durationS);
      r.alerts = alertDrill.episodes;
    }
    // Read from the stack once the load has ended: only the final snapshots have them, and every second's histogram.
    if (scaleEvents) {
      r.scaleEvents = scaleEvents;
      r.spikes = analyzeSpikes(plan, r.intervals, scaleEvents);
    }
    return r;
  };
  try {
    await pool.start(opts.signal);
  } catch (err) {
    await pool.terminate();
    if (!isInterrupt(err, opts.signal)) return failedResults(err, agg, writer, snapshot, log);
    // Interrupted while the workers started: nothing was sent, no phase ran, and the results say so.
    interrupted = true;
    stoppedAtMs = startEpochMs;
    log('interrupted: stopping before the first send …');
    return finalResults(agg, writer, snapshot, dir, true);
  }
  if (shard?.startAtMs !== undefined) {
    // The common start: wait for it (the workers wait out the last START_LEAD_MS to the microsecond), or start late
    // on the same schedule and say by how much.
    if (!(await waitUntil(shard.startAtMs - START_LEAD_MS, opts.signal))) {
      await pool.terminate();
      interrupted = true;
      stoppedAtMs = startEpochMs;
      log('interrupted: stopping before the common start …');
      return finalResults(agg, writer, snapshot, dir, true);
    }
    startEpochMs = shard.startAtMs;
    lateMs = Math.max(0, nowMs() - shard.startAtMs);
    if (lateMs > 0) log(`WARNING: shard ${shard.spec.index} reached the common start ${new Date(shard.startAtMs).toISOString()} ${lateMs.toFixed(0)} ms late: its sends due before now go out late`);
  } else startEpochMs = Date.now() + 200;
  scraper = target.metricsUrl ? new ServerScraper(target.metricsUrl, plan.request.model ?? target.model, startEpochMs, 'embedded' in target ? undefined : metricsTls(target, target.metricsUrl)) : undefined;
  scraper?.start();
  alertDrill?.begin(startEpochMs);
  log(`running '${plan.name}' for ${plan.durationS.toFixed(0)} s against ${target.name} with ${workers} load worker(s); results in ${dir}`);
  if (target.tls?.insecureSkipVerify) log(`WARNING: target ${target.name}: tls.insecure_skip_verify is on: the server's certificate is NOT checked; anyone between here and ${target.url} can read and change this traffic`);
  const onAbort = (): void => {
    interrupted = true;
    stoppedAtMs ??= Date.now();
    const grace = Math.min(opts.graceMs ?? INTERRUPT_GRACE_MS, MAX_INTERRUPT_GRACE_MS);
    log(`interrupted: stopping sends and waiting up to ${grace} ms for replies in flight …`);
    pool.stop(grace);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  let lastRows = 0;
  const progress = new SecondStatusBuilder(plan, agg);
  let writeError: Error | undefined;
  const ticker = setInterval(() => {
    try {
      writer.write(snapshot('running'));
    } catch (err) {
      // A full disk or a lack of file descriptors must not end the measurement; the final write tries again.
      if (!writeError) log(`warning: could not write ${dir}/results.json: ${(err as Error).message}`);
      writeError = err as Error;
    }
    if (agg.rows.length > lastRows) {
      lastRows = agg.rows.length;
      const status = progress.next();
      if (status) opts.onSecond?.(status);
    }
  }, 1000);
  faults.start(startEpochMs, dir, () => agg.rows.map((r) => ({ t: r.second, ok: r.ok, failed: Object.values(r.errors).reduce((a, b) => a + b, 0), p99Us: r.latencyUs.p99 })));
  try {
    try {
      await pool.run(startEpochMs);
    } finally {
      clearInterval(ticker);
      opts.signal?.removeEventListener('abort', onAbort);
      await pool.terminate();
      await scraper?.stop({ final: !interrupted });
      await faults.finish();
      await alertDrill?.finish();
      if (autoscaler) scaleEvents = await fetchScaleEvents(autoscaler, startEpochMs, log);
      // The heartbeat bridged the wait above; the final write follows.
      writer.close();
    }
  } catch (err) {
    return failedResults(err, agg, writer, snapshot, log);
  }
  return finalResults(agg, writer, snapshot, dir, interrupted);
}

/**
 * failedResults writes what a run that broke (a load worker died, say) measured until then, as status `failed`,
 * never valid, with the error among the reasons, and throws the error on. Without it, the file would stay
 * `running` until its heartbeat went stale and then read as interrupted.
 */
function failedResults(err: unknown, agg: RunAggregate, writer: ResultsWriter, snapshot: (status: ResultsFile['status']) => ResultsFile, log: (l: string) => void): never {
  try {
    agg.finish();
    const results = snapshot('failed');
    results.endedAt = new Date().toISOString();
    results.valid = false;
    results.invalidReasons.push(`the run failed: ${err instanceof Error ? err.message : String(err)}`);
    writer.write(results);
  } catch (writeErr) {
    log(`warning: could not write the failed run's results: ${(writeErr as Error).message}`);
  } finally {
    writer.close();
  }
  throw err;
}

/** finalResults writes the run's last results.json and returns the outcome with its exit code. */
function finalResults(agg: RunAggregate, writer: ResultsWriter, snapshot: (status: ResultsFile['status']) => ResultsFile, dir: string, interrupted: boolean): RunOutcome {
  agg.finish();
  const results = snapshot(interrupted ? 'interrupted' : 'complete');
  results.endedAt = new Date().toISOString();
  writer.write(results);
  // A failed alerting drill, or a rollout guard's failed verdict (a breach detected too late, a rollback that
  // failed), fails the run like a failed SLO check.
  const exitCode = !results.valid || interrupted ? 3 : results.slo.pass && (results.alertDrill?.pass ?? true) && guardsPass(results) && (gracefulRequirement(results)?.pass ?? true) ? 0 : 1;
  return { results, dir, exitCode };
}

function buildResults(
  plan: Plan,
  target: TargetSpec,
  embedded: boolean,
  agg: RunAggregate,
  scraper: ServerScraper | undefined,
  pool: LoadPool,
  faults: FaultRun,
  workers: number,
  startedAt: Date,
  status: ResultsFile['status'],
  interrupted: boolean,
  clock: { startEpochMs: number; stoppedAtMs: number | undefined },
  rule: 'effect' | 'strict' = 'effect',
): ResultsFile {
  const final = status !== 'running';
  // What the figures cover, on the run's clock: while running, the seconds every load worker has reported (the
  // counts lag the clock by up to a second); once stopped early, up to the stop.
  const reportedS = agg.rows.length ? agg.rows[agg.rows.length - 1]!.second + 1 : 0;
  const stoppedS = clock.stoppedAtMs === undefined ? undefined : Math.max(0, (clock.stoppedAtMs - clock.startEpochMs) / 1000);
  const measuredS = !final ? Math.min(reportedS, stoppedS ?? Infinity) : interrupted ? stoppedS : undefined;
  const phases = phaseResults(plan, agg, scraper?.intervals, final, measuredS);
  degradationsOf(plan, phases).forEach((d, i) => (phases[i]!.degradation = d));
  const t = agg.totals();
  const failed = errorCount(t);
  // Every request sent must have an outcome once the run is over; during the run, replies are still coming.
  const lost = status === 'running' ? 0 : Math.max(0, t.sent - (t.ok + failed - t.dropped));
  const lag = summarize(agg.lagAll());
  const late = checkedLateFraction(agg);
  const stalls = agg.stalls.summary(pool.watchdog.scheduling);
  // Only a watchdog at real-time priority measures the machine alone (docs/results.md): at an ordinary priority its
  // late wake-ups are the busy threads beside it, which must not be blamed on the machine.
  const machineStall =
    stalls.watchdog === 'realtime' ? { maxMs: stalls.maxUs / 1000, ...(stalls.checkedLateSends > 0 && { lateShareInStalls: stalls.checkedLateSendsInStalls / stalls.checkedLateSends }) } : undefined;
  const judged = status === 'running' ? { reasons: [] } : judgeRun(plan, agg, phases, lost, { sendLagUs: lag, checkedLateFraction: late, rule, workers, scheduling: pool.scheduling, localTarget: embedded || isLocalUrl(target.url), ...(machineStall && { machineStall }) });
  const reasons = judged.reasons;
  const results: ResultsFile = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'gauntlet', version: packageVersion() },
    scenario: { name: plan.name, seed: plan.seed, durationScale: plan.durationScale },
    // Header values (API keys) are hidden; a bearer token is never in the plan at all (src/targets/target-headers.ts).
    plan: { ...plan, request: requestForResults(plan.request), target: redactTarget(plan.target) },
    target: { name: target.name, protocol: target.protocol, url: target.url, embedded },
    startedAt: startedAt.toISOString(),
    status,
    interrupted,
    measuredS: Math.min(measuredS ?? plan.durationS, plan.durationS),
    // Not judged while running (the file says null, see ResultsWriter).
    valid: status !== 'running' && reasons.length === 0,
    invalidReasons: reasons,
    validityRule: rule,
    generator: { workers, scheduling: [...pool.scheduling], sendLagUs: lag, lateSends: t.late, lateFraction: t.sent ? t.late / t.sent : 0, checkedLateFraction: late, stalls, ...(judged.advice && { advice: judged.advice }) },
    totals: { scheduled: t.scheduled, sent: t.sent, ok: t.ok, failed, dropped: t.dropped, lost },
    phases,
    slo: checkSlos(plan, phases),
    intervals: intervalResults(plan, agg, final),
    errorSamples: pool.errorSamples,
    faults: faults.records(),
    files: { hlog: HLOG_FILE },
  };
  if (plan.file !== undefined) results.scenario.file = plan.file;
  if (plan.description !== undefined) results.scenario.description = plan.description;
  if (plan.peakRps !== undefined) results.scenario.peakRps = plan.peakRps;
  const model = plan.request.model ?? target.model;
  if (model !== undefined) results.target.model = model;
  if (target.costPerHour !== undefined) results.target.costPerHour = target.costPerHour;
  if ('embedded' in plan.target && plan.target.replicas !== undefined) results.target.replicas = plan.target.replicas;
  const proxy = faults.proxyInfo();
  if (proxy) results.target.proxy = proxy;
  // Drill measurements need every second's histogram: final results only.
  if (final) gracefulVerdicts(plan, phases, results.intervals);
  if (final && results.faults.length > 0) analyzeFaults(results).forEach((d, i) => d && (results.faults[i]!.drill = d));
  if (final) for (const f of results.faults) if (f.guard) setDamage(f.guard, damageOf(f, results.intervals));
  if (scraper) {
    results.server = { metricsUrl: scraper.url, intervals: scraper.intervals };
    if (model !== undefined) results.server.model = model;
    if (scraper.lastError && scraper.intervals.length === 0) results.server.scrapeError = scraper.lastError;
  }
  return results;
}
