/**
 * Number and text formatting shared by the HTML, Markdown and CSV reports, so the three show the same figures
 * the same way. Everything here is deterministic (no locale, no clock): golden files depend on it.
 */

/** ms formats microseconds as milliseconds with 3 significant figures ('-' when absent or not finite). */
export function ms(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '-';
  return sig(us / 1000);
}

/** msValue formats a value already in milliseconds like ms(). */
export function msValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return sig(v);
}

/** sig rounds to 3 significant figures, without exponent notation, keeping whole numbers whole. */
export function sig(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return String(Math.round(v));
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(a)));
  return v.toFixed(digits);
}

/** rps formats a rate in requests per second (one decimal below 100). */
export function rps(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** pct formats a ratio (0..1) as a percentage with two decimals below 10 %. */
export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  const p = v * 100;
  return `${p === 0 ? '0' : p < 10 ? p.toFixed(2) : p.toFixed(1)} %`;
}

/** count formats an integer count with thin grouping (1 234 567). */
export function count(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** seconds formats a duration in seconds readably (12 s, 1 min 30 s, 1 h 2 min). */
export function seconds(s: number): string {
  if (!Number.isFinite(s)) return '-';
  if (s < 60) return `${+s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return rest ? `${m} min ${rest} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** money formats an amount of money per unit (cost per million inferences, cost per hour). */
export function money(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/** errorsText lists failures by code, largest first: "TIMEOUT 12, DROPPED 3" ('0' when none). */
export function errorsText(errors: Record<string, number>): string {
  const entries = Object.entries(errors).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(', ') : '0';
}

/** plural returns "1 phase" / "3 phases". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** escapeHtml escapes text for HTML content and attribute values (quotes included). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * escapeMarkdown makes text from results safe inside a Markdown table cell or line: it cannot close the cell,
 * start markup, inject HTML (GitHub renders some) or break the line.
 */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>|~&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}
