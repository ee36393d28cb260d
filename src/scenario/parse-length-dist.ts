/**
 * Token-length distributions of an LLM request (`input_tokens`, `output_tokens`): a bare integer is a fixed
 * length; otherwise a mapping with one key names the distribution:
 * `{uniform: {min, max}}`, `{normal: {mean, stddev, min, max}}`, `{lognormal: {median, sigma, min, max}}`
 * (min and max truncate, default 1 and MAX_LLM_TOKENS) or `{file: lengths.txt}` (one count a line, drawn uniformly).
 */
import { LineCursor } from './line-cursor.js';
import { MIN_TRUNCATED_MASS, truncatedMass } from '../llm/length-sampler.js';
import type { LengthDist } from '../targets/llm-spec.js';
import { resolveDataPath } from './data-files.js';
import { Fields, show } from './fields.js';
import type { JsonSchema } from './json-schema.js';
import { LLM_LIMITS, LLM_RANGES, MAX_LLM_TOKENS } from './limits.js';
import { readTextFile } from './yaml-file.js';

/** LENGTH_KINDS are the distribution names of a length mapping. */
export const LENGTH_KINDS = ['uniform', 'normal', 'lognormal', 'file'] as const;

const TOKENS = LLM_RANGES['request.*_tokens'];

/** readLengthDist reads a length distribution at `key` of a mapping (absent: `fallback`, or a problem when there is none). */
export function readLengthDist(f: Fields, key: string, baseDir: string, fallback?: LengthDist): LengthDist | undefined {
  const v = f.obj[key];
  if (v === undefined || v === null) return fallback ?? void f.problem(key, 'is required');
  if (typeof v === 'number') {
    const value = f.integer(key, TOKENS);
    return value === undefined ? undefined : { kind: 'fixed', value };
  }
  const m = f.mapping(key);
  if (!m) return undefined;
  const kinds = Object.keys(m.obj);
  if (kinds.length !== 1 || !(LENGTH_KINDS as readonly string[]).includes(kinds[0]!)) {
    m.allowOnly(LENGTH_KINDS);
    if (kinds.length !== 1) f.problem(key, `must be a token count or a mapping with one of ${LENGTH_KINDS.join(', ')}, got ${kinds.length === 0 ? 'an empty mapping' : kinds.join(' and ')}`);
    return undefined;
  }
  const kind = kinds[0] as (typeof LENGTH_KINDS)[number];
  if (kind === 'file') return readLengthFile(m, baseDir);
  const d = m.mapping(kind, true);
  if (!d) return undefined;
  if (kind === 'uniform') {
    d.allowOnly(['min', 'max']);
    const [min, max] = [d.integer('min', TOKENS, true), d.integer('max', TOKENS, true)];
    if (min === undefined || max === undefined) return undefined;
    if (max < min) return void d.problem('max', `must be >= min (${min}), got ${max}`);
    return { kind, min, max };
  }
  const [centre, spread] = kind === 'normal' ? (['mean', 'stddev'] as const) : (['median', 'sigma'] as const);
  d.allowOnly([centre, spread, 'min', 'max']);
  const c = d.number(centre, TOKENS, true);
  const s = d.number(spread, LLM_RANGES[`request.*_tokens.${kind}.${spread}` as 'request.*_tokens.normal.stddev'], true);
  const min = d.integer('min', TOKENS) ?? (d.has('min') ? undefined : TOKENS.min);
  const max = d.integer('max', TOKENS) ?? (d.has('max') ? undefined : TOKENS.max);
  if (c === undefined || s === undefined || min === undefined || max === undefined) return undefined;
  if (max < min) return void d.problem('max', `must be >= min (${min}), got ${max}`);
  const dist: LengthDist = kind === 'normal' ? { kind, mean: c, stddev: s, min, max } : { kind, median: c, sigma: s, min, max };
  const mass = truncatedMass(dist);
  if (!(mass >= MIN_TRUNCATED_MASS)) return void f.problem(key, `[min, max] = [${min}, ${max}] holds ${(mass * 100).toPrecision(2)}% of the ${kind} distribution; at least ${MIN_TRUNCATED_MASS * 100}% (move min and max towards the ${centre})`);
  return dist;
}

/** readLengthFile reads `{file: lengths.txt}`: one token count a line (blank lines and `#` comments skipped), each a problem with its line when wrong. */
function readLengthFile(m: Fields, baseDir: string): LengthDist | undefined {
  const ref = m.string('file', true);
  if (ref === undefined) return undefined;
  const file = resolveDataPath(baseDir, ref);
  const read = readTextFile(file, LLM_LIMITS.lengthFileBytes);
  if (!read.ok) return void m.problem('file', `${file}: ${read.message}`);
  const values: number[] = [];
  let bad = 0;
  const lines = new LineCursor(read.text);
  for (let body = lines.next(); body !== undefined; body = lines.next()) {
    const n = lines.line;
    if (values.length + bad >= LLM_LIMITS.lengthFileLines) return void m.problem('file', `${file}: has more than ${LLM_LIMITS.lengthFileLines} counts; at most ${LLM_LIMITS.lengthFileLines}`);
    const v = /^\d+$/.test(body) ? Number(body) : NaN;
    if (v >= TOKENS.min && v <= TOKENS.max) values.push(v);
    else if (++bad <= LLM_LIMITS.listedLineProblems) m.problem('file', `${file}: line ${n}: must be a whole number of tokens from ${TOKENS.min} to ${TOKENS.max}, got ${show(body)}`);
  }
  if (bad > LLM_LIMITS.listedLineProblems) m.problem('file', `${file}: … and ${bad - LLM_LIMITS.listedLineProblems} more wrong lines`);
  if (bad > 0) return undefined;
  if (values.length === 0) return void m.problem('file', `${file}: has no counts (one whole number a line)`);
  return { kind: 'file', file, values };
}

/** LENGTH_DIST_SCHEMA is the JSON Schema of a length distribution. */
export const LENGTH_DIST_SCHEMA: JsonSchema = (() => {
  const tokens = { type: 'integer', minimum: TOKENS.min, maximum: TOKENS.max };
  const one = (name: string, value: JsonSchema): JsonSchema => ({ type: 'object', additionalProperties: false, required: [name], properties: { [name]: value } });
  const truncated = (centre: string, spread: JsonSchema): JsonSchema => ({
    type: 'object',
    additionalProperties: false,
    required: [centre, Object.keys(spread)[0]],
    properties: { [centre]: { type: 'number', minimum: TOKENS.min, maximum: MAX_LLM_TOKENS }, ...spread, min: { ...tokens, default: TOKENS.min }, max: { ...tokens, default: TOKENS.max } },
  });
  const stddev = LLM_RANGES['request.*_tokens.normal.stddev'];
  const sigma = LLM_RANGES['request.*_tokens.lognormal.sigma'];
  return {
    description: 'Tokens: a fixed count, {uniform: {min, max}}, {normal: {mean, stddev, min, max}}, {lognormal: {median, sigma, min, max}} or {file: lengths.txt}.',
    oneOf: [
      tokens,
      one('uniform', { type: 'object', additionalProperties: false, required: ['min', 'max'], properties: { min: tokens, max: tokens } }),
      one('normal', truncated('mean', { stddev: { type: 'number', exclusiveMinimum: stddev.gt, maximum: stddev.max } })),
      one('lognormal', truncated('median', { sigma: { type: 'number', exclusiveMinimum: sigma.gt, maximum: sigma.max } })),
      one('file', { type: 'string', minLength: 1, description: 'One token count a line, relative to the scenario.' }),
    ],
  };
})();
