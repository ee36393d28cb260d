/**
 * Synthetic shard files for `gauntlet merge` tests and benchmarks: a shard's results.json and latency.hlog made
 * by the project's own recorder, aggregate, evaluation and writer from requests whose latencies the caller
 * chooses, so the merged figures can be checked against known values.
 */
import { IntervalRecorder } from '../../src/load/interval-recorder.js';
import { summarize } from '../../src/metrics/hdr.js';
import { errorCount, RunAggregate } from '../../src/metrics/run-aggregate.js';
import { RESULTS_SCHEMA_VERSION, type ResultsFile, type ShardInfo } from '../../src/results/results-schema.js';
import { HLOG_FILE, ResultsWriter } from '../../src/results/results-writer.js';
import { checkedLateFraction, checkSlos, intervalResults, judgeRun, phaseResults } from '../../src/run/evaluate.js';
import { parseScenario } from '../../src/scenario/parse-scenario.js';
import type { Plan } from '../../src/scenario/plan.js';

/** SyntheticRequest is one request of a shard: its phase, intended send time (µs from t = 0), latency and outcome. */
export interface SyntheticRequest {
  phase: number;
  intendedUs: number;
  latencyUs: number;
  /** OK unless given (an error code such as HTTP_503). */
  code?: string;
  lagUs?: number;
}

/** syntheticPlan parses a scenario of `phases` (name, seconds, rps) with an SLO, against the embedded target; `faults` are YAML list items. */
export function syntheticPlan(phases: { name: string; s: number; rps: number }[], name = 'synthetic', seed = 7, faults: string[] = []): Plan {
  const yaml = [
    `name: ${name}`,
    `seed: ${seed}`,
    'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 256]}]}',
    'slo: {p99_ms: 100, error_rate: 0.01}',
    'phases:',
    ...phases.map((p) => `  - {name: ${p.name}, duration: ${p.s}s, rate: ${p.rps}}`),
    ...(faults.length ? ['faults:', ...faults.map((f) => `  - ${f}`)] : []),
  ].join('\n');
  return parseScenario(yaml, { baseDir: '.' });
}

/** shardInfo is a ShardInfo with a measured, punctual clock unless `over` says otherwise. */
export function shardInfo(index: number, count: number, over: Partial<ShardInfo> = {}): ShardInfo {
  return {
    index,
    count,
    runId: 'feedc0de12345678',
    startAt: '2026-12-05T10:00:00.000Z',
    lateMs: 0,
    clock: { method: 'date-header', offsetMs: 1, uncertaintyMs: 2, reference: 'http://127.0.0.1:8000' },
    faults: index === 0,
    ...over,
  };
}

/** writeSyntheticShard writes a complete shard's folder holding exactly `requests`, and returns its results. */
export function writeSyntheticShard(dir: string, plan: Plan, shard: ShardInfo | undefined, requests: Iterable<SyntheticRequest>): ResultsFile {
  const writer = new ResultsWriter(dir, shard ? Date.parse(shard.startAt) : Date.now());
  const agg = new RunAggregate(plan.phases, 1, (row, hist) => writer.appendInterval(row.second, plan.phases[row.phase]!.name, hist));
  const rec = new IntervalRecorder(0);
  for (const r of requests) {
    const sentUs = r.intendedUs + (r.lagUs ?? 0);
    rec.scheduled(r.phase, r.intendedUs);
    rec.sent(r.phase, r.intendedUs, sentUs);
    rec.outcome(r.phase, r.intendedUs, { code: r.code ?? 'OK', sentUs, doneUs: r.intendedUs + r.latencyUs });
  }
  agg.add(rec.take(), 0, Math.ceil(plan.durationS) + 1);
  agg.finish();
  const phases = phaseResults(plan, agg);
  const t = agg.totals();
  const lag = summarize(agg.lagAll());
  const late = checkedLateFraction(agg);
  const reasons = judgeRun(plan, agg, phases, 0, { sendLagUs: lag, checkedLateFraction: late, workers: 1, localTarget: true }).reasons;
  const results: ResultsFile = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'gauntlet', version: '0.0.0-synthetic' },
    scenario: { name: plan.name, seed: plan.seed, durationScale: 1 },
    plan,
    target: { name: 'embedded reference server (kserve-http, JSON)', protocol: 'kserve-http', url: 'http://127.0.0.1:8000', embedded: true },
    startedAt: shard?.startAt ?? new Date().toISOString(),
    endedAt: new Date((shard ? Date.parse(shard.startAt) : Date.now()) + plan.durationS * 1000).toISOString(),
    status: 'complete',
    interrupted: false,
    measuredS: plan.durationS,
    valid: reasons.length === 0,
    invalidReasons: reasons,
    validityRule: 'effect',
    generator: { workers: 1, scheduling: ['normal'], sendLagUs: lag, lateSends: t.late, lateFraction: t.sent ? t.late / t.sent : 0, checkedLateFraction: late },
    totals: { scheduled: t.scheduled, sent: t.sent, ok: t.ok, failed: errorCount(t), dropped: t.dropped, lost: 0 },
    phases,
    slo: checkSlos(plan, phases),
    intervals: intervalResults(plan, agg),
    errorSamples: [],
    faults: [],
    files: { hlog: HLOG_FILE },
    ...(shard && { shard }),
  };
  writer.write(results);
  return results;
}

/** evenRequests spreads `rps` requests per second over each phase, with latencies from `latencyUs(i)`. */
export function* evenRequests(plan: Plan, latencyUs: (i: number, phase: number) => number, offsetUs = 0): Generator<SyntheticRequest> {
  let i = 0;
  for (const [phase, p] of plan.phases.entries()) {
    const rps = p.load.kind === 'open' && p.load.shape.type === 'constant' ? p.load.shape.rps : 1;
    const n = Math.round(rps * p.durationS);
    for (let k = 0; k < n; k++) yield { phase, intendedUs: p.startS * 1e6 + offsetUs + (k * 1e6) / rps, latencyUs: latencyUs(i++, phase) };
  }
}
