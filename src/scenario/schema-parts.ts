/**
 * The smallest parts of the JSON Schemas (json-schema.ts): a leaf module, so that the protocol entries
 * (src/targets/protocol-*.ts), which json-schema.ts reads, can build their fragments without an import cycle.
 */
import type { Bounds } from './fields.js';
import { TEXT_LIMITS } from './limits.js';

/** JsonSchema is a JSON Schema document or subschema. */
export type JsonSchema = { [key: string]: unknown };

/** str is a non-empty string of at most maxLength characters (the validator's TEXT_LIMITS). */
export const str = (description: string, maxLength: number = TEXT_LIMITS.text): JsonSchema => ({ type: 'string', minLength: 1, maxLength, description });

/** bounds turns a validator's numeric bounds into JSON Schema keywords. */
export function bounds(b: Bounds): JsonSchema {
  return { ...(b.gt !== undefined && { exclusiveMinimum: b.gt }), ...(b.min !== undefined && { minimum: b.min }), ...(b.max !== undefined && { maximum: b.max }) };
}

/** num is a number (or integer) within a validator's bounds. */
export const num = (b: Bounds, description?: string, type: 'number' | 'integer' = 'number'): JsonSchema => ({ type, ...bounds(b), ...(description !== undefined && { description }) });
