/**
 * The merge judges drills and token figures again on the merged data: a fault that shard 0 ran is analysed over
 * every shard's failures and throughput; an LLM run's token histograms and totals add exactly; files written before
 * the phases stored their ttfb and send-lag histograms still merge those figures (as an upper bound).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { shardInfo, type SyntheticRequest, syntheticPlan, writeSyntheticShard } from '../../../bench/lib/synthetic-shards.js';
import { analyzeFaults } from '../../../src/faults/drill-analysis.js';
import { mergeShards } from '../../../src/merge/merge-results.js';
import { readShards } from '../../../src/merge/read-shards.js';
import type { FaultRecord, ResultsFile } from '../../../src/results/results-schema.js';
import { readResults } from '../../../src/results/read-results.js';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-merge-drill-'));

describe('gauntlet merge: drills', () => {
  const plan = syntheticPlan([{ name: 'warm', s: 2, rps: 20 }, { name: 'steady', s: 8, rps: 40 }], 'drilled', 3, ['{at: 4s, action: command, run: "true"}']);
  const fault: FaultRecord = { index: 0, action: 'command', params: plan.faults[0]!.params, atS: 4, startedAtS: 4, endedAtS: 4.05, outcome: 'ok', detail: 'exited 0' };
  /** Shard k fails every request due in seconds 4 and 5 with HTTP_503 (k + 1 of every 4 of them in second 6). */
  function* requests(k: number): Generator<SyntheticRequest> {
    for (let i = 0; i < 2 * 20; i++) yield { phase: 0, intendedUs: (i * 1e6) / 20 + k * 500, latencyUs: 3000 + i };
    for (let i = 0; i < 8 * 40; i++) {
      const t = 2 + i / 40;
      const failing = (t >= 4 && t < 6) || (t >= 6 && t < 7 && i % 4 <= k);
      yield { phase: 1, intendedUs: t * 1e6 + k * 500, latencyUs: failing ? 800 : 3000 + ((i * 13 + k) % 4000), ...(failing && { code: 'HTTP_503' }) };
    }
  }
  const files = [0, 1, 2].map((k) => {
    const d = path.join(dir, `drill-${k}`);
    writeSyntheticShard(d, plan, shardInfo(k, 3), requests(k));
    const file = path.join(d, 'results.json');
    const r = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
    // Only shard 0 ran the fault (faults_on: shard-0).
    if (k === 0) r.faults = [fault];
    writeFileSync(file, JSON.stringify(r));
    return { file, results: r };
  });
  const merged = mergeShards(readShards(files.map((f) => f.file)), 50).results;

  it('analyses shard 0\'s fault over the merged seconds: every shard\'s failures and throughput', () => {
    const drill = merged.faults[0]!.drill!;
    const alone = files.map((f) => analyzeFaults({ ...f.results, faults: [fault] })[0]!);
    expect(drill.failed).toBe(alone.reduce((n, d) => n + d.failed, 0));
    expect(drill.failed).toBeGreaterThan(3 * 2 * 40);
    expect(drill.throughputRps.before).toBeCloseTo(alone.reduce((n, d) => n + d.throughputRps.before!, 0), 6);
    // Shard 2 still fails 3 in 4 requests in second 6, so the merged run is not yet recovered there.
    expect(drill.recovery.recoveredAtS).toBe(7);
    expect(merged.faults).toHaveLength(1);
  });
});

describe('gauntlet merge: token figures and older files', () => {
  const fixture = JSON.parse(readFileSync(new URL('../report/fixtures/llm-steady.json', import.meta.url), 'utf8')) as ResultsFile;
  const files = [0, 1].map((k) => {
    const d = path.join(dir, `llm-${k}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'results.json'), JSON.stringify({ ...fixture, shard: shardInfo(k, 2) }));
    // The fixture keeps no per-second histograms: an empty log.
    writeFileSync(path.join(d, 'latency.hlog'), '');
    return path.join(d, 'results.json');
  });
  const merged = mergeShards(readShards(files), 50).results;
  const upgraded = readResults(fileURLToPath(new URL('../report/fixtures/llm-steady.json', import.meta.url)));

  it('adds the token histograms and totals exactly', () => {
    merged.phases.forEach((p, i) => {
      const one = fixture.phases[i]!.tokens!;
      const t = p.tokens!;
      expect(t.requests).toBe(2 * one.requests);
      expect(t.outputTokensTotal).toBe(2 * one.outputTokensTotal);
      expect(t.goodput.good).toBe(2 * one.goodput.good);
      // Two copies of one distribution have its percentiles, and twice its count.
      expect(t.ttftUs).toEqual({ ...one.ttftUs, count: 2 * one.ttftUs.count });
      expect(t.itlUs.p99).toBe(one.itlUs.p99);
      // The fixture predates results schema 3: read through the reader, its tokens/s is counted within the phase's
      // window, as the merge counts the merged seconds.
      expect(t.outputTokensPerS).toBeCloseTo(2 * upgraded.phases[i]!.tokens!.outputTokensPerS, 0); // each rounded to 0.1 tokens/s
    });
    for (const row of merged.intervals) {
      const one = fixture.intervals.find((x) => x.t === row.t && x.phase === row.phase)!;
      expect(row.tokens!.requests).toBe(2 * one.tokens!.requests);
      expect(row.tokens!.outputTokens).toBe(2 * one.tokens!.outputTokens);
    }
  });

  it('merges ttfb and send lag of files without their histograms as an upper bound', () => {
    expect(fixture.phases[1]!.ttfbHistogram).toBeUndefined();
    const p = merged.phases[1]!;
    expect(p.ttfbUs.count).toBe(2 * fixture.phases[1]!.ttfbUs.count);
    expect(p.ttfbUs.p99).toBe(fixture.phases[1]!.ttfbUs.p99);
    expect(p.sendLagUs.count).toBe(2 * fixture.phases[1]!.sendLagUs.count);
  });
});

describe('gauntlet merge: damaged histograms', () => {
  it('makes the merged run invalid, naming the shard, rather than failing', () => {
    const plan = syntheticPlan([{ name: 'only', s: 2, rps: 10 }], 'damaged');
    const files = [0, 1].map((k) => {
      const d = path.join(dir, `damaged-${k}`);
      writeSyntheticShard(d, plan, shardInfo(k, 2), [{ phase: 0, intendedUs: 1000, latencyUs: 2000 }]);
      return path.join(d, 'results.json');
    });
    const copy = path.join(dir, 'damaged-1b');
    cpSync(path.dirname(files[1]!), copy, { recursive: true });
    const r = JSON.parse(readFileSync(files[1]!, 'utf8')) as ResultsFile;
    r.phases[0]!.histogram = 'AAAA';
    writeFileSync(path.join(copy, 'results.json'), JSON.stringify(r));
    const merged = mergeShards(readShards([files[0]!, path.join(copy, 'results.json')]), 50).results;
    expect(merged.valid).toBe(false);
    expect(merged.invalidReasons.join('\n')).toMatch(/shard 1: 1 histogram\(s\) in its results.json or latency.hlog could not be decoded/);
  });
});
