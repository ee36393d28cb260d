/**
 * Typed readers over one mapping of a parsed file. A reader returns the value, or undefined when it is absent or
 * wrong, and records what is wrong at the field's path, so validation carries on and reports everything.
 */
import { TEXT_LIMITS } from './limits.js';
import { isMapping, type ConfigPath, type PathKey, type Problems } from './problems.js';
import { parseDuration } from './units.js';

/** Bounds limit a number: gt/lt exclusive, min/max inclusive. */
export interface Bounds {
  gt?: number;
  min?: number;
  max?: number;
}

/** Fields reads the fields of one mapping, reporting problems against the mapping's path. */
export class Fields {
  constructor(
    readonly obj: Record<string, unknown>,
    readonly path: ConfigPath,
    readonly problems: Problems,
  ) {}

  /** at is the path of one field of this mapping. */
  at(...keys: PathKey[]): ConfigPath {
    return [...this.path, ...keys];
  }

  /** has tells whether a field is present (null counts as absent). */
  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  /** problem records a problem at one field. */
  problem(key: string, message: string): void {
    this.problems.add(this.at(key), message);
  }

  /** absent reports a required field that is missing and returns undefined. */
  private absent(key: string, required: boolean): undefined {
    if (required) this.problem(key, 'is required');
    return undefined;
  }

  /** string reads a non-empty string of at most maxChars characters. */
  string(key: string, required = false, maxChars: number = TEXT_LIMITS.text): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return this.absent(key, required);
    if (typeof v !== 'string' || v === '') return void this.problem(key, `must be a non-empty string, got ${show(v)}`);
    if (v.length > maxChars) return void this.problem(key, tooLong(v, maxChars));
    return v;
  }

  /** number reads a finite number within bounds. */
  number(key: string, bounds: Bounds = {}, required = false): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return this.absent(key, required);
    if (typeof v !== 'number' || !Number.isFinite(v)) return void this.problem(key, `must be a number, got ${show(v)}`);
    return checkBounds(v, bounds, (m) => this.problem(key, m));
  }

  /** integer reads an integer within bounds. */
  integer(key: string, bounds: Bounds = {}, required = false): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return this.absent(key, required);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return void this.problem(key, `must be an integer, got ${show(v)}`);
    return checkBounds(v, bounds, (m) => this.problem(key, m));
  }

  /** boolean reads true or false. */
  boolean(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') return void this.problem(key, `must be true or false, got ${show(v)}`);
    return v;
  }

  /** oneOf reads a string that must be one of the allowed values. */
  oneOf<T extends string>(key: string, allowed: readonly T[], required = false): T | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (required) this.problem(key, `is required (one of ${allowed.join(', ')})`);
      return undefined;
    }
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      return void this.problem(key, `must be one of ${allowed.join(', ')}, got ${show(v)}`);
    }
    return v as T;
  }

  /** duration reads a duration in seconds (see units.ts) within bounds. */
  duration(key: string, bounds: Bounds = { gt: 0 }, required = false): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return this.absent(key, required);
    const parsed = parseDuration(v);
    if (!parsed.ok) return void this.problem(key, parsed.message);
    return checkBounds(parsed.value, bounds, (m) => this.problem(key, m), show(v));
  }

  /** mapping reads a nested mapping of at most maxEntries entries as Fields. */
  mapping(key: string, required = false, maxEntries = Infinity): Fields | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return this.absent(key, required);
    if (!isMapping(v)) return void this.problem(key, `must be a mapping, got ${show(v)}`);
    const n = Object.keys(v).length;
    if (n > maxEntries) return void this.problem(key, `has ${n} entries; at most ${maxEntries} (see "Limits" in docs/scenarios.md)`);
    return new Fields(v, this.at(key), this.problems);
  }

  /**
   * list reads a list of at most maxItems items (counted before any is read); each element is handed to `each`
   * with its path, and undefined results are dropped.
   */
  list<T>(key: string, each: (item: unknown, path: ConfigPath) => T | undefined, required = false, maxItems = Infinity): T[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return this.absent(key, required);
    if (!Array.isArray(v)) return void this.problem(key, `must be a list, got ${show(v)}`);
    if (v.length > maxItems) return void this.problem(key, `has ${v.length} items; at most ${maxItems} (see "Limits" in docs/scenarios.md)`);
    const out: T[] = [];
    v.forEach((item, i) => {
      const r = each(item, this.at(key, i));
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  /** allowOnly reports every field not in the allowed list, suggesting the nearest allowed name. */
  allowOnly(allowed: readonly string[]): this {
    for (const key of Object.keys(this.obj)) {
      if (allowed.includes(key)) continue;
      const near = nearest(key, allowed);
      this.problem(key, near ? `unknown field (did you mean ${near}?)` : `unknown field (allowed: ${allowed.join(', ')})`);
    }
    return this;
  }
}

/** asFields wraps a value as Fields when it is a mapping, else records a problem at its path. */
export function asFields(v: unknown, path: ConfigPath, problems: Problems): Fields | undefined {
  if (isMapping(v)) return new Fields(v, path, problems);
  problems.add(path, `must be a mapping, got ${show(v)}`);
  return undefined;
}

/** checkBounds returns v when it is within bounds, else reports and returns undefined. */
export function checkBounds(v: number, b: Bounds, report: (message: string) => void, shown = String(v)): number | undefined {
  if (b.gt !== undefined && !(v > b.gt)) return void report(`must be > ${b.gt}, got ${shown}`);
  if (b.min !== undefined && v < b.min) return void report(`must be >= ${b.min}, got ${shown}`);
  if (b.max !== undefined && v > b.max) return void report(`must be <= ${b.max}, got ${shown}`);
  return v;
}

/** show renders a parsed value briefly for a message (a string longer than 60 characters is cut). */
export function show(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isMapping(v)) return 'a mapping';
  if (typeof v === 'string' && v.length > 60) return `${JSON.stringify(v.slice(0, 50)).slice(0, -1)}…" (${v.length} characters)`;
  return JSON.stringify(v) ?? String(v);
}

/** tooLong is the message for a string over its limit. */
export function tooLong(v: string, maxChars: number): string {
  return `must have at most ${maxChars} characters, got ${v.length} (see "Limits" in docs/scenarios.md)`;
}

/** nearest returns the allowed name within edit distance 2 of a name, if there is exactly one best. */
function nearest(name: string, allowed: readonly string[]): string | undefined {
  if (name.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(name.toLowerCase(), candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    row = next;
  }
  return row[b.length]!;
}
