/**
 * `gauntlet merge` on the results of real runs (the compiled CLI, a real reference server on port 0): two runs of
 * one scenario, given shard info as `gauntlet run --shard` writes it, merge into counts that are their sums and
 * histograms that hold every response of both, and `gauntlet report` reads the merged folder.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardInfo } from '../../../bench/lib/synthetic-shards.js';
import { decodeHistogram } from '../../../src/metrics/hdr.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { gauntlet } from '../../helpers/cli.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { tinyMlpConfig } from '../../helpers/test-repo.js';

describe('gauntlet merge on real runs', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-merge-real-'));
  });
  afterAll(() => server.close());

  it('sums two real runs given shard info, and the report reads the merge', async () => {
    const scenario = path.join(dir, 'sharded.yaml');
    writeFileSync(
      scenario,
      `name: sharded
target: {name: ref, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}"}
request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16]}]}
slo: {p99_ms: 1000}
phases:
  - {name: warm, duration: 0.5s, rate: 20, slo: off}
  - {name: steady, duration: 1.5s, rate: 30}
`,
    );
    const runs = path.join(dir, 'runs');
    const made = await gauntlet(['run', scenario, '--repeat', '2', '--workers', '1', '--out', runs]);
    expect([0, 3]).toContain(made.code);
    const shards = [0, 1].map((k) => {
      const file = path.join(runs, `rep-${k + 1}`, 'results.json');
      const r = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
      r.shard = shardInfo(k, 2, { startAt: r.startedAt });
      writeFileSync(file, JSON.stringify(r));
      return r;
    });
    const out = path.join(dir, 'merged');
    const merged = await gauntlet(['merge', path.join(runs, 'rep-1'), path.join(runs, 'rep-2'), '--out', out]);
    expect(merged.stderr).toBe('');
    expect([0, 3]).toContain(merged.code);
    const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(r.totals.sent).toBe(shards[0]!.totals.sent + shards[1]!.totals.sent);
    expect(r.totals.ok).toBe(shards[0]!.totals.ok + shards[1]!.totals.ok);
    r.phases.forEach((p, i) => {
      expect(decodeHistogram(p.histogram).totalCount).toBe(shards[0]!.phases[i]!.ok + shards[1]!.phases[i]!.ok);
      expect(p.ttfbUs.count).toBe(shards[0]!.phases[i]!.ttfbUs.count + shards[1]!.phases[i]!.ttfbUs.count);
      expect(p.latencyUs.max).toBe(Math.max(shards[0]!.phases[i]!.latencyUs.max, shards[1]!.phases[i]!.latencyUs.max));
    });
    const perSecond = (x: ResultsFile): number => x.intervals.reduce((n, row) => n + row.sentRps, 0);
    expect(perSecond(r)).toBe(perSecond(shards[0]!) + perSecond(shards[1]!));
    // Each shard's own reasons are carried, naming it.
    for (const [k, s] of shards.entries()) for (const why of s.invalidReasons) expect(r.invalidReasons).toContain(`shard ${k}: ${why}`);
    expect(r.valid).toBe(r.invalidReasons.length === 0);
    const md = await gauntlet(['report', out, '--format', 'md', '--out', '-']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('sharded');
  });
});
