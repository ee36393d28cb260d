/**
 * Graceful degradation judged on real overloads (docs/drills.md#graceful-degradation), with `drill:
 * {require_graceful: true}`: the real reference server runs a model that takes 20 ms an execution, one at a time
 * (about 50 rps), and a phase offers it 200 rps.
 * - With a queue of 2 (`max_queue_size: 2`), the excess is turned away at once with 503: the admitted requests keep
 *   their latency, nothing times out, the next phase is back within the SLO — graceful, and the run passes (exit 0).
 * - With an unbounded queue and a 300 ms client timeout, the excess waits until it times out — NOT graceful, and the
 *   run fails (exit 1) though its SLO checks pass (the phase after the overload is not checked: its requests wait
 *   behind the backlog and time out too): the requirement alone fails it.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderJunit } from '../../../src/report/results-junit.js';
import { runVerdict } from '../../../src/report/run-facts.js';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { tinyMlpConfig } from '../../helpers/test-repo.js';

let server: TestServer;
beforeAll(async () => {
  const slow = { max_batch_size: 1, artificial_delay_us: 20_000 };
  server = await startTestServer({
    shedding: tinyMlpConfig('shedding', { ...slow, dynamic_batching: { default_queue_policy: { max_queue_size: 2 } } }),
    queueing: tinyMlpConfig('queueing', slow),
  });
});
afterAll(() => server?.close(1000));

const scenario = (model: string): string => `
name: overload-${model}
seed: 5
target: {name: ref, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}", timeout_ms: 300}
request: {model: ${model}, inputs: [{name: input, datatype: FP32, shape: [1, 16], data: random}]}
slo: {p99_ms: 1000}
drill: {require_graceful: true}
phases:
  - {name: calm, duration: 1s, rate: 10}
  - {name: overload, duration: 1.5s, rate: 200}
  - {name: after, duration: 3s, rate: 10, slo: off}
`;

const run = (model: string) => runPlan(parseScenario(scenario(model), { baseDir: process.cwd() }), { outDir: mkdtempSync(path.join(os.tmpdir(), `gauntlet-graceful-${model}-`)), workers: 1 });

describe('graceful degradation, required, on the real reference server', () => {
  it('a queue of 2 sheds the excess with 503: graceful, exit 0', async () => {
    const { results, exitCode } = await run('shedding');
    const overload = results.phases.find((p) => p.name === 'overload')!;
    const d = overload.degradation!;
    expect(d.rejected).toBeGreaterThan(50);
    expect(overload.errors['HTTP_503']).toBe(d.rejected);
    expect(d.graceful, (d.reasons ?? []).join('; ')).toBe(true);
    expect(runVerdict(results).text).toContain('graceful degradation met');
    expect(exitCode).toBe(results.valid ? 0 : 3);
  }, 60_000);

  it('an unbounded queue lets the excess time out: NOT graceful, exit 1 with every SLO check met', async () => {
    const { results, exitCode } = await run('queueing');
    const overload = results.phases.find((p) => p.name === 'overload')!;
    const d = overload.degradation!;
    expect(overload.errors['TIMEOUT'] ?? 0).toBeGreaterThan(0);
    expect(d.graceful).toBe(false);
    expect(d.reasons!.join('; ')).toMatch(/request\(s\) timed out/);
    // The latency SLO (over answered requests) holds: the requirement alone fails the run.
    expect(results.slo.pass).toBe(true);
    // (The queue it built drains for seconds after the overload, so the calm phase after it fails too.)
    expect(runVerdict(results).text).toMatch(/graceful degradation FAILED \(overload[,)]/);
    expect(renderJunit([{ kind: 'run', label: 'run', path: 'results.json', results }])).toMatch(/<testcase classname="overload-queueing\.overload" name="graceful degradation"><failure message="[^"]*timed out/);
    expect(exitCode).toBe(results.valid ? 1 : 3);
  }, 60_000);
});
