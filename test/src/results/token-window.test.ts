/**
 * A phase's output tokens/s counts the tokens that arrived within its window (schema 3), not the backlog that
 * drains after it: against the scheduled SSE server (its own process) a 2 s phase of streams that each take about
 * 1.3 s leaves much of its work to the seconds after it, which `outputTokensAfterPhase` and `drainS` report. The
 * `min_output_tokens_per_s` check judges the honest figure; a version 2 file is upgraded to it when read.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readResults } from '../../../src/results/read-results.js';
import { tokenWindow } from '../../../src/results/phase-drain.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { type SseProcess, startSseProcess } from '../../helpers/sse-server-process.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-token-window-'));
let server: SseProcess | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('output tokens/s within the phase', () => {
  it.each([
    ['a second wholly inside', [{ t: 3, outputTokens: 100 }], 0, 10, { outputTokensInWindow: 100, outputTokensAfterPhase: 0, drainS: 0 }],
    ['a second straddling the end', [{ t: 9, outputTokens: 100 }], 0, 9.25, { outputTokensInWindow: 25, outputTokensAfterPhase: 75, drainS: 0.75 }],
    ['seconds after the end', [{ t: 1, outputTokens: 10 }, { t: 2, outputTokens: 30 }, { t: 4, outputTokens: 50 }], 0, 2, { outputTokensInWindow: 10, outputTokensAfterPhase: 80, drainS: 3 }],
    ['a second before the start', [{ t: 0, outputTokens: 40 }, { t: 1, outputTokens: 40 }], 0.5, 2, { outputTokensInWindow: 60, outputTokensAfterPhase: 0, drainS: 0 }],
  ])('%s', (_, seconds, startS, endS, want) => {
    expect(tokenWindow(seconds, seconds, startS, endS)).toEqual(want);
  });

  it('leaves the backlog drained after an overrun phase out of its tokens/s, and judges the SLO on that', async () => {
    // 40 tokens, the first after 100 ms, then one every 30 ms: each stream takes about 1.3 s, so of a 2 s phase at
    // 20 rps only the streams started in its first 0.7 s complete within it.
    server = await startSseProcess({ ttftMs: 100, itlMs: 30, tokens: 40 });
    const plan = parseScenario(
      `name: token-window
seed: 3
target: {name: sse, protocol: openai, url: "${server.url}", model: m}
request:
  prompts: {synthetic: {input_tokens: 16}}
  output_tokens: 40
phases:
  - {name: flood, duration: 2s, rate: 20, slo: {min_output_tokens_per_s: 600}}
`,
      { baseDir: dir },
    );
    const out = path.join(dir, 'flood');
    const { results } = await runPlan(plan, { outDir: out, workers: 1 });
    const p = results.phases[0]!;
    const t = p.tokens!;
    expect(p.ok).toBe(40);
    expect(t.outputTokensTotal).toBe(40 * 40);
    const naive = t.outputTokensTotal / p.elapsedS!;
    // What the per-second rows say arrived within the phase, and after it.
    const rows = results.intervals.filter((r) => r.tokens);
    const inside = rows.filter((r) => r.t < 2).reduce((n, r) => n + r.tokens!.outputTokens, 0);
    expect(t.outputTokensInWindow).toBe(inside);
    expect(t.outputTokensAfterPhase).toBe(t.outputTokensTotal - inside);
    expect(t.outputTokensPerS).toBeCloseTo(inside / 2, 6);
    // Streams started in the phase's last 0.6 s or so cannot have finished within it: at least a third of the work.
    expect(t.outputTokensPerS).toBeLessThan(naive * 0.7);
    expect(t.drainS).toBeGreaterThan(0.5);
    const check = results.slo.checks.find((c) => c.metric === 'output_tokens_per_s')!;
    expect(check).toMatchObject({ actual: t.outputTokensPerS, pass: false });
    expect(naive).toBeGreaterThan(600);

    // The same file as version 2 wrote it (tokens/s over the span, no window fields) reads as version 3.
    const file = path.join(out, 'results.json');
    const v2 = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
    v2.schemaVersion = 2;
    const old = v2.phases[0]!.tokens! as Partial<typeof t>;
    delete old.outputTokensInWindow;
    delete old.outputTokensAfterPhase;
    delete old.drainS;
    old.outputTokensPerS = naive;
    v2.slo.checks.find((c) => c.metric === 'output_tokens_per_s')!.pass = true;
    v2.slo.pass = true;
    const oldFile = path.join(dir, 'v2.json');
    writeFileSync(oldFile, JSON.stringify(v2));
    const read = readResults(oldFile);
    expect(read.phases[0]!.tokens).toMatchObject({ outputTokensPerS: t.outputTokensPerS, outputTokensAfterPhase: t.outputTokensAfterPhase, drainS: t.drainS });
    expect(read.slo.pass).toBe(false);
  });
});
