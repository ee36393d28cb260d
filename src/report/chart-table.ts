/**
 * The numbers behind a chart, as a table rendered with the page: a reader without JavaScript (or with a screen
 * reader) gets every point the chart draws, in the chart's place. The page's script folds the table away once the
 * chart is drawn. Long time series are told in spans of seconds so a table stays readable: latencies as the
 * highest second of the span, everything else as its mean.
 */
import type { ChartSpec } from './chart-spec.js';
import { seconds as fmtSeconds, sig } from './format.js';
import { type Html, html, table } from './html.js';
import { percentileOfX } from './spectrum-data.js';

/** MAX_CHART_ROWS bounds a chart's table; a longer time series is told in spans of several seconds. */
export const MAX_CHART_ROWS = 240;

const value = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : sig(v));

function xText(spec: ChartSpec, x: number): string {
  if (spec.x.kind === 'time') return String(Math.floor(x));
  if (spec.x.kind === 'percentile') {
    // As many decimals as the tail needs: 50.0, 90.0, 99.00, 99.900, 99.9900 %.
    const p = percentileOfX(x);
    return `${p.toFixed(p >= 100 ? 1 : Math.min(6, Math.max(1, Math.ceil(-Math.log10(100 - p) + 1e-9) + 1)))} %`;
  }
  return sig(x);
}

interface Row {
  x: string;
  values: (number | null)[];
}

/** spans folds time rows into spans of `width` seconds: the highest value of latency series, the mean of the others. */
function spans(spec: ChartSpec, rows: { x: number; values: (number | null)[] }[], width: number): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < rows.length; i += width) {
    const group = rows.slice(i, i + width);
    const from = Math.floor(group[0]!.x);
    const to = Math.floor(group[group.length - 1]!.x);
    out.push({
      x: from === to ? String(from) : `${from}–${to}`,
      values: spec.series.map((s, k) => {
        const vs = group.flatMap((r) => (r.values[k] === null || r.values[k] === undefined ? [] : [r.values[k]!]));
        if (vs.length === 0) return null;
        return s.unit === 'ms' ? vs.reduce((a, b) => Math.max(a, b)) : vs.reduce((a, b) => a + b, 0) / vs.length;
      }),
    });
  }
  return out;
}

/** chartTable renders the chart's data as a table, open (folded by the page's script once the chart is drawn). */
export function chartTable(spec: ChartSpec): Html {
  const all = spec.x.values
    .map((x, i) => ({ x, values: spec.series.map((s) => s.values[i] ?? null) }))
    .filter((r) => r.values.some((v) => v !== null));
  if (all.length === 0) return html``;
  const width = spec.x.kind === 'time' && all.length > MAX_CHART_ROWS ? Math.ceil(all.length / MAX_CHART_ROWS) : 1;
  const rows: Row[] = width > 1 ? spans(spec, all, width) : all.slice(0, MAX_CHART_ROWS).map((r) => ({ x: xText(spec, r.x), values: r.values }));
  const labelled = spec.pointLabels?.length ? spec.pointLabels : undefined;
  const pointOf = (i: number): string => {
    const r = all[i]!;
    return labelled?.filter((p) => p.x === r.x && r.values.includes(p.y)).map((p) => p.text).join(', ') ?? '';
  };
  const header = [spec.x.kind === 'time' ? 'second' : spec.x.label, ...(labelled && width === 1 ? ['point'] : []), ...spec.series.map((s) => `${s.label}${s.unit ? ` (${s.unit})` : ''}${s.axis === 'right' && spec.y2 ? `, ${spec.y2.label}` : ''}`)];
  const body = rows.map((r, i) => [r.x, ...(labelled && width === 1 ? [pointOf(i)] : []), ...r.values.map(value)]);
  const notes: string[] = [];
  if (width > 1) notes.push(`Spans of ${width} seconds: latencies are the highest second of the span, rates the mean.`);
  if (width === 1 && all.length > MAX_CHART_ROWS) notes.push(`The first ${MAX_CHART_ROWS} of ${all.length} points.`);
  if (spec.bands?.length) notes.push(`Shaded: ${spec.bands.map((b) => `${b.label} ${fmtSeconds(b.from)}–${fmtSeconds(b.to)}`).join('; ')}.`);
  // A marker on a time axis is placed at a moment; elsewhere (a sweep's p99 bound) its label says where it is.
  if (spec.markers?.length) notes.push(`Marked: ${spec.markers.map((m) => (spec.x.kind === 'time' ? `${m.label} at ${fmtSeconds(m.x)}` : m.label)).join('; ')}.`);
  if (spec.lines?.length) notes.push(`Lines: ${spec.lines.map((l) => l.label).join('; ')}.`);
  const numeric = body[0] ? body[0].map((_, i) => i).filter((i) => i > (labelled && width === 1 ? 1 : 0)) : [];
  return html`<details class="chart-data" open><summary>The numbers in this chart</summary>${table(header, body, { numeric })}${notes.length ? html`<p class="muted">${notes.join(' ')}</p>` : ''}</details>`;
}
