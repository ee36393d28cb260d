/**
 * Problem collection for scenario and target files. Validation never stops at the first mistake: every problem is
 * kept with the file it is in, its path (`phases[2].rate`) and, when the YAML source is at hand, its line, and the
 * whole list is thrown at the end as one GAUNTLET_ERR_INVALID_CONFIG.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import { GauntletError } from '../errors.js';
import { MAX_LISTED_PROBLEMS } from './limits.js';

/** PathKey is one step of a path: a mapping key or a list index. */
export type PathKey = string | number;

/** ConfigPath is where a value sits in a document, from the root down. */
export type ConfigPath = readonly PathKey[];

/** ConfigProblem is one thing wrong with a file. */
export interface ConfigProblem {
  file?: string;
  line?: number;
  /** Rendered path, e.g. `phases[2].rate`; empty for problems with the file as a whole. */
  path: string;
  message: string;
}

/** formatPath renders a path as `a.b[2].c` (a key longer than 64 characters is cut). */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const key of path) {
    const k = typeof key === 'string' && key.length > 64 ? `${key.slice(0, 60)}…` : key;
    out += typeof k === 'number' ? `[${k}]` : out === '' ? k : `.${k}`;
  }
  return out;
}

/** formatProblem renders a problem as `file:line: path: message`, leaving out the parts it lacks. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.file !== undefined ? `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ` : p.line !== undefined ? `line ${p.line}: ` : '';
  return `${where}${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** Problems collects the problems of one file and finds their lines in its YAML source. */
export class Problems {
  readonly list: ConfigProblem[] = [];

  constructor(
    readonly file?: string,
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
  ) {}

  /** add records a problem at a path (the line is that of the deepest part of the path found in the source). */
  add(path: ConfigPath, message: string): void {
    this.addAt(this.lineOf(path), path, message);
  }

  /** addAt records a problem at a line already known (problems of the YAML text itself). */
  addAt(line: number | undefined, path: ConfigPath, message: string): void {
    this.list.push({ ...(this.file !== undefined && { file: this.file }), ...(line !== undefined && { line }), path: formatPath(path), message });
  }

  /** count is the number of problems recorded so far. */
  get count(): number {
    return this.list.length;
  }

  private lineOf(path: ConfigPath): number | undefined {
    if (!this.doc || !this.lines) return undefined;
    let node: unknown = this.doc.contents;
    let start = rangeStart(node);
    for (const key of path) {
      if (isMap(node)) {
        // A mapping entry is located at its key: a block value only starts on the next line.
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        start = rangeStart(pair.key) ?? start;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        start = rangeStart(node) ?? start;
      } else break;
    }
    return start === undefined ? undefined : this.lines.linePos(start).line;
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range?.[0];
}

/** problemLines renders the problems of every collector, file by file and in line order. */
export function problemLines(collectors: readonly Problems[]): string[] {
  // Within a file, problems are listed in line order (stable: same-line problems keep the order found).
  const out: string[] = [];
  for (const c of collectors) for (const p of [...c.list].sort((a, b) => (a.line ?? 0) - (b.line ?? 0))) out.push(formatProblem(p));
  return out;
}

/** throwProblemLines throws one GAUNTLET_ERR_INVALID_CONFIG listing problems (at most MAX_LISTED_PROBLEMS, then a count), if any. */
export function throwProblemLines(what: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  const listed = lines.length > MAX_LISTED_PROBLEMS ? [...lines.slice(0, MAX_LISTED_PROBLEMS), `… and ${lines.length - MAX_LISTED_PROBLEMS} more problems`] : [...lines];
  throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `${what} has ${lines.length} problem${lines.length === 1 ? '' : 's'}`, listed);
}

/** throwIfProblems throws one GAUNTLET_ERR_INVALID_CONFIG listing every problem of every collector (file by file, in line order), if any. */
export function throwIfProblems(what: string, collectors: readonly Problems[]): void {
  throwProblemLines(what, problemLines(collectors));
}

/** isMapping tells whether a parsed value is a YAML mapping. */
export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
