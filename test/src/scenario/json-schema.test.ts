import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GauntletError } from '../../../src/errors.js';
import { ARRIVALS } from '../../../src/scenario/arrivals.js';
import { scenarioJsonSchema, targetJsonSchema } from '../../../src/scenario/json-schema.js';
import { DRILL_KEYS, FAULT_ACTIONS, FAULT_KEYS } from '../../../src/scenario/parse-faults.js';
import { PHASE_KEYS, BURST_KEYS } from '../../../src/scenario/parse-phases.js';
import { INPUT_KEYS, REQUEST_KEYS } from '../../../src/scenario/parse-request.js';
import { loadScenario, SCENARIO_KEYS } from '../../../src/scenario/parse-scenario.js';
import { SLO_KEYS } from '../../../src/scenario/parse-slo.js';
import { EMBEDDED_KEYS, HTTP_KEYS, KSERVE_KEYS, loadTarget, TARGET_KEYS } from '../../../src/scenario/parse-target.js';
import { repositoryRoot, schemaFiles } from '../../../src/scenario/write-schemas.js';

const root = repositoryRoot();
type Schema = { properties: Record<string, unknown>; $defs: Record<string, { properties: Record<string, unknown> }> };
const keys = (o: object): string[] => Object.keys(o).sort();

describe('JSON Schemas', () => {
  it.each(Object.entries(schemaFiles()))('%s is committed as generated (run: npx tsx src/scenario/write-schemas.ts)', (file, content) => {
    expect(readFileSync(join(root, file), 'utf8')).toBe(content);
  });

  it('name exactly the fields the validator accepts', () => {
    const s = scenarioJsonSchema() as Schema;
    expect(keys(s.properties)).toEqual([...SCENARIO_KEYS].sort());
    expect(keys(s.$defs.phase!.properties)).toEqual([...PHASE_KEYS].sort());
    expect(keys((s.$defs.phase!.properties.burst as Schema).properties)).toEqual([...BURST_KEYS].sort());
    expect(keys(s.$defs.request!.properties)).toEqual([...REQUEST_KEYS].sort());
    expect(keys(s.$defs.input!.properties)).toEqual([...INPUT_KEYS].sort());
    expect(keys((s.properties.slo as Schema).properties)).toEqual(keys(SLO_KEYS));
    expect(keys((s.properties.drill as Schema).properties)).toEqual([...DRILL_KEYS].sort());
    const faultParams = new Set(Object.values(FAULT_ACTIONS).flatMap((a) => a.keys));
    expect(keys(s.$defs.fault!.properties)).toEqual([...FAULT_KEYS, ...faultParams].sort());
    expect(keys(s.$defs.embeddedTarget!.properties)).toEqual([...EMBEDDED_KEYS].sort());
    const t = targetJsonSchema() as Schema;
    expect(keys(t.$defs.target!.properties)).toEqual([...TARGET_KEYS, ...KSERVE_KEYS, ...HTTP_KEYS].sort());
  });

  it('offers the registered arrival processes', () => {
    const arrival = (scenarioJsonSchema() as Schema).$defs.phase!.properties.arrival as { anyOf: [{ enum: string[] }, { properties: { type: { enum: string[] } } }] };
    expect(arrival.anyOf[1].properties.type.enum).toEqual(ARRIVALS.names());
  });
});

describe('examples', () => {
  const scenarios = readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.yaml'));
  const targets = readdirSync(join(root, 'targets')).filter((f) => f.endsWith('.yaml'));

  it('include the demo and smoke scenarios and both reference targets', () => {
    expect(scenarios).toEqual(expect.arrayContaining(['demo.yaml', 'smoke.yaml']));
    expect(targets).toEqual(expect.arrayContaining(['reference-http.yaml', 'reference-grpc.yaml']));
  });

  it.each(scenarios)('scenarios/%s parses and names its schema', async (file) => {
    const path = join(root, 'scenarios', file);
    const plan = await loadScenario(path);
    expect(plan.phases.length).toBeGreaterThan(0);
    expect(readFileSync(path, 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\/scenario\.schema\.json$/m);
  });

  it.each(scenarios)('scenarios/%s parses with each reference target (replica faults need the embedded stack)', async (file) => {
    const path = join(root, 'scenarios', file);
    const replicaFaults = (readFileSync(path, 'utf8').match(/action: (kill|stop|restore)-replica/g) ?? []).length;
    for (const target of ['reference-http.yaml', 'reference-grpc.yaml']) {
      const loading = loadScenario(path, { target: join(root, 'targets', target) });
      if (replicaFaults === 0) await expect(loading).resolves.toBeDefined();
      else {
        const err = (await loading.catch((e: unknown) => e)) as GauntletError;
        expect(err.details).toHaveLength(replicaFaults);
        for (const d of err.details) expect(d).toMatch(/needs the embedded stack's admin API, but the target is external .*only command and network faults apply/);
      }
    }
  });

  it('include the drill scenarios, on the embedded 3-replica stack with one peak_rps', async () => {
    const drills = ['peak-2x.yaml', 'peak-5x.yaml', 'burst.yaml', 'replica-failure.yaml', 'drill.yaml'];
    expect(scenarios).toEqual(expect.arrayContaining(drills));
    const plans = await Promise.all(drills.map((f) => loadScenario(join(root, 'scenarios', f))));
    for (const plan of plans) expect(plan.target).toMatchObject({ embedded: true, replicas: 3 });
    expect(new Set(plans.map((p) => p.peakRps)).size).toBe(1);
    const replicaFailure = plans[3]!;
    expect(replicaFailure.faults).toEqual([
      { atS: 40, action: 'kill-replica', params: { replica: 'any' } },
      { atS: 70, action: 'restore-replica', params: { replica: 'any' } },
    ]);
  });

  it.each(targets)('targets/%s parses and names its schema', async (file) => {
    const path = join(root, 'targets', file);
    await expect(loadTarget(path)).resolves.toBeDefined();
    expect(readFileSync(path, 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\/target\.schema\.json$/m);
  });

  it('the demo stays within a minute with 5x near its top rate', async () => {
    const plan = await loadScenario(join(root, 'scenarios', 'demo.yaml'));
    expect(plan.durationS).toBeLessThanOrEqual(60);
    expect(plan.slo.p99Ms).toBe(50);
    expect(plan.target).toMatchObject({ embedded: true, models: ['mlp'] });
    expect(plan.phases.map((p) => p.name)).toEqual(['warmup', 'steady', 'double', 'peak-5x', 'burst']);
  });
});
