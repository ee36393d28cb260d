/**
 * `gauntlet merge` as a user runs it (the compiled CLI) on shard files written by the project's own recorder and
 * writer: a glob merges into a file that `report`, `baseline save` and `gate` take; files that are not one
 * sharded run are refused with exit 2, naming them; a missing or unfinished shard makes the merge incomplete
 * (exit 2, or written invalid with --allow-incomplete); a shard whose clock is off makes it invalid.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evenRequests, shardInfo, syntheticPlan, writeSyntheticShard } from '../../../bench/lib/synthetic-shards.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { gauntlet } from '../../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-merge-cli-'));
const plan = syntheticPlan([
  { name: 'warm', s: 1, rps: 20 },
  { name: 'steady', s: 3, rps: 40 },
]);
const shardDir = (k: number): string => path.join(dir, 'run', `shard-${k}`);
for (const k of [0, 1, 2]) writeSyntheticShard(shardDir(k), plan, shardInfo(k, 3), evenRequests(plan, (i) => 2000 + ((i * 37 + k * 11) % 5000), k * 100));

/** variant copies shard k's folder to `name` and edits its results.json; returns the file. */
function variant(k: number, name: string, edit: (r: ResultsFile) => void): string {
  const to = path.join(dir, 'variants', name);
  mkdirSync(path.dirname(to), { recursive: true });
  cpSync(shardDir(k), to, { recursive: true });
  const file = path.join(to, 'results.json');
  const r = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
  edit(r);
  writeFileSync(file, JSON.stringify(r));
  return file;
}
const shardFile = (k: number): string => path.join(shardDir(k), 'results.json');

describe('gauntlet merge (CLI)', () => {
  it('merges a quoted glob into a results.json that report, baseline save and gate accept', async () => {
    const out = path.join(dir, 'merged');
    const merged = await gauntlet(['merge', path.join(dir, 'run', 'shard-*'), '--out', out]);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(/merged 3 of 3 shard\(s\) of 'synthetic'/);
    const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(r.merged?.complete).toBe(true);
    expect(r.totals.sent).toBe(3 * (20 + 3 * 40));
    const md = await gauntlet(['report', out, '--format', 'md', '--out', '-']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('synthetic');
    const baseline = path.join(dir, 'baseline.json');
    const saved = await gauntlet(['baseline', 'save', out, out, out, '--out', baseline]);
    expect(saved.stderr).toBe('');
    expect(saved.code).toBe(0);
    const gated = await gauntlet(['gate', out, '--baseline', baseline]);
    expect(gated.stderr).toBe('');
    expect(gated.code).toBe(0);
  });

  it.each([
    ['different scenario names', () => [shardFile(0), shardFile(1), variant(2, 'name', (r) => (r.scenario.name = 'other'))], /scenarios \(name and seed\) differ/],
    ['different seeds', () => [shardFile(0), shardFile(1), variant(2, 'seed', (r) => (r.scenario.seed = 99))], /scenarios \(name and seed\) differ/],
    ['different plans', () => [shardFile(0), shardFile(1), variant(2, 'plan', (r) => (r.plan.phases[1]!.durationS = 9))], /plans differ/],
    ['different runIds', () => [shardFile(0), shardFile(1), variant(2, 'runid', (r) => (r.shard!.runId = '0123456789abcdef'))], /runIds differ/],
    ['the same shard twice', () => [shardFile(0), shardFile(1), variant(1, 'twice', () => {})], /shard 1 is given 2 times/],
    ['shard counts that disagree', () => [shardFile(0), shardFile(1), variant(2, 'count', (r) => (r.shard!.count = 4))], /shard counts differ/],
    ['a file without shard info', () => [shardFile(0), shardFile(1), variant(2, 'noshard', (r) => delete r.shard)], /has no shard info/],
    ['an index out of range', () => [shardFile(0), shardFile(1), variant(2, 'range', (r) => (r.shard!.index = 3))], /shard\.index: must be/],
  ])('refuses %s with exit 2, naming the files', async (_what, files, message) => {
    const named = files();
    const r = await gauntlet(['merge', ...named, '--out', path.join(dir, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(named[2]!);
  });

  it('lists every problem of unreadable and non-results files at once', async () => {
    const notResults = path.join(dir, 'not-results.json');
    writeFileSync(notResults, '{"hello": 1}');
    const missing = path.join(dir, 'nowhere', 'results.json');
    const r = await gauntlet(['merge', shardFile(0), notResults, missing, path.join(dir, 'no-such-*')]);
    expect(r.code).toBe(2);
    for (const f of [notResults, missing, 'no-such-*']) expect(r.stderr).toContain(f);
  });

  it('refuses an incomplete merge (a shard missing, a shard unfinished) unless --allow-incomplete, then writes it invalid', async () => {
    const interrupted = variant(2, 'interrupted', (r) => {
      r.status = 'interrupted';
      r.interrupted = true;
      r.measuredS = 3;
    });
    for (const [files, why] of [
      [[shardFile(0), shardFile(1)], /shard\(s\) 2 of 3 are missing/],
      [[shardFile(0), shardFile(1), interrupted], /shard 2 did not finish \(status interrupted/],
    ] as const) {
      const refused = await gauntlet(['merge', ...files, '--out', path.join(dir, 'never')]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(why);
      const out = path.join(dir, `incomplete-${files.length}`);
      const allowed = await gauntlet(['merge', ...files, '--out', out, '--allow-incomplete']);
      expect(allowed.code).toBe(3);
      const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
      expect(r.merged?.complete).toBe(false);
      expect(r.valid).toBe(false);
      expect(r.status).toBe('interrupted');
      expect(r.invalidReasons.join('\n')).toMatch(why);
      expect(r.merged!.notes[0]).toMatch(/^incomplete merge/);
    }
  });

  it('flags a shard whose clock may be off, or that started late, by more than the bound', async () => {
    const skewed = variant(1, 'skewed', (r) => (r.shard!.clock = { method: 'date-header', offsetMs: 40, uncertaintyMs: 15, reference: 'http://127.0.0.1:8000' }));
    const late = variant(2, 'late', (r) => (r.shard!.lateMs = 120));
    const out = path.join(dir, 'skewed-merge');
    const r = await gauntlet(['merge', shardFile(0), skewed, late, '--out', out]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/shard 1: its clock may be off by up to 55 ms/);
    expect(r.stdout).toMatch(/shard 2: it reached the common start 120 ms late/);
    const wider = await gauntlet(['merge', shardFile(0), skewed, late, '--out', out, '--max-clock-skew-ms', '200']);
    expect(wider.code).toBe(0);
  });
});
