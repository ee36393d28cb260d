/**
 * mergeShards builds one results.json from the shard files of a sharded run: the shards' measurements are
 * merged into one aggregate (shard-aggregate.ts) and evaluated by the run's own code (phase figures, per-second
 * rows, validity, SLO checks, degradation), the drill analysis runs again on the merged seconds with the fault
 * timeline of the shard that ran the faults, and the shards' own verdicts join the validity (merge-validity.ts).
 */
import { degradationsOf } from '../faults/degradation.js';
import { analyzeFaults } from '../faults/drill-analysis.js';
import { gracefulVerdicts } from '../faults/graceful.js';
import { summarize } from '../metrics/hdr.js';
import { errorCount } from '../metrics/run-aggregate.js';
import { RESULTS_SCHEMA_VERSION, type FaultRecord, type ResultsFile } from '../results/results-schema.js';
import { HLOG_FILE, ResultsWriter } from '../results/results-writer.js';
import { checkedLateFraction, checkSlos, intervalResults, judgeRun, phaseResults } from '../run/evaluate.js';
import { isLocalUrl } from '../run/generator-advice.js';
import { packageVersion } from '../util/package-version.js';
import { shardVerdict } from './merge-validity.js';
import type { ShardInput } from './read-shards.js';
import { type MergedSecond, shardAggregate, summaryFallback, upperBound } from './shard-aggregate.js';

/** MAX_ERROR_SAMPLES caps the error samples carried over from all shards together. */
export const MAX_ERROR_SAMPLES = 100;

/** Merged is the merged results and the per-second histograms its .hlog is written from. */
export interface Merged {
  results: ResultsFile;
  seconds: MergedSecond[];
}

/** mergeShards merges shards (sorted by index, checked by readShards); maxSkewMs bounds clock error and lateness. */
export function mergeShards(shards: readonly ShardInput[], maxSkewMs: number): Merged {
  const base = shards[0]!.results;
  const plan = base.plan;
  const { agg, seconds, damaged } = shardAggregate(plan, shards);
  const verdict = shardVerdict(shards, maxSkewMs);
  const complete = verdict.merged.complete;
  const stopped = shards.filter((s) => s.results.status !== 'complete').map((s) => s.results.measuredS ?? 0);
  const measuredS = stopped.length ? Math.min(...stopped) : undefined;
  const server = shards.find((s) => s.results.server)?.results.server;
  const phases = phaseResults(plan, agg, server?.intervals ?? [], true, measuredS);
  degradationsOf(plan, phases).forEach((d, i) => (phases[i]!.degradation = d));
  const ttfbOld = summaryFallback(plan, shards, 'ttfb');
  const lagOld = summaryFallback(plan, shards, 'sendLag');
  phases.forEach((p, i) => {
    if (ttfbOld[i]) p.ttfbUs = ttfbOld[i];
    if (lagOld[i]) p.sendLagUs = lagOld[i];
  });
  const t = agg.totals();
  const lost = shards.reduce((n, s) => n + s.results.totals.lost, 0);
  const lag = lagOld.some((x) => x) ? upperBound(shards.map((s) => s.results.generator.sendLagUs)) : summarize(agg.lagAll());
  const late = checkedLateFraction(agg);
  const workers = shards.reduce((n, s) => n + s.results.generator.workers, 0);
  const scheduling = shards.flatMap((s) => s.results.generator.scheduling ?? []);
  const rule = base.validityRule ?? 'strict';
  const judged = judgeRun(plan, agg, phases, lost, { sendLagUs: lag, checkedLateFraction: late, rule, localTarget: base.target.embedded || isLocalUrl(base.target.url) });
  // Advice is about one machine (its workers against its cores): each shard's own, naming it.
  const advice = shards.flatMap((s) => (s.results.generator.advice ? [`shard ${s.results.shard.index}: ${s.results.generator.advice}`] : [])).join('; ');
  const reasons = [...judged.reasons, ...verdict.reasons, ...damaged];
  const shardStalls = shards.flatMap((s) => (s.results.generator.stalls ? [{ index: s.results.shard.index, stalls: s.results.generator.stalls }] : []));
  const results: ResultsFile = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'gauntlet', version: packageVersion() },
    scenario: { ...base.scenario },
    plan,
    target: { ...base.target },
    startedAt: base.shard.startAt,
    status: complete ? 'complete' : 'interrupted',
    interrupted: !complete,
    measuredS: Math.min(measuredS ?? plan.durationS, plan.durationS),
    valid: reasons.length === 0,
    invalidReasons: reasons,
    validityRule: rule,
    generator: {
      workers,
      scheduling,
      sendLagUs: lag,
      lateSends: t.late,
      lateFraction: t.sent ? t.late / t.sent : 0,
      checkedLateFraction: late,
      ...(advice && { advice }),
      ...(shardStalls.length && { shardStalls }),
    },
    totals: { scheduled: t.scheduled, sent: t.sent, ok: t.ok, failed: errorCount(t), dropped: t.dropped, lost },
    phases,
    slo: checkSlos(plan, phases),
    intervals: intervalResults(plan, agg, true),
    errorSamples: shards.flatMap((s) => s.results.errorSamples ?? []).slice(0, MAX_ERROR_SAMPLES),
    faults: faultTimeline(shards),
    files: { hlog: HLOG_FILE },
    merged: verdict.merged,
  };
  if (server) results.server = server;
  const endedAt = latest(shards.map((s) => s.results.endedAt));
  if (endedAt) results.endedAt = endedAt;
  gracefulVerdicts(plan, phases, results.intervals);
  if (results.faults.length > 0) analyzeFaults(results).forEach((d, i) => d && (results.faults[i]!.drill = d));
  return { results, seconds };
}

/** faultTimeline is the fault records of the lowest-index shard that ran the faults, without their old drill figures. */
function faultTimeline(shards: readonly ShardInput[]): FaultRecord[] {
  const runner = shards.find((s) => s.results.shard.faults && s.results.faults.length > 0) ?? shards.find((s) => s.results.faults.length > 0);
  return (runner?.results.faults ?? []).map(({ drill: _old, ...f }) => f);
}

function latest(times: (string | undefined)[]): string | undefined {
  const ms = times.filter((t): t is string => t !== undefined).map((t) => Date.parse(t)).filter((t) => Number.isFinite(t));
  return ms.length ? new Date(Math.max(...ms)).toISOString() : undefined;
}

/** writeMerged writes the merged results.json and its latency.hlog (one line per merged second and phase). */
export function writeMerged(dir: string, merged: Merged): void {
  const r = merged.results;
  const writer = new ResultsWriter(dir, Date.parse(r.startedAt));
  for (const s of merged.seconds) {
    const name = r.plan.phases[s.phase]?.name ?? '';
    writer.appendInterval(s.second, name, s.latency);
    if (s.tokens) writer.appendTokenIntervals(s.second, name, s.tokens);
  }
  writer.write(r);
}
