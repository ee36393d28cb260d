/**
 * Problem collection for scenario and target files. Validation never stops at the first mistake: every problem is
 * kept with the file it is in, its path (`phases[2].rate`) and, when the YAML source is at hand, its line, and the
 * whole list is thrown at the end as one GAUNTLET_ERR_INVALID_CONFIG.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { GauntletError } from '../errors.js';

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

/** formatPath renders a path as `a.b[2].c`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
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
    const line = this.lineOf(path);
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

/** YamlFile is a YAML text parsed to plain data, with a Problems collector that knows its lines. */
export interface YamlFile {
  /** The parsed value; undefined when the text has syntax errors (they are already in `problems`). */
  value: unknown;
  problems: Problems;
}

/** parseYamlFile parses YAML text; syntax errors and duplicate keys become problems with lines, never exceptions. */
export function parseYamlFile(text: string, file?: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems = new Problems(file, doc, lines);
  for (const err of doc.errors) {
    const line = lines.linePos(err.pos[0]).line;
    problems.list.push({ ...(file !== undefined && { file }), line, path: '', message: `YAML syntax: ${err.message.split('\n')[0] ?? err.message}` });
  }
  return { value: doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 }), problems };
}

/** throwIfProblems throws one GAUNTLET_ERR_INVALID_CONFIG listing every problem of every collector (file by file, in line order), if any. */
export function throwIfProblems(what: string, collectors: readonly Problems[]): void {
  // Within a file, problems are listed in line order (stable: same-line problems keep the order found).
  const all = collectors.flatMap((c) => [...c.list].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  if (all.length === 0) return;
  throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `${what} has ${all.length} problem${all.length === 1 ? '' : 's'}`, all.map(formatProblem));
}

/** isMapping tells whether a parsed value is a YAML mapping. */
export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
