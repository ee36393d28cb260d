import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 as Ajv, type ErrorObject } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { GauntletError } from '../../../src/errors.js';
import { ARRIVALS } from '../../../src/scenario/arrivals.js';
import { scenarioJsonSchema, targetJsonSchema } from '../../../src/scenario/json-schema.js';
import { DRILL_KEYS, FAULT_ACTIONS, FAULT_KEYS } from '../../../src/scenario/parse-faults.js';
import { PHASE_KEYS, BURST_KEYS } from '../../../src/scenario/parse-phases.js';
import { INPUT_KEYS, REQUEST_KEYS } from '../../../src/scenario/parse-request.js';
import { loadScenario, SCENARIO_KEYS } from '../../../src/scenario/parse-scenario.js';
import { SLO_KEYS } from '../../../src/scenario/parse-slo.js';
import { EMBEDDED_KEYS, loadTarget, TARGET_KEYS } from '../../../src/scenario/parse-target.js';
import { repositoryRoot, schemaFiles } from '../../../src/scenario/write-schemas.js';
import { sweepJsonSchema } from '../../../src/sweep/json-schema.js';
import { CONSTRAINT_KEYS, loadSweep, MATRIX_KEYS, SEARCH_KEYS, SWEEP_KEYS } from '../../../src/sweep/parse-sweep.js';

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
    expect(keys(t.$defs.target!.properties)).toEqual([...TARGET_KEYS].sort());
  });

  it('name exactly the fields the sweep validator accepts', () => {
    const s = sweepJsonSchema() as Schema;
    expect(keys(s.properties)).toEqual([...SWEEP_KEYS].sort());
    expect(keys((s.properties.matrix as Schema).properties)).toEqual(keys(MATRIX_KEYS));
    expect(keys((s.properties.search as Schema).properties)).toEqual([...SEARCH_KEYS].sort());
    expect(keys((s.properties.constraints as Schema).properties)).toEqual(keys(CONSTRAINT_KEYS));
  });

  it('compile under Ajv in strict mode (draft 2020-12)', () => {
    for (const schema of [scenarioJsonSchema(), targetJsonSchema(), sweepJsonSchema()]) expect(() => strictAjv().compile(schema)).not.toThrow();
  });

  it('reject what the validator rejects: unknown fields, bad values, matrix with targets, a matrix sweep without a model', () => {
    const sweep = validator(sweepJsonSchema());
    const base = { scenario: 'base.yaml', model: 'mlp' };
    expect(sweep({ ...base, matrix: { dynamic_batching: ['off', 'on'], instance_count: 2, precision: ['int8'] } })).toEqual([]);
    expect(sweep({ ...base, matrix: { instance_cout: [1] } })).toEqual(expect.arrayContaining([expect.stringMatching(/additional properties/)]));
    expect(sweep({ ...base, matrix: { dynamic_batching: ['maybe'] } })).not.toEqual([]);
    expect(sweep({ ...base, matrix: { max_batch_size: [0] } })).not.toEqual([]);
    expect(sweep({ ...base, matrix: { max_batch_size: [8, 8] } })).not.toEqual([]);
    expect(sweep({ ...base, matrix: { precision: 'fp64' } })).not.toEqual([]);
    expect(sweep({ ...base, matrix: {}, targets: ['a.yaml'] })).not.toEqual([]);
    expect(sweep({ scenario: 'base.yaml', matrix: { replicas: [1] } })).not.toEqual([]);
    expect(sweep({ scenario: 'base.yaml', targets: ['a.yaml', { protocol: 'kserve-http', url: 'http://127.0.0.1:1' }] })).toEqual([]);
    expect(sweep({ scenario: 'base.yaml', model: 'mlp', targets: ['a.yaml'] })).not.toEqual([]);
    // to_rps may be left out (auto: a probe sets the ceiling), or say auto, but nothing else that is not a rate.
    expect(sweep({ ...base, search: { from_rps: 10 } })).toEqual([]);
    expect(sweep({ ...base, search: { from_rps: 10, to_rps: 'auto' } })).toEqual([]);
    expect(sweep({ ...base, search: { from_rps: 10, to_rps: 'max' } })).not.toEqual([]);
    expect(sweep({ ...base, search: { from_rps: 10, to_rps: 20, step_duration: '4s', warmup: 0 }, constraints: { min_cosine: 0.999 } })).toEqual([]);
    expect(sweep({ ...base, constraints: { max_error_rate: 2 } })).not.toEqual([]);
    const scenario = validator(scenarioJsonSchema());
    expect(scenario({ phases: [{ name: 'a', duration: '10s', rate: 5 }] })).toEqual([]);
    expect(scenario({ phases: [{ name: 'a', duration: '10s', rate: 5, burts: {} }] })).not.toEqual([]);
    expect(scenario({ phases: [{ name: 'a', duration: '10s' }] })).not.toEqual([]);
  });

  it('offers the registered arrival processes', () => {
    const arrival = (scenarioJsonSchema() as Schema).$defs.phase!.properties.arrival as { anyOf: [{ enum: string[] }, { properties: { type: { enum: string[] } } }] };
    expect(arrival.anyOf[1].properties.type.enum).toEqual(ARRIVALS.names());
  });
});

