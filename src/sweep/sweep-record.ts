/**
 * sweep.json: what a sweep ran and measured, rewritten atomically (temp file + rename) after every combination
 * and search step, so it is always a complete document. Paths in it are relative to the sweep's folder.
 * docs/sweeps.md documents every field.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SearchStep } from './rate-search.js';
import type { Figures, Recommendation, Verdict } from './recommend.js';
import type { AccuracyDelta } from './repository-variant.js';
import type { ComboConfig, Constraints, SearchSpec } from './sweep-spec.js';

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
  figures: Figures | null;
  search?: { rateRps: number; inconclusive: boolean; note: string; steps: StepRecord[] };
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
    mode: 'matrix' | 'targets';
    model?: string;
    modelRepository?: string;
    durationScale: number;
    /** The search as run, bounds resolved. */
    search?: SearchSpec & { p99Ms: number; errorRate: number };
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
}

/** writeSweepRecord replaces sweep.json in `dir` atomically. */
export function writeSweepRecord(dir: string, record: SweepRecord): void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, SWEEP_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 1)}\n`);
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
