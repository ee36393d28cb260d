/**
 * JSON Schemas (draft 2020-12) for scenario and target files, for editors (completion, hover, squiggles). They are
 * built from the validator's own tables (field lists, SLO keys, datatypes, arrival names from the registry, the
 * duration and rate patterns), and write-schemas.ts saves them as files that a test keeps in step with the code.
 * The validator remains the authority: a schema cannot express every cross-check (e.g. data count vs. shape).
 */
import { ARRIVALS } from './arrivals.js';
import type { Bounds } from './fields.js';
import { DATA_KINDS, DATATYPES, DEFAULT_PAYLOADS } from './parse-request.js';
import { EMBEDDED_KEYS, HTTP_METHODS, MAX_REPLICAS, PROTOCOLS, ROUTER_POLICIES, TARGET_DEFAULTS } from './parse-target.js';
import { COMMAND_TIMEOUT_S, DRILL_DEFAULTS, DRILL_KEYS, FAULT_ACTION_NAMES, FAULT_ACTIONS, FAULT_KEYS } from './parse-faults.js';
import { SLO_KEYS } from './parse-slo.js';
import { DURATION_PATTERN, RATE_PATTERN } from './units.js';

/** JsonSchema is a JSON Schema document or subschema. */
export type JsonSchema = { [key: string]: unknown };

export const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
export const ref = (name: string): JsonSchema => ({ $ref: `#/$defs/${name}` });
export const str = (description: string): JsonSchema => ({ type: 'string', minLength: 1, description });

/** DURATION_DEF is the subschema of a duration field. */
export const DURATION_DEF: JsonSchema = { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: DURATION_PATTERN }], description: 'Seconds, or 500ms, 10s, 2m, 1h, 1m30s.' };

/** bounds turns a validator's numeric bounds into JSON Schema keywords. */
export function bounds(b: Bounds): JsonSchema {
  return { ...(b.gt !== undefined && { exclusiveMinimum: b.gt }), ...(b.min !== undefined && { minimum: b.min }), ...(b.max !== undefined && { maximum: b.max }) };
}

/** targetDefs are the subschemas of a target mapping, shared by both schemas. */
export function targetDefs(): Record<string, JsonSchema> {
  const onlyIf = (protocols: string[], keys: string[]): JsonSchema => ({
    if: { properties: { protocol: { enum: protocols } }, required: ['protocol'] },
    then: { properties: Object.fromEntries(keys.map((k) => [k, false])) },
  });
  return {
    target: {
      type: 'object',
      description: 'A server to test.',
      additionalProperties: false,
      required: ['protocol', 'url'],
      properties: {
        name: str('Name in reports (default: the file name).'),
        protocol: { enum: [...PROTOCOLS], description: 'kserve-http, kserve-grpc (KServe v2) or http (any JSON endpoint).' },
        url: str('kserve-http and http: http://host:port; kserve-grpc: host:port or grpc://host:port.'),
        model: str('kserve-*: the model to infer on (a scenario\'s request.model overrides it).'),
        model_version: { type: 'string', description: 'kserve-*: the model version (empty: the server\'s choice).' },
        binary: { type: 'boolean', default: TARGET_DEFAULTS.binary, description: 'kserve-http: use the binary tensor data extension.' },
        timeout_ms: { type: 'integer', minimum: 1, default: TARGET_DEFAULTS.timeoutMs, description: 'A request unanswered this long is a TIMEOUT.' },
        max_in_flight: { type: 'integer', minimum: 1, default: TARGET_DEFAULTS.maxInFlight, description: 'Most requests outstanding; one more is DROPPED.' },
        connections: { type: 'integer', minimum: 0, default: TARGET_DEFAULTS.connections, description: 'Keep-alive connections (0: as needed).' },
        metrics_url: str('Prometheus endpoint scraped each second during a run.'),
        cost_per_hour: { type: 'number', minimum: 0, description: 'Price per hour, for cost per million inferences.' },
        method: { enum: [...HTTP_METHODS], description: 'http: the request method (default POST with a body, else GET).' },
        path: { type: 'string', pattern: '^/', description: 'http: the request path.' },
        headers: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, description: 'http: request headers.' },
        body: { type: ['string', 'object', 'array'], description: 'http: the request body (a mapping is sent as JSON).' },
      },
      allOf: [
        onlyIf(['http'], ['model', 'model_version', 'binary']),
        onlyIf(['kserve-http', 'kserve-grpc'], ['method', 'path', 'headers', 'body']),
        onlyIf(['kserve-grpc'], ['binary']),
        { if: { properties: { protocol: { const: 'http' } }, required: ['protocol'] }, then: { required: ['path'] } },
      ],
    },
  };
}

