/**
 * readResults: the one way gauntlet reads a results.json (reports, gates, baselines). It reads every version in
 * READABLE_RESULTS_VERSIONS, upgrading older ones in memory, and never refuses a file because its run did not
 * finish: a file left `running` is judged by its heartbeat (liveness.ts) as in progress or as interrupted (its
 * writer died), gets `incomplete` set and `valid` false, and has its latency histograms rebuilt from latency.hlog.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { GauntletError } from '../errors.js';
import { readHlogLines, rebuildHistograms } from './hlog-read.js';
import { type ReaderEnv, readerEnv, writerState } from './liveness.js';
import { tokenWindow } from './phase-drain.js';
import { perSecond, phaseSpan } from './phase-span.js';
import { READABLE_RESULTS_VERSIONS, type ResultsFile } from './results-schema.js';
import { HLOG_FILE } from './results-writer.js';

/** readResults reads and checks a results.json file; `env` (clock, host, process table) is for tests. */
export function readResults(file: string, env: ReaderEnv = readerEnv()): ResultsFile {
  let doc: ResultsFile;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
  } catch (err) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `cannot read results ${file}: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.schemaVersion !== 'number') throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} is not a gauntlet results.json`);
  if (!READABLE_RESULTS_VERSIONS.includes(doc.schemaVersion)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} has results schemaVersion ${doc.schemaVersion}; this gauntlet reads ${READABLE_RESULTS_VERSIONS.slice(0, -1).join(', ')} and ${READABLE_RESULTS_VERSIONS.at(-1)}`);
  }
  const problems = shapeProblems(doc);
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} is not a gauntlet results.json`, problems);
  if (doc.schemaVersion === 1) upgradeV1(doc);
  if (doc.schemaVersion <= 2) upgradeTokenRates(doc);
  if (doc.status === 'running') markIncomplete(doc, file, env);
  // Version 2 writes null while running; anything but true is not a judged, valid measurement.
  doc.valid = doc.valid === true;
  return doc;
}

/**
 * upgradeV1 gives a version 1 file what version 2 writes: how much of each phase ran, rates over that time, and
 * not-run SLO checks for phases that never started. Version 1 did not record when an interrupted run stopped:
 * the end of its last second with data stands for it (up to a second late).
 */
function upgradeV1(doc: ResultsFile): void {
  const stopped = doc.status === 'interrupted' || doc.status === 'running';
  let end = 0;
  for (const row of doc.intervals) if (row.t + 1 > end) end = row.t + 1;
  const planned = typeof doc.plan.durationS === 'number' ? doc.plan.durationS : end;
  doc.measuredS = stopped ? Math.min(end, planned) : planned;
  for (const p of doc.phases) {
    const span = phaseSpan(p, stopped ? doc.measuredS : undefined, p.scheduled + p.sent + p.dropped);
    p.state = span.state;
    p.elapsedS = span.elapsedS;
    if (span.state === 'complete') continue;
    p.offeredRps = perSecond(p.kind === 'open' ? p.scheduled : p.sent, span.elapsedS);
    p.achievedRps = perSecond(p.sent, span.elapsedS);
    p.throughputRps = perSecond(p.ok, span.elapsedS);
  }
  for (const c of doc.slo.checks) {
    const p = doc.phases.find((x) => x.name === c.phase);
    if (p?.state === 'not-run') {
      c.actual = null;
      c.pass = null;
    } else if (p?.state === 'partial') {
      c.partial = true;
      if (c.metric === 'throughput') {
        c.actual = p.throughputRps;
        c.pass = p.throughputRps >= c.threshold;
      }
    }
  }
  doc.slo.pass = doc.slo.checks.every((c) => c.pass !== false);
}

/**
 * upgradeTokenRates gives a version 1 or 2 file what version 3 writes: each phase's output tokens/s over the
 * tokens that arrived within its window (the per-second rows say when), its drained backlog apart, and its
 * `output_tokens_per_s` SLO check judged again on that figure.
 */
