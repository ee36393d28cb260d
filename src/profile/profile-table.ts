/**
 * The table `gauntlet profile` prints at the end: one row per cell, then the recommendation and its rule.
 */
import type { ProfileRecord } from './profile-record.js';

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(digits)).toString());
const mb = (b: number | null | undefined): string => (b === null || b === undefined ? '-' : (b / 1e6).toFixed(2));
const RED = '\u001b[31m';
const RESET = '\u001b[0m';

/** profileTable renders the record's cells and recommendation as text lines; `colour` paints BROKEN red. */
export function profileTable(record: ProfileRecord, colour = false): string[] {
  const header = ['precision', 'batch', 'p50 ms', 'p50 95% CI', 'p99 ms', 'mean ms', 'samples/s', 'iters', 'RSS+ MB', 'model MB', 'cosine', 'max abs err', 'top-1', 'note'];
  const rows: string[][] = [];
  for (const c of record.cells) {
    const v = record.variants.find((x) => x.precision === c.precision);
    const broken = v?.broken === true;
    const note = [c.error ?? '', broken ? 'BROKEN' : '', c.error === undefined && !c.converged ? `CI ±${(c.ciShare * 100).toFixed(1)}% (time bound)` : ''].filter(Boolean).join('; ');
    rows.push([
      c.precision,
      String(c.batch),
      fmt(c.latencyMs.p50),
      c.error === undefined ? `${fmt(c.p50Ci95Ms[0])}–${fmt(c.p50Ci95Ms[1])}` : '-',
      fmt(c.latencyMs.p99),
      fmt(c.latencyMs.mean),
      fmt(c.throughputSamplesPerS, 4),
      String(c.iterations),
      mb(c.rssGrowthBytes),
      mb(v?.bytes),
      fmt(v?.accuracy?.cosine, 6),
      fmt(v?.accuracy?.maxAbsError),
      fmt(v?.accuracy?.top1),
      note,
    ]);
  }
  for (const v of record.variants) if (v.error !== undefined) rows.push([v.precision, '-', '-', '-', '-', '-', '-', '-', '-', mb(v.bytes), '-', '-', '-', v.error]);
  for (const r of rows) r[13] = r[13]!.replace(/\s*\n\s*/g, ' ');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), ...rows.map((r) => {
    const text = line(r);
    return colour && r[13]!.includes('BROKEN') ? `${RED}${text}${RESET}` : text;
  })];
  const rec = record.recommendation;
  if (rec !== null) {
    out.push('', 'recommendation:');
    for (const p of rec.perPrecision) out.push(`  ${p.precision}: ${p.bestBatch === null ? 'none' : `batch ${p.bestBatch} (${fmt(p.throughputSamplesPerS, 4)} samples/s, p99 ${fmt(p.p99Ms)} ms)`}: ${p.why}`);
    for (const v of rec.variants) out.push(`  ${v.precision} vs fp32: ${v.worthIt ? 'worth it' : 'not worth it'} (speed-up ${v.speedup ?? '-'}x, accuracy loss ${v.accuracyLoss ?? '-'}): ${v.why}`);
    out.push(`  rule: ${rec.rule}`);
  }
  return out;
}