/** targetJsonSchema returns the JSON Schema of target files. */
export function targetJsonSchema(): JsonSchema {
  return { $schema: DRAFT, title: 'gauntlet target', ...ref('target'), $defs: targetDefs() };
}

/** scenarioJsonSchema returns the JSON Schema of scenario files. */
export function scenarioJsonSchema(): JsonSchema {
  const arrivalNames = ARRIVALS.names();
  const sloProperties = (nullable: boolean): JsonSchema =>
    Object.fromEntries(Object.entries(SLO_KEYS).map(([name, { bounds: b }]) => [name, { type: nullable ? ['number', 'null'] : 'number', ...bounds(b) }]));
  return {
    $schema: DRAFT,
    title: 'gauntlet scenario',
    type: 'object',
    additionalProperties: false,
    required: ['phases'],
    properties: {
      name: str('Name in reports (default: the file name).'),
      description: { type: 'string' },
      target: {
        description: 'A target file (relative to this file), an inline target, or {embedded: true}; absent: the embedded reference server.',
        anyOf: [{ type: 'string', minLength: 1 }, ref('embeddedTarget'), ref('target')],
      },
      peak_rps: { type: 'number', exclusiveMinimum: 0, description: 'The production peak that rates like 2x multiply.' },
      seed: { type: 'integer', minimum: 0, description: 'Seeds random arrivals and payloads (default 1).' },
      request: ref('request'),
      slo: { type: 'object', additionalProperties: false, properties: sloProperties(false), description: 'Thresholds every phase is checked against.' },
      phases: { type: 'array', minItems: 1, items: ref('phase') },
      faults: { type: 'array', items: ref('fault'), description: 'Scheduled fault actions (failure drills).' },
      drill: {
        type: 'object',
        additionalProperties: false,
        description: 'How drill measurements are computed (whole seconds; not scaled by --duration-scale).',
        properties: {
          recovery_window: { ...ref('duration'), default: `${DRILL_DEFAULTS.recoveryWindowS}s`, description: 'Recovered: from then on the p99 of every window this long is within the SLO, with no errors.' },
          compare_window: { ...ref('duration'), default: `${DRILL_DEFAULTS.compareWindowS}s`, description: 'Throughput before and after a fault is averaged over this long.' },
        } satisfies Record<(typeof DRILL_KEYS)[number], JsonSchema>,
      },
    },
    $defs: {
      ...targetDefs(),
      duration: DURATION_DEF,
      rate: { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: RATE_PATTERN }], description: 'Requests/second (150, 150rps) or a multiple of peak_rps (2x).' },
      embeddedTarget: {
        type: 'object',
        additionalProperties: false,
        required: ['embedded'],
        properties: {
          embedded: { const: true },
          protocol: { enum: ['kserve-http', 'kserve-grpc'] },
          binary: { type: 'boolean' },
          timeout_ms: { type: 'integer', minimum: 1 },
          max_in_flight: { type: 'integer', minimum: 1 },
          models: { type: 'array', items: { type: 'string', minLength: 1 } },
          replicas: { type: 'integer', minimum: 1, maximum: MAX_REPLICAS, description: 'Replicas behind the stack\'s router (1: the single server). Replica faults need 2 or more.' },
          router: { enum: [...ROUTER_POLICIES], description: 'The router\'s policy (replicas >= 2; default least-outstanding).' },
          restart_delay: { anyOf: [ref('duration'), { const: 'never' }], description: 'Seconds before the supervisor restarts a dead replica (0: at once), or never.' },
        } satisfies Record<(typeof EMBEDDED_KEYS)[number], JsonSchema>,
      },
      request: {
        type: 'object',
        additionalProperties: false,
        properties: {
          model: str('The model to infer on.'),
          model_version: { type: 'string' },
          inputs: { type: 'array', minItems: 1, items: ref('input') },
          outputs: { type: 'array', items: { type: 'string', minLength: 1 } },
          parameters: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
          payloads: { type: 'integer', minimum: 1, default: DEFAULT_PAYLOADS, description: 'Distinct random payloads to cycle through.' },
        },
      },
      input: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'datatype', 'shape'],
        properties: {
          name: str('The input tensor name.'),
          datatype: { enum: Object.keys(DATATYPES) },
          shape: { type: 'array', items: { type: 'integer', minimum: 0 }, description: 'The full shape, batch dimension included.' },
          data: { anyOf: [{ enum: [...DATA_KINDS] }, { type: 'array' }], default: 'random', description: 'random, zeros, ones, or values (flat or nested).' },
        },
      },
      phase: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: str('Unique phase name.'),
          duration: ref('duration'),
          rate: { anyOf: [ref('rate'), { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: ref('rate'), to: ref('rate') } }] },
          concurrency: { type: 'integer', minimum: 1, description: 'Closed loop: this many requests outstanding at all times.' },
          trace: str('Trace file (one send time per line), relative to this file.'),
          speed: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Trace replay speed (2 = twice as fast).' },
          arrival: {
            anyOf: [
              { enum: arrivalNames.filter((n) => n !== 'gamma') },
              {
                type: 'object',
                additionalProperties: false,
                required: ['type'],
                properties: { type: { enum: arrivalNames }, burstiness: { type: 'number', exclusiveMinimum: 0, description: 'Squared coefficient of variation of the gaps.' } },
                if: { properties: { type: { const: 'gamma' } } },
                then: { required: ['burstiness'] },
              },
            ],
          },
          burst: {
            type: 'object',
            additionalProperties: false,
            required: ['every', 'length', 'rate'],
            properties: { every: ref('duration'), length: ref('duration'), rate: ref('rate') },
          },
          slo: { anyOf: [{ const: 'off' }, { const: false }, { type: 'object', additionalProperties: false, properties: sloProperties(true) }] },
        },
        // Exactly one kind of load; a duration unless it is a trace (whose span gives one).
        oneOf: [{ required: ['rate'] }, { required: ['concurrency'] }, { required: ['trace'] }],
        anyOf: [{ required: ['duration'] }, { required: ['trace'] }],
      },
      fault: faultSchema(),
    },
  };
}

