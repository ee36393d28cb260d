/**
 * HTML that is escaped by construction: the `html` tag escapes every interpolated value unless it is itself
 * Html (made by `html` or, for trusted fixed markup, `raw`). Scenario, phase and target names, error messages
 * and fault details come from user files and from the target's answers, so nothing from results may reach the
 * page any other way.
 */
import { escapeHtml } from './format.js';

/** Html is markup that is safe to insert as it is. */
export class Html {
  constructor(readonly markup: string) {}

  toString(): string {
    return this.markup;
  }
}

/** raw marks fixed, trusted markup (never text from results) as Html. */
export function raw(markup: string): Html {
  return new Html(markup);
}

function piece(v: unknown): string {
  if (v instanceof Html) return v.markup;
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(piece).join('');
  return escapeHtml(String(v));
}

/** html builds markup from a template, escaping every value that is not Html (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += piece(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** table renders a table: header cells and rows of cells (strings are escaped; Html cells are kept), each row with its class if given. */
export function table(header: (string | Html)[], rows: (string | Html)[][], opts: { numeric?: number[]; className?: string; rowClasses?: (string | undefined)[] } = {}): Html {
  const numeric = new Set(opts.numeric ?? []);
  const cell = (tag: 'th' | 'td', c: string | Html, i: number): Html => (numeric.has(i) ? html`<${raw(tag)} class="num">${c}</${raw(tag)}>` : html`<${raw(tag)}>${c}</${raw(tag)}>`);
  return html`<div class="table-wrap"><table${opts.className ? html` class="${opts.className}"` : ''}><thead><tr>${header.map((h, i) => cell('th', h, i))}</tr></thead><tbody>${rows.map(
    (r, n) => html`<tr${opts.rowClasses?.[n] ? html` class="${opts.rowClasses[n]}"` : ''}>${r.map((c, i) => cell('td', c, i))}</tr>`,
  )}</tbody></table></div>`;
}
