/**
 * Parsing YAML that users hand over (scenario, target and sweep files for the harness; model configs for the
 * server) so that no file can crash or stall the process. Each check comes before the work it protects: the size,
 * then the count of YAML values before the expensive parse, the nesting depth before the (recursive) composer
 * runs, and aliases are expanded by our own converter, which counts what they repeat, refuses cycles and never
 * recurses deeper than the depth limit. Whatever is wrong is returned as a problem with its line and path, never
 * thrown. One implementation for both products: the harness imports it from here.
 */
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, type CST, type Document } from 'yaml';

/** YamlLimits bound a YAML text: its length, its values (aliases expanded), its nesting; `see` ends limit messages. */
export interface YamlLimits {
  bytes: number;
  values: number;
  depth: number;
  /** Appended to a limit's message, e.g. ` (see "Limits" in docs/scenarios.md)`. */
  see: string;
}

/** YamlProblem is one thing wrong with a YAML text: its line when known, its path, and what. */
export interface YamlProblem {
  line: number | undefined;
  path: (string | number)[];
  message: string;
}

/** SafeYaml is a parsed text: the plain value (undefined when `problems` is not empty), the document and its lines. */
export interface SafeYaml {
  value: unknown;
  doc: Document.Parsed | undefined;
  lines: LineCounter;
  problems: YamlProblem[];
}

/** parseYamlSafely parses one YAML document within `limits`; every failure is a problem with its line, never an exception. */
export function parseYamlSafely(text: string, limits: YamlLimits): SafeYaml {
  const lines = new LineCounter();
  const problems: YamlProblem[] = [];
  const early = (line: number | undefined, message: string): SafeYaml => ({ value: undefined, doc: undefined, lines, problems: [{ line, path: [], message }] });
  if (text.length > limits.bytes) return early(undefined, `has ${text.length} characters; files may have at most ${limits.bytes} bytes${limits.see}`);
  if (countValues(text, limits.values) > limits.values) {
    return early(undefined, `has more than ${limits.values} YAML values (scalars, lists and mappings); at most ${limits.values}${limits.see}`);
  }
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const deep = tooDeepAt(tokens, limits.depth);
  if (deep !== undefined) return early(lines.linePos(deep).line, `nests lists and mappings more than ${limits.depth} levels deep`);
  let doc: Document.Parsed | undefined;
  let second: number | undefined;
  for (const d of new Composer({ uniqueKeys: true }).compose(tokens, true, text.length)) {
    if (!doc) doc = d;
    else {
      second = d.range[0];
      break;
    }
  }
  for (const err of doc?.errors ?? []) problems.push({ line: lines.linePos(err.pos[0]).line, path: [], message: `YAML syntax: ${err.message.split('\n')[0] ?? err.message}` });
  if (second !== undefined) problems.push({ line: lines.linePos(second).line, path: [], message: 'YAML syntax: a file holds one document, but another one starts here' });
  if (!doc || problems.length > 0) return { value: undefined, doc, lines, problems };
  const value = new Converter(lines, limits, problems).run(doc.contents);
  return { value: problems.length > 0 ? undefined : value, doc, lines, problems };
}

/**
 * countValues counts the YAML values of a text, up to just past `limit`. Every value but the first follows one
 * of `[ { , : - ? newline`, so their count is a cheap upper bound; only when it exceeds the limit are the lexer's
 * tokens counted (scalars, aliases, flow collections, sequence items).
 */
export function countValues(text: string, limit: number): number {
  let bound = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // [ { , : - ? \n
    if (c === 91 || c === 123 || c === 44 || c === 58 || c === 45 || c === 63 || c === 10) bound++;
  }
  if (bound <= limit) return bound;
  let count = 0;
  let afterScalarMark = false;
  for (const token of new Lexer().lex(text)) {
    const first = token[0];
    if (afterScalarMark) afterScalarMark = false; // the scalar's source, already counted by its mark
    else if (token === '\x1f') {
      count++;
      afterScalarMark = true;
    } else if (first === '"' || first === "'" || first === '*' || token === '[' || token === '{' || token === '-') count++;
    if (count > limit) break;
  }
  return count;
}

