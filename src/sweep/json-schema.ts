/**
 * The JSON Schema (draft 2020-12) of sweep files, for editors, built like the scenario schema from the validator's
 * own tables (top-level, search and constraint keys with their bounds, the matrix keys' kinds and ranges). The
 * validator remains the authority: the schema cannot check that the scenario file exists or that a search has a
 * p99 bound from somewhere.
 */
import { TEXT_LIMITS } from '../scenario/limits.js';
import { bounds, DRAFT, duration, type JsonSchema, ref, str, targetDefs } from '../scenario/json-schema.js';
import type { Bounds } from '../scenario/fields.js';
import { externalSweepProperties } from './external-schema.js';
import { CONSTRAINT_KEYS, MATRIX_KEYS, type MatrixKeySpec, MAX_COMBINATIONS, SEARCH_BOUNDS, SEARCH_DEFAULTS, type SEARCH_KEYS, SWEEP_BOUNDS, SWEEP_DEFAULTS, type SWEEP_KEYS } from './parse-sweep.js';
import { RECOMMEND_BASES } from './recommend.js';

const CONSTRAINT_TEXT: Record<keyof typeof CONSTRAINT_KEYS, string> = {
  max_p99_ms: 'p99 at the throughput at the SLO, milliseconds.',
  max_error_rate: 'Error rate at the throughput at the SLO, 0-1.',
  min_cosine: 'The precision variant\'s mean cosine similarity against fp32 (fp32 itself: 1).',
  min_top1: 'Classifiers: the share of inputs whose top class agrees with fp32.',
  max_memory_mib: 'The server\'s resident memory, MiB.',
  min_throughput_rps: 'The throughput at the SLO, requests/second.',
  min_agreement: 'LLM precision variants: the share of greedy tokens equal to fp32\'s over the fixed prompt set (fp32 itself: 1), 0-1.',
};

