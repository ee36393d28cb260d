/**
 * sweep.json: what a sweep ran and measured, rewritten atomically (temp file + rename) after every combination
 * and search step, so it is always a complete document. Paths in it are relative to the sweep's folder.
 * docs/sweeps.md documents every field. Like results.json, a running sweep.json carries a heartbeat that its
 * writer keeps fresh, so a reader can tell a sweep in progress from one whose process died (liveness.ts).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HEARTBEAT_INTERVAL_S, type WriterState } from '../results/liveness.js';
import type { CapacityProbe, RepeatRun } from './measure-combination.js';
import type { RecommendBasis } from './recommend.js';
import type { Heartbeat } from '../results/results-schema.js';
import type { SearchStep } from './rate-search.js';
import type { Figures, Recommendation, Verdict } from './recommend.js';
import type { ApplyRecord, ExternalRecord } from './apply-combination.js';
import type { VarValue } from './config-template.js';
import type { AccuracyDelta } from './repository-variant.js';
import type { GenerationFigures } from './llm-sweep.js';
import type { ComboConfig, Constraints, ResolvedSearch } from './sweep-spec.js';

/** SWEEP_SCHEMA_VERSION is bumped on any incompatible change to sweep.json. */
export const SWEEP_SCHEMA_VERSION = 1;
/** SWEEP_FILE is the name of the sweep's record in its folder. */
export const SWEEP_FILE = 'sweep.json';

/** StepRecord is one search step with the results file it wrote. */
export type StepRecord = SearchStep;

/** ComboRecord is one combination: its settings, where its results are, and its figures. */
export interface ComboRecord {
  id: string;
  index: number;
  /** The swept settings (absent: the base model config's). */
  config: ComboConfig;
  /** The settings for people. */
  label: string;
  /** Matrix sweeps: the model served and inferred on (the precision variant's name). */
  model?: string;
  /** Target sweeps: the target measured. */
  target?: { name: string; url: string; file?: string };
  /** External sweeps: the value of each variable. */
  variables?: Record<string, VarValue>;
  /** External sweeps: what applying the combination did (rendered config, apply command, model load, readiness). */
  apply?: ApplyRecord;
  status: 'pending' | 'running' | 'done' | 'failed' | 'skipped';
  /** Why it failed (the server did not start, its config would not load, the target was unreachable). */
  error?: string;
  /** The combination's folder. */
  dir: string;
  /** Every results.json it wrote (warm-up and search steps included). */
  results: string[];
  /** How long the server took to become ready (ms), for servers the sweep started. */
  startupMs?: number;
  /** Wall-clock seconds the combination took, server start and stop included. */
  elapsedS?: number;
  accuracy?: AccuracyDelta | null;
  /** LLM precision variants: greedy generations against fp32's (config.yaml agreement or agreement.json). */
  generation?: GenerationFigures | null;
  figures: Figures | null;
  search?: { rateRps: number; inconclusive: boolean; note: string; steps: StepRecord[]; ceilingRps?: number; ceilingTooLow?: boolean; notMetRps?: number | null };
  /** The closed-loop probe that set the search's ceiling (to_rps: auto). */
  probe?: CapacityProbe;
  /** Repeats of the deciding run, for run-to-run noise (repeats:). */
  repeats?: RepeatRun[];
  /** The recommendation rule's view (final record only). */
  verdict?: Verdict;
}

/** SweepRecord is the whole sweep.json. */
export interface SweepRecord {
  schemaVersion: number;
  tool: { name: 'gauntlet'; version: string };
  sweep: {
    name: string;
    file?: string;
    description?: string;
    scenario: string;
    mode: 'matrix' | 'targets' | 'external';
    /** External sweeps: the target, the apply steps, and what became of the user's config file. */
    external?: ExternalRecord;
    model?: string;
    modelRepository?: string;
    durationScale: number;
    /** What the recommendation ranked on (absent in records written before it existed: throughput). */
    recommend?: RecommendBasis;
    /** Repeats of each deciding run (absent in older records: none). */
    repeats?: number;
    /** Matrix sweeps: the cost per hour of every combination. */
    costPerHour?: number;
    /** The search as run, bounds resolved. */
    search?: ResolvedSearch;
    constraints: Constraints;
    allowInvalid: boolean;
    /** Matrix combinations left out because they configure the same server as an earlier one. */
    duplicatesSkipped: number;
  };
  startedAt: string;
  endedAt?: string;
  status: 'running' | 'complete' | 'interrupted';
  combinations: ComboRecord[];
  /** The recommendation (final record only; null while running). */
  recommendation: Omit<Recommendation, 'verdicts'> | null;
  /** The writer's heartbeat (absent in records written before it existed). */
  heartbeat?: Heartbeat;
  /** Set by gauntlet's reader, never written: the record was left running (see readSweepRecord in load-inputs.ts). */
  incomplete?: Pick<WriterState, 'state' | 'note'> & { updatedAt: string };
}

/** The running records being kept fresh, by folder. */
const beats = new Map<string, { record: SweepRecord; lastWriteMs: number; timer: NodeJS.Timeout }>();

/**
 * writeSweepRecord replaces sweep.json in `dir` atomically, with a fresh heartbeat. While the record's status is
 * running, it is rewritten at least every HEARTBEAT_INTERVAL_S (a combination can take minutes between two
 * saves); a final status stops that.
 */
export function writeSweepRecord(dir: string, record: SweepRecord): void {
  writeFile(dir, record);
  const key = path.resolve(dir);
  const beat = beats.get(key);
  if (record.status !== 'running') {
    if (beat) clearInterval(beat.timer);
    beats.delete(key);
    return;
  }
  if (beat) {
    beat.record = record;
    beat.lastWriteMs = Date.now();
    return;
  }
  const everyMs = HEARTBEAT_INTERVAL_S * 1000;
  const entry = { record, lastWriteMs: Date.now(), timer: setInterval(() => {
    if (Date.now() - entry.lastWriteMs < everyMs) return;
    try {
      writeFile(dir, entry.record);
      entry.lastWriteMs = Date.now();
    } catch {
      // The next save reports the problem; a missed beat only ages the heartbeat.
    }
  }, everyMs) };
  // The heartbeat never keeps a process alive on its own: when the process ends, the record goes stale.
  entry.timer.unref();
  beats.set(key, entry);
}

function writeFile(dir: string, record: SweepRecord): void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, SWEEP_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  const { incomplete: _reader, ...doc } = record;
  const heartbeat: Heartbeat = { updatedAt: new Date().toISOString(), intervalS: HEARTBEAT_INTERVAL_S, pid: process.pid, host: os.hostname() };
  writeFileSync(tmp, `${JSON.stringify({ ...doc, heartbeat }, null, 1)}\n`);
  renameSync(tmp, file);
}

/** comboState is a combination's validity for people: yes, INVALID, LOWER BOUND, INCONCLUSIVE, FAILED, skipped, pending, running. */
export function comboState(c: ComboRecord): string {
  if (c.status === 'failed') return 'FAILED';
  if (c.status === 'skipped' || c.status === 'pending' || c.status === 'running') return c.status;
  if (!c.figures) return '-';
  if (c.search?.inconclusive) return c.figures.valid ? 'LOWER BOUND' : 'INCONCLUSIVE';
  return c.figures.valid ? 'yes' : 'INVALID';
}
