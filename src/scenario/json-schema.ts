/**
 * JSON Schemas (draft 2020-12) for scenario and target files, for editors (completion, hover, squiggles). They are
 * built from the validator's own tables (field lists, SLO keys, datatypes, arrival names from the registry, the
 * duration and rate patterns), and write-schemas.ts saves them as files that a test keeps in step with the code.
 * The validator remains the authority: a schema cannot express every cross-check (e.g. data count vs. shape).
 */
import { REPOSITORY_FAULT_SCHEMA } from './parse-repository-faults.js';
import { FAULTS_ON } from './shard.js';
import { ARRIVALS } from './arrivals.js';
import type { Bounds } from './fields.js';
import { bounds, num, str, type JsonSchema } from './schema-parts.js';
import { COUNT_LIMITS, MAX_DURATION_S, RANGES, TEXT_LIMITS } from './limits.js';
import { LLM_REQUEST_SCHEMA } from './parse-llm-request.js';
import { DATA_KINDS, DATATYPES, DEFAULT_PAYLOADS, REQUEST_KEYS } from './parse-request.js';
import { DEFAULT_TOLERANCE, EXPECT_KEYS, EXPECT_OUTPUT_KEYS, MIX_KEYS } from './parse-mix.js';
import { COMMON_TARGET_KEYS, EMBEDDED_KEYS, ROUTER_POLICIES, TARGET_DEFAULTS, TARGET_KEYS } from './parse-target.js';
import { PROTOCOL_ENTRIES, PROTOCOL_KEYS, PROTOCOLS, protocolsTaking } from '../targets/protocols.js';
import { KUBECTL_TIMEOUT_S, KUBERNETES_OPS } from './parse-kubernetes-fault.js';
import { COMMAND_TIMEOUT_S, DRILL_DEFAULTS, DRILL_KEYS, FAULT_ACTION_NAMES, FAULT_ACTIONS, FAULT_KEYS } from './parse-faults.js';
import { SLO_KEYS } from './parse-slo.js';
import { alertsSchema } from './parse-alerts.js';
import { autoscaleSchema } from './parse-autoscale.js';
import { DURATION_PATTERN, RATE_PATTERN } from './units.js';

export { bounds, num, str, type JsonSchema };


export const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
export const ref = (name: string): JsonSchema => ({ $ref: `#/$defs/${name}` });

/** npy is the subschema of `{npy: file.npy}`: a tensor read from a NumPy file (little-endian, C order). */
const npy: JsonSchema = { type: 'object', additionalProperties: false, required: ['npy'], properties: { npy: { type: 'string', minLength: 1, description: 'An .npy file, relative to the scenario.' } } };


/**
 * duration is the subschema of a duration field within bounds (seconds). Only the number form can carry the
 * range; a string like `2h` is checked by the pattern alone (the validator checks its value).
 */
export function duration(b: Bounds, description = 'Seconds, or 500ms, 10s, 2m, 1h, 1m30s.'): JsonSchema {
  return { anyOf: [{ type: 'number', ...bounds(b) }, { type: 'string', pattern: DURATION_PATTERN }], description };
}

/** rate is the subschema of a rate field within bounds (requests/second); `150rps` and `2x` match the pattern only. */
function rate(b: Bounds, description = 'Requests/second (150, 150rps) or a multiple of peak_rps (2x).'): JsonSchema {
  return { anyOf: [{ type: 'number', ...bounds(b) }, { type: 'string', pattern: RATE_PATTERN }], description };
}

/**
 * targetDefs are the subschemas of a target mapping, shared by both schemas: the common fields, then each
 * protocol's own from its registry entry (protocols.ts), and per protocol (as per fault action) which fields it
 * does not take and which it needs. A field several protocols take with different schemas (model, body) is
 * described once at the top and checked exactly in each protocol's `then`.
 */
