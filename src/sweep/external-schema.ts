/**
 * The JSON Schema of the fields of a sweep of the user's own server (`variables:`, `server:`, `target:`), built
 * from the validator's tables in external-config.ts; json-schema.ts adds them to the sweep schema.
 */
import { TEXT_LIMITS } from '../scenario/limits.js';
import { bounds, duration, type JsonSchema, ref } from '../scenario/json-schema.js';
import type { Bounds } from '../scenario/fields.js';
import { EXTERNAL_BOUNDS, EXTERNAL_DEFAULTS, type EXTERNAL_KEYS, MAX_VARIABLES, type READY_KEYS } from './external-config.js';
import type { EXTERNAL_SWEEP_KEYS } from './parse-sweep.js';

/** externalSweepProperties returns the schema of `variables:`, `server:` and `target:`. */
export function externalSweepProperties(maxCombinations: number): Record<(typeof EXTERNAL_SWEEP_KEYS)[number], JsonSchema> {
  const value: JsonSchema = { anyOf: [{ type: 'string', maxLength: TEXT_LIMITS.text }, { type: 'number' }, { type: 'boolean' }] };
  const text = (description: string, maxLength: number = TEXT_LIMITS.text): JsonSchema => ({ type: 'string', minLength: 1, maxLength, description });
  const url = (description: string): JsonSchema => ({ type: 'string', pattern: '^https?://', maxLength: TEXT_LIMITS.text, description });
  const seconds = (description: string, b: Bounds, fallback: number): JsonSchema => ({ ...duration(b, description), default: `${fallback}s` });
  return {
    variables: {
      type: 'object',
      minProperties: 1,
      maxProperties: MAX_VARIABLES,
      description: `Sweeps of your own server: each variable's values (one or a list); their cross product is run (at most ${maxCombinations} combinations). A variable is {{name}} in config_template and $GAUNTLET_VAR_<NAME> in the apply command.`,
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' },
      additionalProperties: { anyOf: [value, { type: 'array', minItems: 1, maxItems: maxCombinations, uniqueItems: true, items: value }] },
    },
    server: {
      type: 'object',
      additionalProperties: false,
      description: 'Sweeps of your own server: how each combination is applied (render, apply, reload, then the readiness probe).',
      properties: {
        config_template: text('A text file with {{variable}} placeholders, relative to this file.'),
        config_file: text('Where the rendered template is written (in your model repository); the original is restored when the sweep ends.'),
        apply: text('A shell command run per combination in this file\'s folder (restart or redeploy your server).'),
        apply_timeout: seconds('How long apply may run before its process group is killed.', EXTERNAL_BOUNDS.timeout, EXTERNAL_DEFAULTS.applyTimeoutS),
        reload_model: text('POST /v2/repository/models/<this>/load after apply (KServe v2 repository extension).', TEXT_LIMITS.name),
        reload_url: url('The server\'s HTTP base URL for the load call (default: the target\'s URL).'),
        reload_timeout: seconds('How long the load call may take.', EXTERNAL_BOUNDS.timeout, EXTERNAL_DEFAULTS.reloadTimeoutS),
        ready: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          description: 'The readiness probe (default: GET <target>/v2/models/<model>/ready for KServe HTTP targets).',
          properties: {
            url: url('The URL polled with GET.'),
            status: { type: 'integer', ...bounds(EXTERNAL_BOUNDS.status), default: EXTERNAL_DEFAULTS.readyStatus, description: 'The status that means ready.' },
            timeout: seconds('How long to wait for it.', EXTERNAL_BOUNDS.timeout, EXTERNAL_DEFAULTS.readyTimeoutS),
            interval: seconds('Between two polls.', EXTERNAL_BOUNDS.interval, EXTERNAL_DEFAULTS.readyIntervalS),
          } satisfies Record<(typeof READY_KEYS)[number], JsonSchema>,
        },
      } satisfies Record<(typeof EXTERNAL_KEYS)[number], JsonSchema>,
    },
    target: { description: 'Sweeps of your own server: the target measured for every combination (default: the scenario\'s), a target file or an inline mapping.', anyOf: [{ type: 'string', minLength: 1 }, ref('target')] },
  };
}
