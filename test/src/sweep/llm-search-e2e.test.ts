/**
 * LLM sweeps end to end against the embedded reference LLM (tiny-llm, real ONNX Runtime, loopback only, short
 * and bounded): a rate search judged on TTFT p99 (a loose bound passes from_rps and records each step's token
 * figures, an impossible one stops at from_rps and names the TTFT bound it missed), and a matrix over max_queue
 * whose tiny queue sheds 503s that the roomy one does not.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { loadSweep } from '../../../src/sweep/parse-sweep.js';
import { runSweep } from '../../../src/sweep/run-sweep.js';
import { formatSweep } from '../../../src/sweep/sweep-table.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-llm-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  path.join(dir, 'llm.yaml'),
  'target: {embedded: true, protocol: openai, models: [tiny-llm]}\nrequest:\n  prompts: {synthetic: {input_tokens: 16}}\n  output_tokens: 8\n  ignore_eos: true\nslo: {error_rate: 0.05}\nphases:\n  - {name: burst, duration: 1s, concurrency: 12}\n',
);

async function sweep(name: string, text: string) {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `scenario: llm.yaml\nmodel: tiny-llm\n${text}`);
  const { spec, plan } = await loadSweep(file);
  const lines: string[] = [];
  const outcome = await runSweep(spec, plan, { outDir: path.join(dir, `${name}-out`), allowInvalid: true, workers: 1, onLine: (l) => lines.push(l) });
  return { ...outcome, lines };
}

describe('an LLM rate search judged on token bounds', () => {
  it('a loose TTFT bound is met at from_rps, an impossible one is not: the steps are judged on TTFT p99, not request p99', { timeout: 120_000 }, async () => {
    const search = (ttft: number): string => `search: {ttft_p99_ms: ${ttft}, from_rps: 4, to_rps: 16, steps: 1, step_duration: 2s, warmup: 1s}\nrepeats: 0\n`;
    const loose = await sweep('loose', search(60_000));
    const tight = await sweep('tight', search(0.001));
    const [l] = loose.record.combinations;
    const [t] = tight.record.combinations;
    expect(l!.search!.rateRps).toBeGreaterThanOrEqual(4);
    expect(t!.search!.rateRps).toBe(0);
    expect(t!.search!.rateRps).toBeLessThan(l!.search!.rateRps);
    const first = l!.search!.steps[0]!;
    expect(first.tokens!.ttftP99Ms).toBeGreaterThan(0.001);
    expect(first.tokens!.outputTokensPerS).toBeGreaterThan(0);
    expect(first.tokens!.itlP99Ms).toBeGreaterThan(0);
    expect(first.missed).toEqual([]);
    // Without a p99_ms bound the request p99 is not judged: the only miss is TTFT.
    const missed = t!.search!.steps.filter((s) => s.valid).flatMap((s) => s.missed ?? []);
    expect(missed.length).toBeGreaterThan(0);
    for (const m of missed) expect(m).toMatch(/^ttft_p99_ms \d/);
    // The figures carry the token figures at the rate found; sweep.json and the table show them.
    const best = l!.search!.steps.find((s) => s.rateRps === l!.search!.rateRps && s.feasible)!;
    expect(l!.figures!.tokens!.outputTokensPerS).toBe(best.tokens!.outputTokensPerS);
    expect(loose.record.sweep.search).toMatchObject({ ttftP99Ms: 60_000, errorRate: 0.05 });
    expect(loose.record.sweep.search!.p99Ms).toBeUndefined();
    const table = formatSweep(loose.record, loose.dir).join('\n');
    expect(table).toMatch(/tok\/s\s+tok\/s noise\s+TTFT p99\s+ITL p99/);
    expect(tight.lines.join('\n')).toMatch(/step 4 rps: .*TTFT p99 [\d.]+ ms.* → not feasible \(ttft_p99_ms [\d.]+ > 0\.001\)/);
  });
});

describe('a sweep over the LLM\'s queue', () => {
  it('max_queue 1 sheds a burst with 503s that max_queue 64 queues, and each combination\'s config says so', { timeout: 120_000 }, async () => {
    const { record, dir: out } = await sweep('queue', 'matrix:\n  llm_batching: none\n  max_queue: [1, 64]\nrepeats: 0\n');
    expect(record.combinations.map((c) => c.id)).toEqual(['01-queue1', '02-queue64']);
    const errorsOf = (i: number): Record<string, number> => {
      const c = record.combinations[i]!;
      const results = JSON.parse(readFileSync(path.join(out, c.results[0]!), 'utf8')) as ResultsFile;
      return results.phases[0]!.errors;
    };
    // One sequence runs and one waits: of 12 requests kept in flight, the others are shed.
    expect(errorsOf(0)['HTTP_503'] ?? 0).toBeGreaterThan(0);
    expect(errorsOf(1)['HTTP_503'] ?? 0).toBe(0);
    const config = (i: number): { llm: Record<string, unknown> } => parse(readFileSync(path.join(out, record.combinations[i]!.dir, 'repository', 'tiny-llm', 'config.yaml'), 'utf8'));
    expect(config(0).llm).toMatchObject({ batching: 'none', max_queue: 1 });
    expect(config(1).llm).toMatchObject({ batching: 'none', max_queue: 64 });
  });
});