/** tooDeepAt returns the offset of a collection nested deeper than maxDepth in a CST, if there is one (iteratively). */
function tooDeepAt(tokens: CST.Token[], maxDepth: number): number | undefined {
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (token.type === 'document') {
      if (token.value) stack.push([token.value, depth]);
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth + 1 > maxDepth) return token.offset;
    for (const item of token.items as CST.CollectionItem[]) {
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return undefined;
}

/** Expansion is a converted anchored node: its value, its values counted with what its aliases repeat, its height. */
interface Expansion {
  value: unknown;
  size: number;
  height: number;
}

/** Failed is thrown inside the converter to unwind once a problem is recorded; it never leaves this module. */
class Failed extends Error {}

/**
 * Converter turns a composed document into plain data like yaml's toJS (mappings become objects, aliases the
 * same object as their anchor), but resolves aliases with one map in document order (linear, where toJS scans
 * every anchor for every alias), counts the values aliases repeat, and refuses cycles and deep nesting.
 */
class Converter {
  private readonly anchors = new Map<string, unknown>();
  private readonly expansions = new Map<unknown, Expansion>();
  private readonly open = new Set<unknown>();
  private readonly path: (string | number)[] = [];
  private count = 0;

  constructor(
    private readonly lines: LineCounter,
    private readonly limits: YamlLimits,
    private readonly problems: YamlProblem[],
  ) {}

  /** run converts the document's contents; on a problem it records it and returns undefined. */
  run(contents: unknown): unknown {
    try {
      return this.convert(contents, 0).value;
    } catch (err) {
      if (err instanceof Failed) return undefined;
      throw err;
    }
  }

  private fail(node: unknown, message: string): never {
    const start = (node as { range?: [number, number, number] } | null)?.range?.[0];
    this.problems.push({ line: start === undefined ? undefined : this.lines.linePos(start).line, path: [...this.path], message });
    throw new Failed(message);
  }

  private convert(node: unknown, depth: number): { value: unknown; height: number } {
    if (node === null || node === undefined) return { value: null, height: 0 };
    if (depth > this.limits.depth) this.fail(node, `nests lists and mappings more than ${this.limits.depth} levels deep`);
    if (isAlias(node)) return this.alias(node, depth);
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor !== undefined) {
      this.anchors.set(anchor, node);
      this.open.add(node);
    }
    const before = this.count;
    this.counted(node);
    let result: { value: unknown; height: number };
    if (isScalar(node)) result = { value: node.value, height: 0 };
    else if (isMap(node)) result = this.mapping(node.items, depth);
    else if (isSeq(node)) {
      const out: unknown[] = [];
      let height = 0;
      for (let i = 0; i < node.items.length; i++) {
        const item = node.items[i];
        this.path.push(i);
        const r = isPair(item) ? this.mapping([item], depth + 1) : this.convert(item, depth + 1);
        this.path.pop();
        out.push(r.value);
        height = Math.max(height, r.height + 1);
      }
      result = { value: out, height };
    } else this.fail(node, 'is not a YAML value gauntlet can read');
    if (anchor !== undefined) {
      this.open.delete(node);
      this.expansions.set(node, { value: result.value, size: this.count - before, height: result.height });
    }
    return result;
  }

  private counted(node: unknown, n = 1): void {
    this.count += n;
    if (this.count > this.limits.values) {
      const why = isAlias(node) ? ` once aliases are expanded (*${node.source} repeats ${n}: an alias bomb?)` : '';
      this.fail(node, `has more than ${this.limits.values} YAML values${why}; at most ${this.limits.values}${this.limits.see}`);
    }
  }

  private alias(node: { source: string }, depth: number): { value: unknown; height: number } {
    const target = this.anchors.get(node.source);
    if (target === undefined) this.fail(node, `*${node.source} names no anchor before it`);
    if (this.open.has(target)) this.fail(node, `*${node.source} refers to a list or mapping that contains it (a cycle)`);
    const e = this.expansions.get(target)!;
    this.counted(node, e.size);
    if (depth + e.height > this.limits.depth) this.fail(node, `*${node.source} nests lists and mappings more than ${this.limits.depth} levels deep`);
    return { value: e.value, height: e.height };
  }

  private mapping(items: readonly unknown[], depth: number): { value: Record<string, unknown>; height: number } {
    const out: Record<string, unknown> = {};
    let height = 0;
    for (const item of items) {
      if (!isPair(item)) this.fail(item, 'is not a key: value pair');
      const key = this.key(item.key);
      this.path.push(key);
      const r = this.convert(item.value, depth + 1);
      this.path.pop();
      // Like yaml's toJS: keys that objects already have (__proto__, toString) become own properties.
      if (key in out) Object.defineProperty(out, key, { value: r.value, writable: true, enumerable: true, configurable: true });
      else out[key] = r.value;
      height = Math.max(height, r.height + 1);
    }
    return { value: out, height };
  }

  private key(node: unknown): string {
    let k = node;
    if (isAlias(k)) k = this.anchors.get(k.source);
    if (k === null || k === undefined) return '';
    if (!isScalar(k)) this.fail(node, `mapping keys must be strings, got a ${isSeq(k) ? 'list' : 'mapping'}`);
    this.counted(node);
    return k.value === null ? '' : String(k.value);
  }
}
