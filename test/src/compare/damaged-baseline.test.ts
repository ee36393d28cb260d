/**
 * A damaged baseline is refused with the path of each problem (exit 2 in the CLI), never an internal error in the
 * middle of a gate.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runGate } from '../../../src/cli/gate-command.js';
import { makeBaseline, writeBaseline } from '../../../src/compare/baseline.js';
import { GauntletError } from '../../../src/errors.js';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../report/fixtures/demo.json');

describe('readBaseline', () => {
  it('lists what is wrong with a damaged baseline, and the gate stops there', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-baseline-'));
    const base = makeBaseline('demo', [DEMO], true) as unknown as Record<string, any>;
    delete base['phases'][1].repetitions;
    base['phases'][2].intervals.p99 = [1, 'x'];
    base['phases'][3] = null;
    const file = writeBaseline(base as never, path.join(dir, 'b.json'));
    let err: unknown;
    try {
      runGate({ results: [DEMO], baseline: file, unknown: 'pass', samples: 'auto', json: false, allowInvalid: true }, () => {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GauntletError);
    expect((err as GauntletError).code).toBe('GAUNTLET_ERR_INVALID_ARGUMENT');
    expect((err as GauntletError).details).toEqual(['phases[1].repetitions: must be an object', 'phases[2].intervals.p99: must be a list of finite numbers', 'phases[3]: must be an object']);
    // A sound baseline (with no phases) is read; the demo run's own SLO failures fail the gate (exit 1).
    writeFileSync(file, JSON.stringify({ ...base, phases: [] }));
    expect(runGate({ results: [DEMO], baseline: file, unknown: 'pass', samples: 'auto', json: false, allowInvalid: true }, () => {})).toBe(1);
  });
});