function upgradeTokenRates(doc: ResultsFile): void {
  let judged = false;
  for (const p of doc.phases) {
    const t = p.tokens;
    if (!t || t.outputTokensAfterPhase !== undefined) continue;
    const elapsedS = p.elapsedS ?? p.durationS;
    const all = doc.intervals.filter((r) => r.tokens).map((r) => ({ t: r.t, phase: r.phase, outputTokens: r.tokens!.outputTokens }));
    Object.assign(t, tokenWindow(all, all.filter((r) => r.phase === p.name), p.startS, p.startS + elapsedS));
    t.outputTokensPerS = perSecond(t.outputTokensInWindow, elapsedS);
    for (const c of doc.slo.checks) {
      if (c.phase !== p.name || c.metric !== 'output_tokens_per_s' || c.pass === null) continue;
      c.actual = t.outputTokensPerS;
      c.pass = c.actual >= c.threshold;
      judged = true;
    }
  }
  if (judged) doc.slo.pass = doc.slo.checks.every((c) => c.pass !== false);
}

/** markIncomplete judges the writer of a running file and fills in what can be rebuilt (see the module comment). */
function markIncomplete(doc: ResultsFile, file: string, env: ReaderEnv): void {
  let mtimeMs = env.nowMs;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    // Read a moment ago: the heartbeat decides.
  }
  const writer = writerState(doc.heartbeat, mtimeMs, env);
  // files.hlog is a name in the run's folder; anything else (a path) is not followed.
  const name = typeof doc.files?.hlog === 'string' && doc.files.hlog === path.basename(doc.files.hlog) && doc.files.hlog !== '..' ? doc.files.hlog : HLOG_FILE;
  const log = readHlogLines(path.join(path.dirname(file), name));
  const rebuilt = rebuildHistograms(doc, log.lines);
  let lastRow: number | null = null;
  for (const row of doc.intervals) if (lastRow === null || row.t > lastRow) lastRow = row.t;
  const last = rebuilt.lastSecond === null ? lastRow : lastRow === null ? rebuilt.lastSecond : Math.max(rebuilt.lastSecond, lastRow);
  const plannedEnd = Math.ceil(doc.plan.durationS) - 1;
  const from = last === null ? 0 : last + 1;
  const t = doc.totals;
  const problem = [log.problem, rebuilt.problem].filter(Boolean).join('; ');
  doc.incomplete = {
    state: writer.state,
    updatedAt: new Date(writer.updatedAtMs).toISOString(),
    ageS: Math.round(writer.ageS * 10) / 10,
    note: writer.note,
    measuredS: doc.measuredS ?? from,
    missingSeconds: from <= plannedEnd ? { from, to: plannedEnd } : null,
    unaccounted: Math.max(0, t.sent - (t.ok + t.failed - t.dropped)),
    hlog: { lines: rebuilt.lines, lastSecond: rebuilt.lastSecond, ...(problem && { problem }) },
  };
  doc.valid = false;
  if (writer.state !== 'writer-died') return;
  doc.status = 'interrupted';
  doc.interrupted = true;
  for (const f of doc.faults ?? []) {
    if (f.outcome === 'pending') {
      f.outcome = 'skipped';
      f.detail = 'not started: the run stopped before it was due';
    } else if (f.outcome === 'running') f.detail = `${f.detail ? `${f.detail}; ` : ''}the run stopped while it ran, so its outcome is unknown`;
  }
}

/** tokenProblems checks a phase's tokens block (PhaseTokens) as far as the summary, reports and gates read it. */
function tokenProblems(
  t: unknown,
  where: string,
  isObj: (v: unknown) => v is Record<string, unknown>,
  need: (v: unknown, where: string, keys: string[], kind: 'number' | 'string') => void,
  out: string[],
): void {
  need(t, where, ['requests', 'outputTokensPerS', 'inputTokensTotal', 'outputTokensTotal'], 'number');
  need(t, where, ['countedBy'], 'string');
  if (!isObj(t)) return;
  for (const k of ['ttftUs', 'itlUs', 'tpotUs']) need(t[k], `${where}.${k}`, ['count', 'p50', 'p99', 'max'], 'number');
  need(t['goodput'], `${where}.goodput`, ['good', 'fraction', 'rps'], 'number');
  for (const k of ['outputTokensInWindow', 'outputTokensAfterPhase', 'drainS']) if (t[k] !== undefined && (typeof t[k] !== 'number' || !Number.isFinite(t[k]) || t[k] < 0)) out.push(`${where}.${k}: must be a finite number, at least 0`);
  if (t['histograms'] !== undefined && !isObj(t['histograms'])) out.push(`${where}.histograms: must be an object`);
}

