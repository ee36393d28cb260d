/**
 * A replica-failure drill on the embedded reference LLM (a shortened scenarios/llm/replica-failure.yaml: 2
 * replicas behind the router, one killed under load and restored): the fault's drill carries the token streams'
 * figures (TTFT against its pre-fault baseline, streams cut, tokens lost, TTFT recovery) beside the request-level ones.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';

describe('a replica-failure drill on the embedded LLM', () => {
  it('measures TTFT, streams cut and tokens lost around the kill', async () => {
    const text = `
name: llm-replica-failure-short
seed: 9
target: {embedded: true, protocol: openai, models: [tiny-llm], replicas: 2, restart_delay: never}
request:
  prompts: {synthetic: {input_tokens: 32}}
  output_tokens: {uniform: {min: 32, max: 64}}
  ignore_eos: true
slo: {ttft_p99_ms: 2000, error_rate: 0.5}
drill: {recovery_window: 1s, compare_window: 3s}
phases:
  - {name: sustained, duration: 10s, rate: 6}
faults:
  - {at: 4s, action: kill-replica, replica: any}
  - {at: 7s, action: restore-replica}
`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-llm-drill-'));
    const { results } = await runPlan(parseScenario(text, { baseDir: process.cwd() }), { outDir: dir, workers: 1 });
    expect(results.totals.lost).toBe(0);
    const [kill, restore] = results.faults;
    expect(kill).toMatchObject({ action: 'kill-replica', outcome: 'ok' });
    const tk = kill!.drill!.tokens!;
    // The pre-fault seconds give TTFT's baseline; the window's worst second is no better than it was.
    expect(tk.ttftP99Ms.before).toBeGreaterThan(0);
    expect(tk.ttftP99Ms.worst).not.toBeNull();
    expect(tk.outputTokensPerS.before).toBeGreaterThan(0);
    // Streams the killed replica was sending are cut, and counted as such (possibly none, if it was idle).
    expect(tk.streamsCut).toBe(kill!.drill!.failedByCode['STREAM_ABORTED'] ?? 0);
    expect(tk.tokensLost).not.toBeNull();
    expect(tk.ttftRecovery.p99LimitMs).toBeCloseTo(2 * tk.ttftP99Ms.before!, 2);
    expect(restore!.drill!.tokens).toBeDefined();
  }, 180_000);
});