/** sweepJsonSchema returns the JSON Schema of sweep files. */
export function sweepJsonSchema(): JsonSchema {
  const matrixValue = (spec: MatrixKeySpec): JsonSchema => {
    switch (spec.kind) {
      case 'switch':
        return { anyOf: [{ enum: ['on', 'off'] }, { type: 'boolean' }] };
      case 'integer':
        return { type: 'integer', minimum: spec.min, maximum: spec.max };
      case 'choice':
        return { enum: [...spec.values] };
    }
  };
  const matrixKey = (spec: MatrixKeySpec): JsonSchema => {
    const value = matrixValue(spec);
    return { description: `${spec.description} One value or a list.`, anyOf: [value, { type: 'array', minItems: 1, maxItems: MAX_COMBINATIONS, uniqueItems: true, items: value }] };
  };
  const durationField = (description: string, b: Bounds, fallback: number): JsonSchema => ({ ...duration(b, description), default: `${fallback}s` });
  return {
    $schema: DRAFT,
    title: 'gauntlet sweep',
    type: 'object',
    additionalProperties: false,
    required: ['scenario'],
    properties: {
      name: str('Name in reports and of the output folder (default: the file name).', TEXT_LIMITS.name),
      description: { type: 'string', maxLength: TEXT_LIMITS.description, description: 'Free text, shown by --dry-run.' },
      scenario: str('The base scenario, relative to this file.'),
      model: str('Matrix sweeps: the model family (mlp, encoder, cnn) or a model of --model-repository.', TEXT_LIMITS.name),
      matrix: {
        type: 'object',
        additionalProperties: false,
        description: `Reference-server settings to sweep; their cross product is run (at most ${MAX_COMBINATIONS} combinations).`,
        properties: Object.fromEntries(Object.entries(MATRIX_KEYS).map(([name, spec]) => [name, matrixKey(spec)])),
      },
      targets: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_COMBINATIONS,
        description: 'Instead of matrix: external targets, as target files (relative to this file) or inline mappings.',
        items: { anyOf: [{ type: 'string', minLength: 1 }, ref('target')] },
      },
      search: {
        type: 'object',
        additionalProperties: false,
        required: ['from_rps'],
        description: 'Search each combination\'s highest rate that meets the bounds.',
        properties: {
          p99_ms: { type: 'number', ...bounds(SEARCH_BOUNDS.p99_ms), description: 'The request p99 bound (KServe targets default: constraints.max_p99_ms, else the scenario\'s slo.p99_ms; LLM targets: checked only when given).' },
          error_rate: { type: 'number', ...bounds(SEARCH_BOUNDS.error_rate), description: 'The error-rate bound (default: constraints.max_error_rate, else the scenario\'s, else 0.001).' },
          ttft_p99_ms: { type: 'number', ...bounds(SEARCH_BOUNDS.ttft_p99_ms), description: 'LLM targets: the TTFT p99 bound (default: the scenario\'s slo.ttft_p99_ms).' },
          itl_p99_ms: { type: 'number', ...bounds(SEARCH_BOUNDS.itl_p99_ms), description: 'LLM targets: the inter-token latency p99 bound (default: the scenario\'s slo.itl_p99_ms).' },
          tpot_p99_ms: { type: 'number', ...bounds(SEARCH_BOUNDS.tpot_p99_ms), description: 'LLM targets: the time-per-output-token p99 bound (default: the scenario\'s slo.tpot_p99_ms).' },
          min_goodput: { type: 'number', ...bounds(SEARCH_BOUNDS.min_goodput), description: 'LLM targets: the lowest share of requests meeting the scenario\'s per-request thresholds (default: the scenario\'s slo.min_goodput).' },
          from_rps: { type: 'number', ...bounds(SEARCH_BOUNDS.from_rps), description: 'The lowest rate, probed first.' },
          to_rps: {
            anyOf: [{ type: 'number', ...bounds(SEARCH_BOUNDS.to_rps) }, { const: 'auto' }],
            default: 'auto',
            description: 'The ceiling of the search (> from_rps; not probed itself). auto: 1.5x what a closed-loop probe of each combination sustains.',
          },
          steps: { type: 'integer', ...bounds(SEARCH_BOUNDS.steps), default: SEARCH_DEFAULTS.steps, description: 'Bisection steps after the first probe.' },
          step_duration: durationField('How long each step runs.', SEARCH_BOUNDS.step_duration, SEARCH_DEFAULTS.stepDurationS),
          warmup: durationField('A run at from_rps before the first step (0: none).', SEARCH_BOUNDS.warmup, SEARCH_DEFAULTS.warmupS),
          probe_duration: durationField('How long the closed-loop capacity probe of to_rps: auto runs.', SEARCH_BOUNDS.probe_duration, SEARCH_DEFAULTS.probeS),
        } satisfies Record<(typeof SEARCH_KEYS)[number], JsonSchema>,
      },
      constraints: {
        type: 'object',
        additionalProperties: false,
        description: 'What a recommended combination must meet.',
        properties: Object.fromEntries(
          Object.entries(CONSTRAINT_KEYS).map(([name, c]) => [name, { type: 'number', ...bounds(c.bounds), description: CONSTRAINT_TEXT[name as keyof typeof CONSTRAINT_KEYS] }]),
        ),
      },
      recommend: { enum: [...RECOMMEND_BASES], default: SWEEP_DEFAULTS.recommend, description: 'What the recommendation ranks on: throughput at the SLO, cost per 1M inferences at the SLO, p99 (sweeps without search), or tokens_per_s: an LLM\'s output tokens/s in a phase that met the SLO (sweeps without search).' },
      cost_per_hour: { type: 'number', ...bounds(SWEEP_BOUNDS.cost_per_hour), description: 'Matrix sweeps: what one combination costs per hour (targets carry their own cost_per_hour).' },
      repeats: { type: 'integer', ...bounds(SWEEP_BOUNDS.repeats), default: SWEEP_DEFAULTS.repeats, description: 'Repeats of each combination\'s deciding run, to measure run-to-run noise (0: not measured, so no margin can be called real).' },
      ...externalSweepProperties(MAX_COMBINATIONS),
    } satisfies Record<(typeof SWEEP_KEYS)[number], JsonSchema>,
    // Either a matrix or targets; a matrix sweep names its model, a target sweep (or one of your own server) must not.
    not: { required: ['matrix', 'targets'] },
    if: { anyOf: [{ required: ['targets'] }, { required: ['server'] }] },
    then: { properties: { model: false } },
    else: { required: ['model'] },
    $defs: targetDefs(),
  };
}
