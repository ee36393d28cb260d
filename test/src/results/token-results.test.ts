/**
 * Token figures in results.json and latency.hlog: written as a run writes them and read back (blocks per phase
 * and per second, histograms that decode to what was recorded, the token SLO checks), rebuilt exactly from the
 * .hlog's token lines when the writer died, refused with a path when damaged; files without tokens read as before.
 */
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../../src/cli/summary.js';
import { IntervalRecorder } from '../../../src/load/interval-recorder.js';
import { goodputCriteria } from '../../../src/load/token-recorder.js';
import { decodeHistogram } from '../../../src/metrics/hdr.js';
import { RunAggregate } from '../../../src/metrics/run-aggregate.js';
import { readResults } from '../../../src/results/read-results.js';
import { RESULTS_SCHEMA_VERSION, type ResultsFile } from '../../../src/results/results-schema.js';
import { ResultsWriter } from '../../../src/results/results-writer.js';
import { checkSlos, intervalResults, phaseResults } from '../../../src/run/evaluate.js';
import type { Plan } from '../../../src/scenario/plan.js';
import type { Outcome } from '../../../src/targets/client.js';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../report/fixtures/demo.json');
const demo = (): ResultsFile => JSON.parse(readFileSync(DEMO, 'utf8')) as ResultsFile;

/** run writes the demo plan's folder with LLM outcomes in its 'steady' phase (1 s to 3 s): final, or a running snapshot. */
function run(final: boolean): { dir: string; written: ResultsFile } {
  const base = demo();
  const plan: Plan = structuredClone(base.plan);
  plan.phases[1]!.slo = { ttftMs: 120, ttftP99Ms: 150, itlP99Ms: 5, tpotP99Ms: 100, minOutputTokensPerS: 1, minGoodput: 0.9 };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-tokens-'));
  const writer = new ResultsWriter(dir, Date.parse(base.startedAt));
  const agg = new RunAggregate(plan.phases, 1, (row, hist, tokens) => {
    writer.appendInterval(row.second, plan.phases[row.phase]!.name, hist);
    if (tokens) writer.appendTokenIntervals(row.second, plan.phases[row.phase]!.name, tokens);
  });
  const rec = new IntervalRecorder(0, plan.phases.map((p) => goodputCriteria(p.slo)));
  for (let i = 0; i < 40; i++) {
    const intended = 1e6 + i * 50_000;
    const first = intended + 60_000 + i * 2_000;
    const gaps = [8_000, 9_000, 10_000 + i * 100];
    const last = first + gaps.reduce((a, b) => a + b, 0);
    const o: Outcome = { code: 'OK', sentUs: intended, doneUs: last + 50, tokens: { firstTokenUs: first, lastTokenUs: last, outputTokens: 4, inputTokens: 12, countedBy: 'usage', usage: { promptTokens: 12, completionTokens: 4 }, gapsUs: gaps, finishReason: 'length' } };
    rec.scheduled(1, intended);
    rec.sent(1, intended, intended);
    rec.outcome(1, intended, o);
  }
  agg.add(rec.take(), 0);
  agg.finish();
  const phases = phaseResults(plan, agg, [], final);
  const written: ResultsFile = { ...base, schemaVersion: RESULTS_SCHEMA_VERSION, plan, phases, intervals: intervalResults(plan, agg, final), slo: checkSlos(plan, phases), status: final ? 'complete' : 'running' };
  writer.write(written);
  writer.close();
  return { dir, written: JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as ResultsFile };
}

describe('token results', () => {
  it('round-trips the tokens blocks, their histograms and the token SLO checks', () => {
    const { dir, written } = run(true);
    const r = readResults(path.join(dir, 'results.json'));
    const t = r.phases[1]!.tokens!;
    expect(t).toEqual(written.phases[1]!.tokens);
    expect(r.phases[0]!.tokens).toBeUndefined();
    expect(t.requests).toBe(40);
    expect(t.outputTokensTotal).toBe(160);
    // The last three responses (due from 2.85 s, about 90 to 170 ms each) complete after the phase's end at 3 s:
    // their 12 tokens are the drained backlog, not part of the phase's tokens/s.
    expect(t).toMatchObject({ outputTokensInWindow: 148, outputTokensAfterPhase: 12 });
    expect(t.drainS).toBe(1);
    expect(t.outputTokensPerS).toBeCloseTo(74);
    expect(t.countedBy).toBe('usage');
    expect(t.counting).toEqual({ byMethod: { usage: 40 }, usage: 40, tokenizer: 0, serverUsage: 40 });
    expect(decodeHistogram(t.histograms.itl).totalCount).toBe(120);
    expect(decodeHistogram(t.histograms.ttft).totalCount).toBe(40);
    // TTFT 60 + 2i ms: 120 ms or less for i ≤ 30, so 31 of 40 are good.
    expect(t.goodput.good).toBe(31);
    expect(t.goodput.criteria).toEqual({ ttftMs: 120 });
    expect(r.intervals.filter((i) => i.tokens).map((i) => i.tokens!.requests).reduce((a, b) => a + b, 0)).toBe(40);
    const checks = Object.fromEntries(r.slo.checks.filter((c) => c.phase === 'steady').map((c) => [c.metric, c.pass]));
    expect(checks).toMatchObject({ ttft_p99: true, itl_p99: false, tpot_p99: true, output_tokens_per_s: true, goodput: false });
    const summary = formatSummary(r, dir).join('\n');
    expect(summary).toMatch(/goodput: requests that met every per-request SLO/);
    expect(summary).toMatch(/steady:\s+goodput 77\.50 % \(limit >= 90\.00 %\)/);
    expect(summary).toMatch(/steady: itl_p99 [\d.]+ ms \(limit <= 5 ms\)/);
  });

  it('rebuilds the token histograms of a run whose writer died from the .hlog, exactly', () => {
    const final = run(true).written;
    const { dir } = run(false);
    utimesSync(path.join(dir, 'results.json'), Date.now() / 1000 - 3600, Date.now() / 1000 - 3600);
    const r = readResults(path.join(dir, 'results.json'), { nowMs: Date.now(), host: os.hostname(), isAlive: () => false });
    expect(r.incomplete?.state).toBe('writer-died');
    const got = r.phases[1]!.tokens!.histograms;
    const want = final.phases[1]!.tokens!.histograms;
    for (const k of ['ttft', 'itl', 'tpot', 'input', 'output', 'rate'] as const) {
      const [g, w] = [decodeHistogram(got[k]), decodeHistogram(want[k])];
      expect(g.totalCount, k).toBe(w.totalCount);
      for (const q of [50, 99, 100]) expect(g.getValueAtPercentile(q), k).toBe(w.getValueAtPercentile(q));
    }
  });

  it('refuses a damaged tokens block with its path, and reads a file without tokens as before', () => {
    const { dir, written } = run(true);
    const doc = structuredClone(written) as unknown as { phases: Record<string, unknown>[] };
    doc.phases[1]!['tokens'] = { requests: 1, ttftUs: 'fast' };
    writeFileSync(path.join(dir, 'results.json'), JSON.stringify(doc));
    expect(() => readResults(path.join(dir, 'results.json'))).toThrow(expect.objectContaining({ details: expect.arrayContaining(['phases[1].tokens.ttftUs: must be an object']) }));
    const old = readResults(DEMO);
    expect(old.phases.every((p) => p.tokens === undefined)).toBe(true);
    expect(formatSummary(old, 'x').join('\n')).not.toMatch(/Tokens|TTFT/);
  });
});