describe('examples', () => {
  const scenarios = readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.yaml'));
  const targets = readdirSync(join(root, 'targets')).filter((f) => f.endsWith('.yaml'));
  const yamls = readdirSync(join(root, 'scenarios', 'sweeps')).filter((f) => f.endsWith('.yaml'));
  // base*.yaml are the sweeps' base scenarios; the rest are sweeps.
  const sweeps = yamls.filter((f) => !f.startsWith('base'));
  const bases = yamls.filter((f) => f.startsWith('base'));
  const llm = readdirSync(join(root, 'scenarios', 'llm')).filter((f) => f.endsWith('.yaml'));

  it.each([
    ...scenarios.map((f) => ['scenarios', f, scenarioJsonSchema()] as const),
    ...targets.map((f) => ['targets', f, targetJsonSchema()] as const),
    ...bases.map((f) => ['scenarios/sweeps', f, scenarioJsonSchema()] as const),
    ...sweeps.map((f) => ['scenarios/sweeps', f, sweepJsonSchema()] as const),
    ...llm.map((f) => ['scenarios/llm', f, scenarioJsonSchema()] as const),
  ])('%s/%s is valid under its schema', (dir, file, schema) => {
    expect(validator(schema)(parse(readFileSync(join(root, dir, file), 'utf8')))).toEqual([]);
  });

  it('include the example sweeps (three for KServe models, three for the reference LLM), which load and name their schema', async () => {
    expect(sweeps.sort()).toEqual(['batching.yaml', 'llm-batching.yaml', 'llm-capacity.yaml', 'llm-precision.yaml', 'parallelism.yaml', 'quantization.yaml']);
    for (const file of sweeps) {
      const path = join(root, 'scenarios', 'sweeps', file);
      await expect(loadSweep(path)).resolves.toBeDefined();
      expect(readFileSync(path, 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\/sweep\.schema\.json$/m);
    }
  });

  it.each(llm)('scenarios/llm/%s parses (the embedded reference LLM) and names its schema', async (file) => {
    const path = join(root, 'scenarios', 'llm', file);
    const plan = await loadScenario(path);
    expect(plan.target).toMatchObject({ embedded: true, protocol: 'openai' });
    expect(plan.request.llm).toBeDefined();
    expect(readFileSync(path, 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/scenario\.schema\.json$/m);
  });

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
    // Repository faults reach the repository extension over HTTP: against the gRPC target they need a url.
    const repositoryFaults = (readFileSync(path, 'utf8').match(/action: (load-model|unload-model|set-version-policy)/g) ?? []).length;
    for (const target of ['reference-http.yaml', 'reference-grpc.yaml']) {
      const loading = loadScenario(path, { target: join(root, 'targets', target) });
      if (repositoryFaults > 0 && target === 'reference-grpc.yaml') {
        const err = (await loading.catch((e: unknown) => e)) as GauntletError;
        for (const d of err.details) expect(d).toMatch(/url: is required: .* calls the repository extension over HTTP/);
      } else if (replicaFaults === 0) await expect(loading).resolves.toBeDefined();
      else {
        const err = (await loading.catch((e: unknown) => e)) as GauntletError;
        expect(err.details).toHaveLength(replicaFaults);
        for (const d of err.details) expect(d).toMatch(/needs the embedded stack's admin API, but the target is external .*only command, network and kubernetes faults apply/);
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

/** strictAjv rejects unknown keywords and formats; `required` may name fields defined elsewhere (if/then, oneOf). */
function strictAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
}

/** validator compiles a schema and returns a function listing a value's violations ('' paths are the root). */
function validator(schema: object): (value: unknown) => string[] {
  const validate = strictAjv().compile(schema);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''}`));
}
