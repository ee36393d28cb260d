/**
 * Merging is exact: three shard files, each recording a different known set of latencies (written by the run's own
 * recorder, evaluation and writer), merge into percentiles equal to those of one histogram holding the union, and
 * into per-second counts equal to the shards' sums; the merged .hlog holds those seconds again.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evenRequests, shardInfo, syntheticPlan, writeSyntheticShard } from '../../../bench/lib/synthetic-shards.js';
import { newHistogram, recordUs, summarize } from '../../../src/metrics/hdr.js';
import { mergeShards, writeMerged } from '../../../src/merge/merge-results.js';
import { readShards } from '../../../src/merge/read-shards.js';
import { readHlogLines } from '../../../src/results/hlog-read.js';
import { readResults } from '../../../src/results/read-results.js';

const plan = syntheticPlan([
  { name: 'warm', s: 2, rps: 20 },
  { name: 'steady', s: 4, rps: 50 },
  { name: 'spike', s: 2, rps: 100 },
]);
/** Shard k's latencies: disjoint ranges with different spreads, so the union's p99 is none of the shards'. */
const latency = (k: number) => (i: number, phase: number): number => 1000 * (k + 1) + ((i * 7919 + k * 104_729 + phase * 31) % (20_000 * (k + 1)));

describe('gauntlet merge: exactness', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-merge-exact-'));
  const union = plan.phases.map(() => newHistogram());
  const written = [0, 1, 2].map((k) => {
    const file = path.join(dir, `shard-${k}`);
    // Each shard sends at the full plan's rate, offset within the second, like one of three even interleavings.
    const requests = [...evenRequests(plan, latency(k), k * 1000)];
    for (const r of requests) recordUs(union[r.phase]!, r.latencyUs);
    return { file: path.join(file, 'results.json'), results: writeSyntheticShard(file, plan, shardInfo(k, 3), requests) };
  });
  const merged = mergeShards(readShards(written.map((w) => w.file).reverse()), 50);
  const r = merged.results;

  it('gives every phase the percentiles, count and max of the union of the shards\' latencies, exactly', () => {
    r.phases.forEach((p, i) => {
      const u = summarize(union[i]!);
      expect(u.count).toBe(written.reduce((n, w) => n + w.results.phases[i]!.ok, 0));
      expect({ count: p.latencyUs.count, p50: p.latencyUs.p50, p99: p.latencyUs.p99, max: p.latencyUs.max }).toEqual({ count: u.count, p50: u.p50, p99: u.p99, max: u.max });
      expect(p.latencyUs).toEqual(u);
      // No shard alone has the union's p99: the merge did not pick one.
      for (const w of written) expect(w.results.phases[i]!.latencyUs.p99).not.toBe(u.p99);
    });
  });

  it('sums counts and rates, per phase and in the totals', () => {
    r.phases.forEach((p, i) => {
      const sum = (f: (x: (typeof written)[0]['results']['phases'][0]) => number): number => written.reduce((n, w) => n + f(w.results.phases[i]!), 0);
      expect(p.sent).toBe(sum((x) => x.sent));
      expect(p.ok).toBe(sum((x) => x.ok));
      expect(p.achievedRps).toBeCloseTo(sum((x) => x.achievedRps), 9);
      expect(p.offeredRps).toBeCloseTo(sum((x) => x.offeredRps), 9);
    });
    expect(r.totals.sent).toBe(written.reduce((n, w) => n + w.results.totals.sent, 0));
    expect(r.generator.workers).toBe(3);
  });

  it('sums each second\'s counts and recomputes its percentiles from the merged second', () => {
    const keys = new Set(written.flatMap((w) => w.results.intervals.map((x) => `${x.t}|${x.phase}`)));
    expect(r.intervals.map((x) => `${x.t}|${x.phase}`).sort()).toEqual([...keys].sort());
    expect(r.intervals.map((x) => x.t)).toEqual(r.intervals.map((x) => x.t).sort((a, b) => a - b));
    for (const row of r.intervals) {
      const parts = written.flatMap((w) => w.results.intervals.filter((x) => x.t === row.t && x.phase === row.phase));
      expect(row.sentRps).toBe(parts.reduce((n, x) => n + x.sentRps, 0));
      expect(row.okRps).toBe(parts.reduce((n, x) => n + x.okRps, 0));
      expect(row.latencyUs.count).toBe(parts.reduce((n, x) => n + x.latencyUs.count, 0));
      expect(row.latencyUs.max).toBe(Math.max(...parts.map((x) => x.latencyUs.max)));
    }
  });

  it('judges the SLOs and validity on the merged data and records its shards', () => {
    expect(r.slo.checks.map((c) => [c.phase, c.metric, c.actual])).toContainEqual(['steady', 'p99', r.phases[1]!.latencyUs.p99 / 1000]);
    expect(r.merged).toMatchObject({ runId: 'feedc0de12345678', count: 3, complete: true, missing: [] });
    expect(r.merged!.shards.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(r.valid).toBe(true);
    expect(r.shard).toBeUndefined();
  });

  it('writes a results.json gauntlet reads back and a .hlog with one line per merged second and phase', () => {
    const out = path.join(dir, 'merged');
    writeMerged(out, merged);
    const back = readResults(path.join(out, 'results.json'));
    expect(back.phases[1]!.latencyUs).toEqual(r.phases[1]!.latencyUs);
    const lines = readHlogLines(path.join(out, 'latency.hlog'));
    expect(lines.problem).toBeUndefined();
    expect(lines.lines.length).toBe(r.intervals.length);
  });
});
