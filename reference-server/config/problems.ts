/**
 * Problem collection for configuration files: every problem is kept with its path (`dynamic_batching.preferred_batch_size[1]`)
 * and, where the YAML source is known, its line, so a broken file is reported whole rather than one error at a time.
 */
import { isMap, isScalar, type LineCounter, type Document } from 'yaml';
import { parseYamlSafely, type YamlLimits } from '../core/safe-yaml.js';

/** ConfigProblem is one thing wrong with a configuration file. */
export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
}

/** formatPath renders a path of keys and indices as `a.b[2].c`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(root)';
}

/** formatProblem renders a problem as `file:line: path: message`. */
export function formatProblem(p: ConfigProblem, file?: string): string {
  const where = file ? (p.line ? `${file}:${p.line}: ` : `${file}: `) : p.line ? `line ${p.line}: ` : '';
  return `${where}${p.path}: ${p.message}`;
}

/** Problems collects problems for one document and resolves their source lines. */
export class Problems {
  readonly list: ConfigProblem[] = [];
  constructor(
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
  ) {}

  /** add records a problem at a path. */
  add(path: readonly (string | number)[], message: string): void {
    this.list.push({ path: formatPath(path), message, line: this.lineOf(path) });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  private lineOf(path: readonly (string | number)[]): number | undefined {
    if (!this.doc || !this.lines) return undefined;
    // Walk down as far as the path exists, so a missing key points at its parent. A mapping's field points at
    // its key, not its value (a block value starts on the next line).
    for (let n = path.length; n >= 0; n--) {
      const parent = n > 0 ? this.doc.getIn(path.slice(0, n - 1), true) : undefined;
      const key = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[n - 1])?.key : undefined;
      const node = (isScalar(key) ? key : this.doc.getIn(path.slice(0, n), true)) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }
}

/** ParsedYaml is a YAML document parsed to plain data, with a Problems collector that knows its lines. */
export interface ParsedYaml {
  value: unknown;
  problems: Problems;
}

/**
 * CONFIG_YAML_LIMITS bound a config.yaml: a model's configuration is a few hundred lines, so these are far above
 * any real one and keep a hostile one (an alias bomb, a file of a million values, deep nesting) from stalling or
 * crashing the server.
 */
export const CONFIG_YAML_LIMITS: YamlLimits = { bytes: 1 << 20, values: 50_000, depth: 64, see: ' (config.yaml limits, see docs/reference-server.md)' };

/** parseYaml parses YAML text within CONFIG_YAML_LIMITS; syntax errors and limits become problems (with lines) instead of exceptions. */
export function parseYaml(text: string): ParsedYaml {
  const parsed = parseYamlSafely(text, CONFIG_YAML_LIMITS);
  const problems = new Problems(parsed.doc, parsed.lines);
  for (const p of parsed.problems) {
    const syntax = p.message.startsWith('YAML syntax: ');
    problems.list.push({ path: p.path.length ? formatPath(p.path) : syntax ? '(syntax)' : '(file)', message: syntax ? p.message.slice('YAML syntax: '.length) : p.message, line: p.line });
  }
  return { value: parsed.value, problems };
}

/** isPlainObject tells whether a parsed value is a mapping. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