export function targetDefs(): Record<string, JsonSchema> {
  const schemas = Object.fromEntries(PROTOCOLS.map((p) => [p, PROTOCOL_ENTRIES[p].schema() as Record<string, JsonSchema>]));
  const own: Record<string, JsonSchema> = {};
  const differs = new Set<string>();
  for (const key of PROTOCOL_KEYS) {
    const each = protocolsTaking(key).map((p) => schemas[p]![key]!);
    const description = [...new Set(each.map((s) => s.description).filter((d) => d !== undefined))].join(' ');
    const bare = each.map(({ description: _, ...rest }) => JSON.stringify(rest));
    if (bare.every((b) => b === bare[0])) own[key] = { ...each[0]!, ...(description !== '' && { description }) };
    else {
      own[key] = { description };
      differs.add(key);
    }
  }
  return {
    target: {
      type: 'object',
      description: 'A server to test.',
      additionalProperties: false,
      required: ['protocol', 'url'],
      properties: {
        name: str('Name in reports (default: the file name).', TEXT_LIMITS.name),
        protocol: { enum: [...PROTOCOLS], description: PROTOCOLS.map((p) => `${p} (${PROTOCOL_ENTRIES[p].summary})`).join(', ') + '.' },
        url: str(PROTOCOLS.map((p) => PROTOCOL_ENTRIES[p].url.description).join('; ') + '.'),
        timeout_ms: { ...num(RANGES['target.timeout_ms'], 'A request unanswered this long is a TIMEOUT.', 'integer'), default: TARGET_DEFAULTS.timeoutMs },
        max_in_flight: { ...num(RANGES['target.max_in_flight'], 'Most requests outstanding; one more is DROPPED.', 'integer'), default: TARGET_DEFAULTS.maxInFlight },
        connections: { ...num(RANGES['target.connections'], 'Keep-alive connections (0: as needed).', 'integer'), default: TARGET_DEFAULTS.connections },
        metrics_url: str('Prometheus endpoint scraped each second during a run.'),
        cost_per_hour: num(RANGES['target.cost_per_hour'], 'Price per hour, for cost per million inferences.'),
        headers: {
          type: 'object',
          maxProperties: COUNT_LIMITS.headers,
          propertyNames: { maxLength: TEXT_LIMITS.text },
          additionalProperties: { anyOf: [{ type: 'string', maxLength: TEXT_LIMITS.text }, { type: ['number', 'boolean'] }] },
          description: 'Headers sent with every request (kserve-grpc: metadata, lower-case names); values are hidden in results.',
        },
        bearer_token_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: TEXT_LIMITS.name, description: 'An environment variable holding a token, sent as Authorization: Bearer <token>; never written to results.' },
        tls: {
          type: 'object',
          additionalProperties: false,
          description: 'TLS for https:// and grpcs:// URLs (a kserve-grpc target with tls uses TLS too): files relative to the target file.',
          properties: {
            ca_file: str('PEM CA bundle to check the server certificate against (default: the system CAs).'),
            cert_file: str('PEM client certificate (mTLS); needs key_file.'),
            key_file: str('PEM client key (mTLS); needs cert_file.'),
            server_name: str('Name sent in SNI and checked in the certificate (default: the URL host name).', TEXT_LIMITS.name),
            insecure_skip_verify: { type: 'boolean', default: false, description: 'Do not check the server certificate (warned about loudly).' },
          },
        },
        ...own,
      } satisfies Record<(typeof COMMON_TARGET_KEYS)[number], JsonSchema> & Record<string, JsonSchema>,
      allOf: PROTOCOLS.map((p) => {
        const entry = PROTOCOL_ENTRIES[p];
        const refused = TARGET_KEYS.filter((k) => !entry.keys.includes(k) && (entry.refuse?.[k] !== undefined || PROTOCOL_KEYS.includes(k)));
        const exact = entry.keys.filter((k) => differs.has(k));
        return {
          if: { properties: { protocol: { const: p } }, required: ['protocol'] },
          then: {
            properties: {
              ...Object.fromEntries(refused.map((k) => [k, false])),
              ...Object.fromEntries(exact.map((k) => [k, schemas[p]![k]!])),
              ...(entry.defaultTimeoutMs !== undefined && { timeout_ms: { default: entry.defaultTimeoutMs } }),
            },
            ...(entry.required.length > 0 && { required: [...entry.required] }),
          },
        };
      }),
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
      name: str('Name in reports (default: the file name).', TEXT_LIMITS.name),
      description: { type: 'string', maxLength: TEXT_LIMITS.description },
      target: {
        description: 'A target file (relative to this file), an inline target, or {embedded: true}; absent: the embedded reference server.',
        anyOf: [{ type: 'string', minLength: 1 }, ref('embeddedTarget'), ref('target')],
      },
      peak_rps: num(RANGES.peak_rps, 'The production peak that rates like 2x multiply.'),
      seed: num(RANGES.seed, 'Seeds random arrivals and payloads (default 1).', 'integer'),
      request: { anyOf: [ref('request'), ref('llmRequest')], description: 'What each request carries: tensors (kserve targets), or prompts (openai targets, docs/llm.md).' },
      slo: { type: 'object', additionalProperties: false, properties: sloProperties(false), description: 'Thresholds every phase is checked against.' },
      phases: { type: 'array', minItems: 1, maxItems: COUNT_LIMITS.phases, items: ref('phase') },
      faults: { type: 'array', maxItems: COUNT_LIMITS.faults, items: ref('fault'), description: 'Scheduled fault actions (failure drills).' },
      drill: {
        type: 'object',
        additionalProperties: false,
        description: 'How drill measurements are computed (windows in whole seconds; scaled by --duration-scale to whole seconds, at least 1 s), and whether graceful degradation is required.',
        properties: {
          recovery_window: { ...duration(RANGES['drill.recovery_window'], 'Recovered: from then on the p99 of every window this long is within the SLO, with no errors.'), default: `${DRILL_DEFAULTS.recoveryWindowS}s` },
          compare_window: { ...duration(RANGES['drill.compare_window'], 'Throughput before and after a fault is averaged over this long.'), default: `${DRILL_DEFAULTS.compareWindowS}s` },
          require_graceful: { type: 'boolean', default: false, description: 'Every overloaded phase must degrade gracefully (docs/drills.md#graceful-degradation); one that does not fails the run (exit 1), as a failed SLO does.' },
        } satisfies Record<(typeof DRILL_KEYS)[number], JsonSchema>,
      },
      start_at: {
        description: 'The common start of a sharded run (gauntlet run --shard; docs/sharding.md): ISO 8601 with a zone, or epoch milliseconds. --start-at overrides it.',
        anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer', minimum: 1 }],
      },
      faults_on: { enum: [...FAULTS_ON], default: 'shard-0', description: 'Which shards of a sharded run fire the faults: shard 0 only, or every shard.' },
      alerts: alertsSchema(duration),
    },
    $defs: {
      llmRequest: LLM_REQUEST_SCHEMA,
      ...targetDefs(),
      embeddedTarget: {
        type: 'object',
        additionalProperties: false,
        required: ['embedded'],
        properties: {
          embedded: { const: true },
          protocol: { enum: ['kserve-http', 'kserve-grpc', 'openai'], description: 'openai: the reference LLM (models[0], default tiny-llm) on the OpenAI routes.' },
          binary: { type: 'boolean' },
          timeout_ms: num(RANGES['target.timeout_ms'], undefined, 'integer'),
          max_in_flight: num(RANGES['target.max_in_flight'], undefined, 'integer'),
          models: { type: 'array', maxItems: COUNT_LIMITS.models, items: { type: 'string', minLength: 1, maxLength: TEXT_LIMITS.name } },
          replicas: num(RANGES['target.replicas'], 'Replicas behind the stack\'s router (1: the single server). Replica faults need 2 or more.', 'integer'),
          router: { enum: [...ROUTER_POLICIES], description: 'The router\'s policy (replicas >= 2; default least-outstanding).' },
          restart_delay: { anyOf: [duration(RANGES['target.restart_delay']), { const: 'never' }], description: 'Seconds before the supervisor restarts a dead replica (0: at once), or never.' },
          autoscale: autoscaleSchema((b) => duration(b)),
          cold_start_extra: duration(RANGES['target.cold_start_extra'], 'Added to every replica start after start-up (scale-ups, restarts), standing for loading large weights: seconds, or 500ms, 10s, 2m.'),
        } satisfies Record<(typeof EMBEDDED_KEYS)[number], JsonSchema>,
      },
      request: {
        type: 'object',
        additionalProperties: false,
        properties: {
          model: str('The model to infer on.', TEXT_LIMITS.name),
          model_version: { type: 'string', maxLength: TEXT_LIMITS.name },
          inputs: { type: 'array', minItems: 1, maxItems: COUNT_LIMITS.inputs, items: ref('input') },
          outputs: { type: 'array', maxItems: COUNT_LIMITS.outputs, items: { type: 'string', minLength: 1, maxLength: TEXT_LIMITS.name } },
          parameters: {
            type: 'object',
            maxProperties: COUNT_LIMITS.parameters,
            propertyNames: { maxLength: TEXT_LIMITS.name },
            additionalProperties: { anyOf: [{ type: 'string', maxLength: TEXT_LIMITS.text }, { type: ['number', 'boolean'] }] },
          },
          payloads: { ...num(RANGES['request.payloads'], 'Distinct random payloads to cycle through.', 'integer'), default: DEFAULT_PAYLOADS },
          input_data: str('A perf_analyzer --input-data JSON file ({"data": [...]}, optional "validation_data"), relative to the scenario.'),
          expect: ref('expect'),
          mix: { type: 'array', minItems: 1, maxItems: COUNT_LIMITS.mix, items: ref('template'), description: 'Weighted request templates; each inherits what it leaves out from the request.' },
        } satisfies Record<(typeof REQUEST_KEYS)[number], JsonSchema>,
      },
      template: {
        type: 'object',
        additionalProperties: false,
        properties: {
          name: str('The template\'s name (default mix[i]).', TEXT_LIMITS.name),
          weight: { ...num(RANGES['request.mix[].weight'], 'Relative share of the requests (default 1).'), default: 1 },
          model: str('The model to infer on.', TEXT_LIMITS.name),
          model_version: { type: 'string', maxLength: TEXT_LIMITS.name },
          inputs: { type: 'array', minItems: 1, maxItems: COUNT_LIMITS.inputs, items: ref('input') },
          outputs: { type: 'array', maxItems: COUNT_LIMITS.outputs, items: { type: 'string', minLength: 1, maxLength: TEXT_LIMITS.name } },
          parameters: { type: 'object', maxProperties: COUNT_LIMITS.parameters },
          input_data: str('A perf_analyzer --input-data JSON file, relative to the scenario.'),
          expect: ref('expect'),
        } satisfies Record<(typeof MIX_KEYS)[number], JsonSchema>,
      },
      expect: {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { type: 'array', maxItems: COUNT_LIMITS.statuses, items: num(RANGES['request.expect.status[]'], undefined, 'integer'), description: 'Accepted HTTP statuses (kserve-http, http).' },
          outputs: {
            type: 'array',
            maxItems: COUNT_LIMITS.outputs,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name'],
              properties: {
                name: str('The output tensor name.', TEXT_LIMITS.name),
                datatype: { enum: Object.keys(DATATYPES) },
                shape: { type: 'array', maxItems: COUNT_LIMITS.shapeRank, items: { type: 'integer', minimum: -1 }, description: '-1 matches any size.' },
                data: { anyOf: [{ type: 'array' }, npy], description: 'Values every response must have (within the tolerance).' },
              } satisfies Record<(typeof EXPECT_OUTPUT_KEYS)[number], JsonSchema>,
            },
          },
          data_file: str('Expected outputs per request: perf_analyzer {"validation_data": [...]} JSON, or .jsonl (one mapping of output → tensor per line).'),
          tolerance: {
            type: 'object',
            additionalProperties: false,
            properties: {
              absolute: { ...num(RANGES['request.expect.tolerance.absolute']), default: DEFAULT_TOLERANCE.absolute },
              relative: { ...num(RANGES['request.expect.tolerance.relative']), default: DEFAULT_TOLERANCE.relative },
            },
          },
        } satisfies Record<(typeof EXPECT_KEYS)[number], JsonSchema>,
      },
      input: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'datatype', 'shape'],
        properties: {
          name: str('The input tensor name.', TEXT_LIMITS.name),
          datatype: { enum: Object.keys(DATATYPES) },
          shape: { type: 'array', maxItems: COUNT_LIMITS.shapeRank, items: num(RANGES['request.inputs[].shape[]'], undefined, 'integer'), description: 'The full shape, batch dimension included.' },
          data: { anyOf: [{ enum: [...DATA_KINDS] }, { type: 'array' }, npy], default: 'random', description: 'random, zeros, ones, values (flat or nested), or {npy: file.npy}.' },
        },
      },
      phase: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: str('Unique phase name.', TEXT_LIMITS.name),
          duration: duration(RANGES['phases[].duration']),
          rate: {
            anyOf: [
              rate(RANGES['phases[].rate']),
              { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: rate(RANGES['phases[].rate.from']), to: rate(RANGES['phases[].rate.to']) } },
            ],
          },
          concurrency: num(RANGES['phases[].concurrency'], 'Closed loop: this many requests outstanding at all times.', 'integer'),
          trace: str('Trace file (one send time per line, or CSV with time_s and optionally request_bytes and model or route), relative to this file.'),
          speed: { ...num(RANGES['phases[].speed'], 'Trace replay speed (2 = twice as fast).'), default: 1 },
          loop: {
            anyOf: [num(RANGES['phases[].loop'], 'Replay the trace (its window) this many times back to back.', 'integer'), { type: 'boolean', description: 'true: repeat until the phase\'s duration (then required).' }],
            default: 1,
          },
          from: traceTime('Start of the window of the trace to replay (inclusive): an offset from its start, or an ISO timestamp when the trace has them.'),
          to: traceTime('End of the window of the trace to replay (exclusive): an offset from its start, or an ISO timestamp when the trace has them.'),
          models: {
            type: 'object',
            maxProperties: COUNT_LIMITS.models,
            additionalProperties: { type: 'string', minLength: 1, maxLength: TEXT_LIMITS.name },
            description: 'Trace replay: the trace\'s model names to send to other models ("*" maps every other name), e.g. {"*": mlp}.',
          },
          arrival: {
            anyOf: [
              { enum: arrivalNames.filter((n) => n !== 'gamma') },
              {
                type: 'object',
                additionalProperties: false,
                required: ['type'],
                properties: { type: { enum: arrivalNames }, burstiness: num(RANGES['phases[].arrival.burstiness'], 'Squared coefficient of variation of the gaps.') },
                if: { properties: { type: { const: 'gamma' } } },
                then: { required: ['burstiness'] },
              },
            ],
          },
          burst: {
            type: 'object',
            additionalProperties: false,
            required: ['every', 'length', 'rate'],
            properties: { every: duration(RANGES['phases[].burst.every']), length: duration(RANGES['phases[].burst.length']), rate: rate(RANGES['phases[].burst.rate']) },
          },
          slo: { anyOf: [{ const: 'off' }, { const: false }, { type: 'object', additionalProperties: false, properties: sloProperties(true) }] },
        },
        // Exactly one kind of load; a duration unless it is a trace (whose span gives one).
        oneOf: [{ required: ['rate'] }, { required: ['concurrency'] }, { required: ['trace'] }],
        anyOf: [{ required: ['duration'] }, { required: ['trace'] }],
        // loop: true repeats the trace until the phase's end: then the phase needs a duration.
        if: { properties: { loop: { const: true } }, required: ['loop'] },
        then: { required: ['duration'] },
      },
      fault: faultSchema(),
    },
  };
}