/** faultSchema is the schema of one fault: the common fields, every action's parameters, and which belong to which. */
function faultSchema(): JsonSchema {
  const params: Record<string, JsonSchema> = {
    replica: { type: 'string', pattern: '^(any|r(0|[1-9][0-9]*))$', default: 'any', description: 'kill-, stop-, restore-replica: any, or a replica id like r1.' },
    run: str('command: the shell command to run (sh -c).'),
    timeout: { ...ref('duration'), default: `${COMMAND_TIMEOUT_S}s`, description: 'command: kill its process group after this long.' },
    latency_ms: { type: 'number', minimum: 0, description: 'network: added delay per chunk, milliseconds.' },
    jitter_ms: { type: 'number', minimum: 0, default: 0, description: 'network: ± uniform jitter around latency_ms (at most latency_ms).' },
  };
  const common = {
    at: { ...ref('duration'), description: 'When the fault fires, from the run\'s start.' },
    duration: { ...ref('duration'), description: 'How long a timed fault lasts (its effect is undone at its end).' },
    action: { enum: FAULT_ACTION_NAMES, description: 'The fault action; the other fields are its parameters.' },
  } satisfies Record<(typeof FAULT_KEYS)[number], JsonSchema>;
  return {
    type: 'object',
    additionalProperties: false,
    required: ['at', 'action'],
    properties: { ...common, ...params },
    allOf: FAULT_ACTION_NAMES.map((action) => {
      const rule = FAULT_ACTIONS[action];
      const forbidden = [...Object.keys(params).filter((k) => !rule.keys.includes(k)), ...(rule.duration === 'never' ? ['duration'] : [])];
      const required = [...(rule.duration === 'required' ? ['duration'] : []), ...rule.required];
      return {
        if: { properties: { action: { const: action } }, required: ['action'] },
        then: { properties: Object.fromEntries(forbidden.map((k) => [k, false])), ...(required.length > 0 && { required }) },
      };
    }),
  };
}
