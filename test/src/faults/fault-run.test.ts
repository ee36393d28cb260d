/**
 * FaultRun's environment for command faults: the command runs in the scenario's folder, so the run's folder it
 * is told about (GAUNTLET_RUN_DIR) must be an absolute path, whatever gauntlet's working directory and --out.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FaultRun } from '../../../src/faults/fault-run.js';
import type { Plan } from '../../../src/scenario/plan.js';
import type { TargetSpec } from '../../../src/targets/target-spec.js';
import { waitUntil } from '../../helpers/reference-client.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gauntlet-fault-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const target: TargetSpec = { name: 't', protocol: 'kserve-http', url: 'http://127.0.0.1:9', binary: true, timeoutMs: 1000, maxInFlight: 8, connections: 0 };

describe('FaultRun command environment', () => {
  it('gives commands an absolute GAUNTLET_RUN_DIR that names the run folder from the scenario folder too', async () => {
    const scenarioDir = path.join(dir, 'scenarios');
    mkdirSync(scenarioDir);
    // A run folder relative to gauntlet's working directory (as --out reports/x or the default reports/runs/…).
    const runDir = path.relative(process.cwd(), path.join(dir, 'runs', 'r1'));
    mkdirSync(path.join(dir, 'runs', 'r1'), { recursive: true });
    expect(path.isAbsolute(runDir)).toBe(false);
    const plan = {
      name: 'env-check',
      seed: 1,
      faults: [{ atS: 0, action: 'command', params: { run: 'pwd; echo "$GAUNTLET_RUN_DIR"; test -d "$GAUNTLET_RUN_DIR" && echo found', timeoutS: 10 } }],
    } as unknown as Plan;
    const run = await FaultRun.prepare(plan, target, { cwd: path.relative(process.cwd(), scenarioDir), log: () => {} });
    run.start(Date.now(), runDir);
    // finish() ends commands still running (the run is over): wait for this one to end by itself first.
    await waitUntil(() => run.records()[0]!.endedAtS !== null, 'the command to end', 10_000);
    await run.finish();
    await run.close();
    const [rec] = run.records();
    expect(rec).toMatchObject({ outcome: 'ok', exitCode: 0 });
    expect(rec!.output).toEqual([scenarioDir, path.resolve(runDir), 'found']);
  });
});
