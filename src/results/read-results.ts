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
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.phases) || typeof doc.schemaVersion !== 'number' || !Array.isArray(doc.intervals) || typeof doc.plan !== 'object' || !Array.isArray(doc.slo?.checks)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} is not a gauntlet results.json`);
  }
  if (!READABLE_RESULTS_VERSIONS.includes(doc.schemaVersion)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file} has results schemaVersion ${doc.schemaVersion}; this gauntlet reads ${READABLE_RESULTS_VERSIONS.join(' and ')}`);
  }
  if (doc.schemaVersion === 1) upgradeV1(doc);
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
