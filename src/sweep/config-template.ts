/**
 * Config templates of external sweeps: a text file (a Triton config.pbtxt, a reference-server config.yaml, …)
 * with `{{name}}` placeholders for the sweep's variables. The template is checked once, before anything runs:
 * every placeholder must name a variable, every `{{` must open a well-formed placeholder, and (when no apply
 * command could use them through its environment) every variable must appear. Rendering then only substitutes
 * values already checked, so it cannot fail half-way.
 */

/** VarValue is one value of a sweep variable, as written in the sweep file. */
export type VarValue = string | number | boolean;

/** Placeholder is one `{{name}}` of a template and its line (1-based). */
export interface Placeholder {
  name: string;
  line: number;
}

/** TemplateCheck is a parsed template: its placeholders and the problems found (message with its line). */
export interface TemplateCheck {
  placeholders: Placeholder[];
  problems: string[];
}

/** VARIABLE_NAME is what a variable may be called: it is a placeholder and part of an environment variable's name. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** MAX_PLACEHOLDERS bounds the placeholders of one template. */
export const MAX_PLACEHOLDERS = 10_000;

const OPEN = '{{';
const PLACEHOLDER = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/;

/** parseTemplate finds every placeholder of `text`, and every malformed one. */
export function parseTemplate(text: string): TemplateCheck {
  const placeholders: Placeholder[] = [];
  const problems: string[] = [];
  let at = text.indexOf(OPEN);
  let line = 1;
  let counted = 0;
  while (at >= 0) {
    line += countLines(text, counted, at);
    counted = at;
    const m = PLACEHOLDER.exec(text.slice(at, at + 200));
    if (!m) {
      problems.push(`line ${line}: '{{' opens no placeholder (write {{name}} with a variable's name: letters, digits and _)`);
      at = text.indexOf(OPEN, at + OPEN.length);
      continue;
    }
    placeholders.push({ name: m[1]!, line });
    if (placeholders.length > MAX_PLACEHOLDERS) {
      problems.push(`has more than ${MAX_PLACEHOLDERS} placeholders`);
      break;
    }
    at = text.indexOf(OPEN, at + m[0].length);
  }
  return { placeholders, problems };
}

/**
 * templateProblems lists what is wrong with a template against the variables: malformed and unknown
 * placeholders, and variables it never uses when nothing else could use them (`unusedAllowed` false).
 */
export function templateProblems(text: string, variables: readonly string[], unusedAllowed: boolean): string[] {
  const { placeholders, problems } = parseTemplate(text);
  const known = new Set(variables);
  const reported = new Set<string>();
  for (const p of placeholders) {
    if (known.has(p.name) || reported.has(p.name)) continue;
    reported.add(p.name);
    problems.push(`line ${p.line}: unknown placeholder {{${p.name}}} (the variables are: ${variables.length ? variables.join(', ') : 'none'})`);
  }
  if (!unusedAllowed) {
    const used = new Set(placeholders.map((p) => p.name));
    for (const v of variables) if (!used.has(v)) problems.push(`never uses the variable ${v} (add {{${v}}}, or an apply command that reads $${envName(v)})`);
  }
  return problems;
}

/** renderTemplate substitutes each placeholder with its variable's value (a checked template: every name is present). */
export function renderTemplate(text: string, values: Readonly<Record<string, VarValue>>): string {
  return text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return String(v);
  });
}

/** envName is the environment variable an apply command reads a variable from: GAUNTLET_VAR_<NAME>. */
export function envName(variable: string): string {
  return `GAUNTLET_VAR_${variable.toUpperCase()}`;
}

/** countLines counts the line breaks in text[from, to). */
function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