/** traceTime is a trace window's edge: an offset (a duration from 0 to 24 h) or an ISO 8601 timestamp. */
function traceTime(description: string): JsonSchema {
  return { anyOf: [duration({ min: 0, max: MAX_DURATION_S }), { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}' }], description };
}

/** faultSchema is the schema of one fault: the common fields, every action's parameters, and which belong to which. */
function faultSchema(): JsonSchema {
  const params: Record<string, JsonSchema> = {
    replica: { type: 'string', pattern: '^(any|r(0|[1-9][0-9]*))$', default: 'any', description: 'kill-, stop-, restore-replica: any, or a replica id like r1.' },
    run: str('command: the shell command to run (sh -c).'),
    timeout: { ...duration(RANGES['faults[].timeout'], `command: kill its process group after this long (default ${COMMAND_TIMEOUT_S}s). kubernetes: each kubectl call's timeout (default ${KUBECTL_TIMEOUT_S}s).`) },
    op: { enum: [...KUBERNETES_OPS], description: 'kubernetes: delete-pod (selector, count), cordon-node (node; uncordoned after duration), scale (deployment, replicas).' },
    selector: str('kubernetes delete-pod: label selector of the pods, e.g. app.kubernetes.io/component=server.'),
    count: { anyOf: [num(RANGES['faults[].count'], undefined, 'integer'), { const: 'all' }], default: 1, description: 'kubernetes delete-pod: how many matching pods (the first by name), or all.' },
    node: str('kubernetes cordon-node: the node to mark unschedulable.'),
    deployment: str('kubernetes scale: the Deployment to scale.'),
    replicas: num(RANGES['faults[].replicas'], 'kubernetes scale: the replicas to scale it to.', 'integer'),
    namespace: str('kubernetes: the namespace (default: the kubeconfig context\'s).'),
    context: str('kubernetes: the kubeconfig context (default: the current one).'),
    kubectl: { ...str('kubernetes: the kubectl binary (a path or a name on PATH).'), default: 'kubectl' },
    latency_ms: num(RANGES['faults[].latency_ms'], 'network: added delay per chunk, milliseconds.'),
    jitter_ms: { ...num(RANGES['faults[].jitter_ms'], 'network: ± uniform jitter around latency_ms (at most latency_ms).'), default: 0 },
    ...(REPOSITORY_FAULT_SCHEMA as Record<string, JsonSchema>),
  };
  const common = {
    at: duration(RANGES['faults[].at'], 'When the fault fires, from the run\'s start.'),
    duration: duration(RANGES['faults[].duration'], 'How long a timed fault lasts (its effect is undone at its end).'),
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