/** MAX_SHAPE_PROBLEMS bounds how many problems of a malformed file are listed. */
const MAX_SHAPE_PROBLEMS = 10;

/**
 * shapeProblems checks what every reader relies on (the fields a report, gate or baseline reads without further
 * checks), so a damaged or foreign file is refused with its paths rather than crashing a report.
 */
function shapeProblems(doc: ResultsFile): string[] {
  const out: string[] = [];
  const o = doc as unknown as Record<string, unknown>;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const need = (v: unknown, where: string, keys: string[], kind: 'number' | 'string'): void => {
    if (!isObj(v)) out.push(`${where}: must be an object`);
    else for (const k of keys) if (typeof v[k] !== kind || (kind === 'number' && !Number.isFinite(v[k]))) out.push(`${where}.${k}: must be a ${kind === 'number' ? 'finite number' : 'string'}`);
  };
  need(o['plan'], 'plan', ['durationS'], 'number');
  need(o['scenario'], 'scenario', ['name'], 'string');
  need(o['target'], 'target', ['name', 'protocol', 'url'], 'string');
  need(o['totals'], 'totals', ['scheduled', 'sent', 'ok', 'failed', 'dropped', 'lost'], 'number');
  need(o['generator'], 'generator', ['workers', 'lateFraction'], 'number');
  if (!isObj(o['slo']) || !Array.isArray(o['slo']['checks'])) out.push('slo.checks: must be a list');
  else (o['slo']['checks'] as unknown[]).forEach((c, i) => need(c, `slo.checks[${i}]`, ['phase', 'metric', 'unit'], 'string'));
  for (const key of ['phases', 'intervals', 'invalidReasons', 'errorSamples'] as const) if (!Array.isArray(o[key])) out.push(`${key}: must be a list`);
  if (o['faults'] !== undefined && !Array.isArray(o['faults'])) out.push('faults: must be a list');
  if (Array.isArray(o['phases'])) {
    (o['phases'] as unknown[]).forEach((p, i) => {
      if (!isObj(p)) return void out.push(`phases[${i}]: must be an object`);
      need(p, `phases[${i}]`, ['name', 'kind'], 'string');
      need(p, `phases[${i}]`, ['startS', 'durationS', 'scheduled', 'sent', 'ok', 'dropped', 'offeredRps', 'achievedRps', 'throughputRps', 'errorRate'], 'number');
      need(p['latencyUs'], `phases[${i}].latencyUs`, ['count', 'p50', 'p99', 'max'], 'number');
      if (!isObj(p['errors'])) out.push(`phases[${i}].errors: must be an object`);
      if (p['tokens'] !== undefined) tokenProblems(p['tokens'], `phases[${i}].tokens`, isObj, need, out);
    });
  }
  if (Array.isArray(o['intervals'])) {
    (o['intervals'] as unknown[]).forEach((r, i) => {
      if (!isObj(r)) return void out.push(`intervals[${i}]: must be an object`);
      need(r, `intervals[${i}]`, ['t', 'offeredRps', 'sentRps', 'okRps'], 'number');
      need(r['latencyUs'], `intervals[${i}].latencyUs`, ['count', 'p50', 'p99', 'max'], 'number');
      if (!isObj(r['errors'])) out.push(`intervals[${i}].errors: must be an object`);
      if (r['tokens'] !== undefined) {
        need(r['tokens'], `intervals[${i}].tokens`, ['requests', 'good', 'outputTokens'], 'number');
        if (isObj(r['tokens'])) for (const k of ['ttftUs', 'itlUs']) need(r['tokens'][k], `intervals[${i}].tokens.${k}`, ['p50', 'p99'], 'number');
      }
    });
  }
  return out.length > MAX_SHAPE_PROBLEMS ? [...out.slice(0, MAX_SHAPE_PROBLEMS), `…and ${out.length - MAX_SHAPE_PROBLEMS} more`] : out;
}
