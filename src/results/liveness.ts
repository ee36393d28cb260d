/**
 * Telling a run that is still going from one whose writer died. A writer that keeps a file `running` rewrites it
 * at least every `heartbeat.intervalS` seconds (results.json: ResultsWriter; sweep.json: writeSweepRecord), so a
 * reader decides from the heartbeat alone, with the writer's process as a quicker witness on the same host:
 *
 * - the heartbeat names this host and its process no longer exists: the writer died (at once, whatever its age);
 * - otherwise, a heartbeat older than STALE_AFTER_INTERVALS intervals (10 s for the 1 s interval) is stale: the
 *   writer died, or its machine or its event loop stopped;
 * - otherwise the run is in progress.
 *
 * Files written before the heartbeat existed (results schemaVersion 1) use the file's modification time.
 */
import os from 'node:os';
import type { Heartbeat } from './results-schema.js';

/** HEARTBEAT_INTERVAL_S is how often a writer rewrites a running file, at least (seconds). */
export const HEARTBEAT_INTERVAL_S = 1;
/** STALE_AFTER_INTERVALS: a running file not rewritten for this many intervals is read as interrupted. */
export const STALE_AFTER_INTERVALS = 10;
/** An interval outside this range in a file is not believed; HEARTBEAT_INTERVAL_S is used instead. */
const INTERVAL_RANGE_S = { min: 0.1, max: 60 } as const;
/** The largest process id any supported system hands out (Linux's pid_max limit, 2^22). */
const MAX_PID = 4_194_304;

/** ReaderEnv is what a reader compares a heartbeat with: now, this host, and whether a process exists here. */
export interface ReaderEnv {
  nowMs: number;
  host: string;
  isAlive: (pid: number) => boolean;
}

/** WriterState is the verdict on a running file's writer. */
export interface WriterState {
  state: 'in-progress' | 'writer-died';
  /** The heartbeat's time (ms since the epoch). */
  updatedAtMs: number;
  /** Seconds since then (0 when the heartbeat lies in the future). */
  ageS: number;
  /** Why, for people. */
  note: string;
}

/** processExists says whether a process with this id exists on this host (EPERM: it does, owned by another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** readerEnv is the real clock, host and process table. */
export function readerEnv(): ReaderEnv {
  return { nowMs: Date.now(), host: os.hostname(), isAlive: processExists };
}

/** heartbeatOf checks a heartbeat read from a file: undefined when it is missing or malformed. */
export function heartbeatOf(value: unknown): (Heartbeat & { updatedAtMs: number }) | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const h = value as Record<string, unknown>;
  const updatedAtMs = typeof h['updatedAt'] === 'string' ? Date.parse(h['updatedAt']) : NaN;
  if (!Number.isFinite(updatedAtMs)) return undefined;
  const i = h['intervalS'];
  const intervalS = typeof i === 'number' && i >= INTERVAL_RANGE_S.min && i <= INTERVAL_RANGE_S.max ? i : HEARTBEAT_INTERVAL_S;
  const pid = typeof h['pid'] === 'number' && Number.isInteger(h['pid']) && h['pid'] > 0 && h['pid'] <= MAX_PID ? h['pid'] : 0;
  const host = typeof h['host'] === 'string' ? h['host'] : '';
  return { updatedAt: h['updatedAt'] as string, updatedAtMs, intervalS, pid, host };
}

/**
 * writerState judges the writer of a file whose status is running, from its heartbeat (or, without one, the
 * file's modification time `mtimeMs`); `subject` names what the file records, for the note.
 */
export function writerState(heartbeat: unknown, mtimeMs: number, env: ReaderEnv, subject: 'run' | 'sweep' = 'run'): WriterState {
  const hb = heartbeatOf(heartbeat);
  const updatedAtMs = hb?.updatedAtMs ?? mtimeMs;
  const intervalS = hb?.intervalS ?? HEARTBEAT_INTERVAL_S;
  const ageS = Math.max(0, (env.nowMs - updatedAtMs) / 1000);
  const at = new Date(updatedAtMs).toISOString();
  const who = hb && hb.pid > 0 ? `process ${hb.pid} on ${hb.host || 'an unnamed host'}` : 'its writer';
  const what = subject === 'run' ? 'its results' : 'its record';
  if (hb && hb.pid > 0 && hb.host === env.host && !env.isAlive(hb.pid)) {
    return { state: 'writer-died', updatedAtMs, ageS, note: `the ${subject} stopped updating ${what} at ${at}, and ${who} is gone — killed?` };
  }
  const staleS = STALE_AFTER_INTERVALS * intervalS;
  if (ageS > staleS) {
    const since = hb ? `its heartbeat is ${ageS.toFixed(0)} s old (stale after ${staleS} s)` : `the file was last changed ${ageS.toFixed(0)} s ago (stale after ${staleS} s; it predates heartbeats)`;
    return { state: 'writer-died', updatedAtMs, ageS, note: `the ${subject} stopped updating ${what} at ${at}: ${since} — killed?` };
  }
  return { state: 'in-progress', updatedAtMs, ageS, note: `the ${subject} is still in progress: ${who} updated ${what} ${ageS.toFixed(0)} s ago (at ${at})` };
}
