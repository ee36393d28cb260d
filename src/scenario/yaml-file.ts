/**
 * The files users hand to gauntlet (scenario, target, sweep and trace files, model configs) are read and parsed
 * here so that no file can crash or stall the process. Each check comes before the work it protects: the size
 * before the file is read, the encoding before it is parsed, the count of YAML values before the expensive parse,
 * the nesting depth before the (recursive) composer runs, and aliases are expanded by our own converter, which
 * counts what they repeat, refuses cycles and never recurses deeper than FILE_LIMITS.depth. Whatever is wrong
 * becomes a problem with the file's line, never an exception.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, type CST, type Document } from 'yaml';
import { FILE_LIMITS } from './limits.js';
import { type PathKey, Problems } from './problems.js';

/** TextFile is a file's text, or why it cannot be used (a message without the file's name). */
export type TextFile = { ok: true; text: string } | { ok: false; message: string };

/** readTextFile reads a UTF-8 text file of at most maxBytes; folders, oversized, binary and non-UTF-8 files are refused. */
export function readTextFile(file: string, maxBytes: number): TextFile {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return { ok: false, message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { ok: false, message: 'is a folder, not a file' };
    if (stat.isFile() && stat.size > maxBytes) return { ok: false, message: tooLarge(stat.size, maxBytes) };
    // Read at most one byte past the limit: a pipe or a device (/dev/zero) has no size to check up front.
    const buf = Buffer.alloc(Math.min(maxBytes + 1, stat.isFile() ? stat.size + 1 : maxBytes + 1));
    let length = 0;
    for (;;) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) return { ok: false, message: tooLarge(undefined, maxBytes) };
      if (length === buf.length) break;
    }
    return decodeText(buf.subarray(0, length));
  } catch (err) {
    return { ok: false, message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  } finally {
    closeSync(fd);
  }
}

/** decodeText decodes UTF-8 bytes (a byte-order mark is dropped); binary and non-UTF-8 data are refused with their line. */
export function decodeText(bytes: Uint8Array): TextFile {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { ok: false, message: `is not a text file (line ${lineAtByte(bytes, nul)} has a NUL byte)` };
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return { ok: true, text };
  } catch {
    const lenient = new TextDecoder('utf-8').decode(bytes);
    const at = lenient.indexOf('\uFFFD');
    const line = at < 0 ? 1 : countLines(lenient, at);
    return { ok: false, message: `is not UTF-8 text (line ${line} has bytes that are not UTF-8)` };
  }
}

function tooLarge(size: number | undefined, maxBytes: number): string {
  return `is ${size !== undefined ? `${size} bytes` : 'larger than the limit'}; files may have at most ${maxBytes} bytes (${maxBytes / 1048576} MiB, see "Limits" in docs/scenarios.md)`;
}

function lineAtByte(bytes: Uint8Array, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) if (bytes[i] === 10) line++;
  return line;
}

function countLines(text: string, at: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** YamlFile is a YAML text parsed to plain data, with a Problems collector that knows its lines. */
export interface YamlFile {
  /** The parsed value; undefined when the text cannot be used (the reasons are in `problems`). */
  value: unknown;
  problems: Problems;
}

/** parseYamlFile parses YAML text within FILE_LIMITS; every failure is a problem with its line, never an exception. */
export function parseYamlFile(text: string, file?: string): YamlFile {
  const lines = new LineCounter();
  const early = new Problems(file);
  if (text.length > FILE_LIMITS.bytes) {
    early.add([], `has ${text.length} characters; files may have at most ${FILE_LIMITS.bytes} bytes (see "Limits" in docs/scenarios.md)`);
    return { value: undefined, problems: early };
  }
  const values = countValues(text, FILE_LIMITS.yamlValues);
  if (values > FILE_LIMITS.yamlValues) {
    early.add([], `has more than ${FILE_LIMITS.yamlValues} YAML values (scalars, lists and mappings); at most ${FILE_LIMITS.yamlValues} (see "Limits" in docs/scenarios.md)`);
    return { value: undefined, problems: early };
  }
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const deep = tooDeepAt(tokens, FILE_LIMITS.depth);
  if (deep !== undefined) {
    early.addAt(lines.linePos(deep).line, [], `nests lists and mappings more than ${FILE_LIMITS.depth} levels deep`);
    return { value: undefined, problems: early };
  }
  let doc: Document.Parsed | undefined;
  let second: number | undefined;
  for (const d of new Composer({ uniqueKeys: true }).compose(tokens, true, text.length)) {
    if (!doc) doc = d;
    else {
      second = d.range[0];
      break;
    }
  }
  const problems = new Problems(file, doc, lines);
  for (const err of doc?.errors ?? []) problems.addAt(lines.linePos(err.pos[0]).line, [], `YAML syntax: ${err.message.split('\n')[0] ?? err.message}`);
  if (second !== undefined) problems.addAt(lines.linePos(second).line, [], 'YAML syntax: a file holds one document, but another one starts here');
  if (!doc || problems.count > 0) return { value: undefined, problems };
  const converted = new Converter(lines, problems).run(doc.contents);
  return { value: problems.count > 0 ? undefined : converted, problems };
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
  private readonly path: PathKey[] = [];
  private count = 0;

  constructor(
    private readonly lines: LineCounter,
    private readonly problems: Problems,
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
    this.problems.addAt(start === undefined ? undefined : this.lines.linePos(start).line, this.path, message);
    throw new Failed(message);
  }

  private convert(node: unknown, depth: number): { value: unknown; height: number } {
    if (node === null || node === undefined) return { value: null, height: 0 };
    if (depth > FILE_LIMITS.depth) this.fail(node, `nests lists and mappings more than ${FILE_LIMITS.depth} levels deep`);
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
    if (this.count > FILE_LIMITS.yamlValues) {
      const why = isAlias(node) ? ` once aliases are expanded (*${node.source} repeats ${n}: an alias bomb?)` : '';
      this.fail(node, `has more than ${FILE_LIMITS.yamlValues} YAML values${why}; at most ${FILE_LIMITS.yamlValues} (see "Limits" in docs/scenarios.md)`);
    }
  }

  private alias(node: { source: string }, depth: number): { value: unknown; height: number } {
    const target = this.anchors.get(node.source);
    if (target === undefined) this.fail(node, `*${node.source} names no anchor before it`);
    if (this.open.has(target)) this.fail(node, `*${node.source} refers to a list or mapping that contains it (a cycle)`);
    const e = this.expansions.get(target)!;
    this.counted(node, e.size);
    if (depth + e.height > FILE_LIMITS.depth) this.fail(node, `*${node.source} nests lists and mappings more than ${FILE_LIMITS.depth} levels deep`);
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
