/**
 * Token timing through the whole pipeline (open-loop dispatcher, openai client, recorder, results.json) against
 * a test server in a process of its own that streams on a known schedule (test/helpers/sse-server.ts records when
 * it wrote each token): TTFT, ITL and TPOT p50 in results.json are within 5 % or 2 ms of what the server did
 * (p99s within 20 ms; the client-level test holds them to 5 % or 2 ms); and a global stall
 * of the server shows in TTFT p99 (measured from intended send times, as the coordinated-omission test does for
 * latency), while TTFT p50 stays at the schedule.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { type SseProcess, startSseProcess } from '../../helpers/sse-server-process.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-token-timing-'));
let server: SseProcess | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const pct = (v: number[], p: number): number => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
/** near expects a figure within 5 % or 2 ms of the truth. */
const near = (got: number, want: number, what: string): void => {
  expect(Math.abs(got - want), `${what}: got ${got.toFixed(2)} ms, truth ${want.toFixed(2)} ms`).toBeLessThanOrEqual(Math.max(2, 0.05 * want));
};

function scenario(url: string, phases: string): ReturnType<typeof parseScenario> {
  return parseScenario(
    `name: token-timing
seed: 5
target: {name: sse, protocol: openai, url: "${url}", model: m}
request:
  prompts: {synthetic: {input_tokens: 16}}
  output_tokens: 12
phases:
${phases}
`,
    { baseDir: dir },
  );
}

describe('token timing in open loop', () => {
  // p50s are held to 5 % or 2 ms of the truth, which catches timing taken at the wrong event (the client-level
  // test holds p99s too, test/src/targets/openai-client.test.ts). Here a p99 of 30 requests is one of the last
  // values, which one descheduled read of the load worker moves on a busy 2-core runner: it is held to 20 ms.
  it('TTFT, ITL and TPOT in results.json follow the server\'s schedule: p50 within 5 % or 2 ms', async () => {
    server = await startSseProcess({ ttftMs: 60, itlMs: 15, tokens: 12 });
    const { results } = await runPlan(scenario(server.url, '  - {name: steady, duration: 2s, rate: 15}'), { outDir: path.join(dir, 'truth'), workers: 1 });
    const t = results.phases[0]!.tokens!;
    expect(results.phases[0]!.ok).toBe(30);
    // The truth: what the server did for the 30 measured requests (the last it served: the check before the run and
    // the worker's warm-up came first), from each one's arrival (the client's send is within a fraction of a ms).
    const measured = (await server.served()).slice(-30);
    const ttft = measured.map((s) => s.chunkMs[0]! - s.arrivedMs);
    const gaps = measured.flatMap((s) => s.chunkMs.slice(1).map((c, i) => c - s.chunkMs[i]!));
    const tpot = measured.map((s) => (s.chunkMs[s.chunkMs.length - 1]! - s.chunkMs[0]!) / (s.chunkMs.length - 1));
    near(t.ttftUs.p50 / 1000, pct(ttft, 50), 'TTFT p50');
    near(t.itlUs.p50 / 1000, pct(gaps, 50), 'ITL p50');
    near(t.tpotUs.p50 / 1000, pct(tpot, 50), 'TPOT p50');
    for (const [got, truth, what] of [[t.ttftUs.p99, pct(ttft, 99), 'TTFT p99'], [t.itlUs.p99, pct(gaps, 99), 'ITL p99'], [t.tpotUs.p99, pct(tpot, 99), 'TPOT p99']] as const) {
      expect(Math.abs(got / 1000 - truth), what).toBeLessThanOrEqual(20);
    }
    expect(t.outputTokensTotal).toBe(12 * 30);
  });

  it('a global stall of the server shows in TTFT p99, measured from the intended send times', async () => {
    // The check before the run and the worker's warm-up (up to 25 requests), the warm phase's 20, then 20 of the
    // measured phase (0.5 s in): from there every stream's writes are held for 600 ms.
    const s = (server = await startSseProcess({ ttftMs: 20, itlMs: 5, tokens: 4 }, { requests: 25 + 20 + 20, ms: 600 }));
    const { results } = await runPlan(scenario(s.url, '  - {name: warm, duration: 1s, rate: 20, slo: off}\n  - {name: steady, duration: 2s, rate: 40}'), { outDir: path.join(dir, 'stall'), workers: 1 });
    const t = results.phases[1]!.tokens!;
    expect(results.phases[1]!.ok).toBe(results.phases[1]!.sent);
    // The requests due during the stall waited for it: their TTFT, counted from when they were due, reaches it.
    expect(t.ttftUs.p99 / 1000).toBeGreaterThan(400);
    expect(t.ttftUs.p50 / 1000).toBeLessThan(100);
  }, 30_000);
});
