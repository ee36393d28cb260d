/**
 * Typed field readers for validating parsed configuration: each returns the value (or a default) and records a
 * problem with the field's path when the value is missing or of the wrong kind, so validation never stops early.
 */
import { type Problems, isPlainObject } from './problems.js';

type Path = readonly (string | number)[];

/** Fields reads the fields of one mapping, reporting problems against its path. */
export class Fields {
  constructor(
    readonly obj: Record<string, unknown>,
    readonly path: Path,
    readonly problems: Problems,
  ) {}

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  /** int reads an integer within [min, max]; absent → default (or a problem when required). */
  int(key: string, opts: { min?: number; max?: number; default?: number }): number {
    const v = this.obj[key];
    const fallback = opts.default ?? 0;
    if (v === undefined || v === null) {
      if (opts.default === undefined) this.problems.add([...this.path, key], 'is required');
      return fallback;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.problems.add([...this.path, key], `must be an integer, got ${JSON.stringify(v)}`);
      return fallback;
    }
    if (opts.min !== undefined && v < opts.min) {
      this.problems.add([...this.path, key], `must be >= ${opts.min}, got ${v}`);
      return fallback;
    }
    if (opts.max !== undefined && v > opts.max) {
      this.problems.add([...this.path, key], `must be <= ${opts.max}, got ${v}`);
      return fallback;
    }
    return v;
  }

  /** bool reads a boolean; absent → default. */
  bool(key: string, fallback: boolean): boolean {
    const v = this.obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') {
      this.problems.add([...this.path, key], `must be true or false, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  /** str reads a non-empty string; absent → default (or a problem when required). */
  str(key: string, fallback?: string): string {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.problems.add([...this.path, key], 'is required');
      return fallback ?? '';
    }
    if (typeof v !== 'string' || v === '') {
      this.problems.add([...this.path, key], `must be a non-empty string, got ${JSON.stringify(v)}`);
      return fallback ?? '';
    }
    return v;
  }

  /** oneOf reads a string that must be one of the allowed values. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.problems.add([...this.path, key], `is required (one of ${allowed.join(', ')})`);
      return fallback ?? allowed[0]!;
    }
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.problems.add([...this.path, key], `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
      return fallback ?? allowed[0]!;
    }
    return v as T;
  }

  /** num reads a finite number; absent → undefined. */
  num(key: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.problems.add([...this.path, key], `must be a number, got ${JSON.stringify(v)}`);
      return undefined;
    }
    if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
      this.problems.add([...this.path, key], `must be between ${opts.min ?? '-inf'} and ${opts.max ?? 'inf'}, got ${v}`);
      return undefined;
    }
    return v;
  }

  /** list reads an array (absent → empty) and hands each element to `each` with its path. */
  list<T>(key: string, each: (item: unknown, path: Path) => T | undefined, required = false): T[] {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (required) this.problems.add([...this.path, key], 'is required');
      return [];
    }
    if (!Array.isArray(v)) {
      this.problems.add([...this.path, key], 'must be a list');
      return [];
    }
    const out: T[] = [];
    v.forEach((item, i) => {
      const r = each(item, [...this.path, key, i]);
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  /** sub reads a nested mapping; absent → undefined; wrong kind → a problem and undefined. */
  sub(key: string): Fields | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!isPlainObject(v)) {
      this.problems.add([...this.path, key], 'must be a mapping');
      return undefined;
    }
    return new Fields(v, [...this.path, key], this.problems);
  }

  /** only reports every key that is not in the allowed list. */
  only(allowed: readonly string[]): this {
    for (const key of Object.keys(this.obj)) {
      if (!allowed.includes(key)) this.problems.add([...this.path, key], `unknown field (allowed: ${allowed.join(', ')})`);
    }
    return this;
  }
}

/** asFields wraps a value as Fields when it is a mapping, else records a problem at its path. */
export function asFields(v: unknown, path: Path, problems: Problems): Fields | undefined {
  if (!isPlainObject(v)) {
    problems.add(path, 'must be a mapping');
    return undefined;
  }
  return new Fields(v, path, problems);
}
