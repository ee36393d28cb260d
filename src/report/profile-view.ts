/**
 * What a profile's report shows, as plain data (src/report/html-profile.ts and markdown-profile.ts draw it): the
 * headline, "what happened", the warnings, per-precision figures and the charts (latency, throughput and memory
 * against batch, accuracy against speed-up, the roofline). Pure: a profile.json in, data out.
 */
import type { Cell, OpProfile, ProfileRecord, Roof } from '../profile/profile-record.js';
import { type ChartSpec, colorAt, type PointLabel, type SeriesSpec } from './chart-spec.js';
import type { Warning } from './run-facts.js';
import { plural, sig } from './format.js';

/** BROKEN_COLOR is the red of a BROKEN variant wherever it is drawn. */
export const BROKEN_COLOR = '#B00020';

/** cosineText shows a cosine with the digits that tell 0.9996 from 0.99999. */
export function cosineText(v: number): string {
  return v === 1 ? '1' : v.toFixed(6);
}

/** precisionsOf lists the profile's precisions in the order it measured them. */
export function precisionsOf(r: ProfileRecord): string[] {
  const out = r.variants.map((v) => v.precision);
  for (const c of r.cells) if (!out.includes(c.precision)) out.push(c.precision);
  return out;
}

/** batchesOf lists the batch sizes measured, ascending. */
export function batchesOf(r: ProfileRecord): number[] {
  return [...new Set(r.cells.map((c) => c.batch))].sort((a, b) => a - b);
}

/** cellAt is the measured cell (without an error) of a precision and batch. */
export function cellAt(r: ProfileRecord, precision: string, batch: number): Cell | undefined {
  return r.cells.find((c) => c.precision === precision && c.batch === batch && c.error === undefined);
}

/** isBroken says whether a precision's accuracy collapsed. */
export function isBroken(r: ProfileRecord, precision: string): boolean {
  return r.variants.some((v) => v.precision === precision && v.broken);
}

/** bestCell is a precision's cell of highest throughput (within the p99 bound, as the recommendation chose, where it did). */
export function bestCell(r: ProfileRecord, precision: string): Cell | undefined {
  const chosen = r.recommendation?.perPrecision.find((p) => p.precision === precision)?.bestBatch;
  if (chosen !== null && chosen !== undefined) {
    const c = cellAt(r, precision, chosen);
    if (c) return c;
  }
  const bound = r.options.p99Ms;
  return r.cells.filter((c) => c.precision === precision && c.error === undefined && (bound === null || c.latencyMs.p99 <= bound)).sort((a, b) => b.throughputSamplesPerS - a.throughputSamplesPerS)[0];
}

/** speedupOf is a precision's best throughput over fp32's (the recommendation's figure where it has one). */
export function speedupOf(r: ProfileRecord, precision: string): number | null {
  if (precision === 'fp32') return 1;
  const stated = r.recommendation?.variants.find((v) => v.precision === precision)?.speedup;
  if (stated !== null && stated !== undefined) return stated;
  const base = bestCell(r, 'fp32');
  const mine = bestCell(r, precision);
  return base && mine && base.throughputSamplesPerS > 0 ? mine.throughputSamplesPerS / base.throughputSamplesPerS : null;
}

/** recommendedVariant is the variant worth using: the quantized one with the highest speed-up that is worth it, else fp32. */
export function recommendedVariant(r: ProfileRecord): { precision: string; speedup: number | null } | undefined {
  if (!r.recommendation) return undefined;
  const worth = r.recommendation.variants.filter((v) => v.worthIt && !isBroken(r, v.precision)).sort((a, b) => (b.speedup ?? 0) - (a.speedup ?? 0))[0];
  return worth ? { precision: worth.precision, speedup: worth.speedup } : { precision: 'fp32', speedup: 1 };
}

/** profileTitle is the page's headline: the model, the EP and what to use. */
export function profileTitle(r: ProfileRecord): string {
  const head = `${r.model.name} on ${r.options.ep}`;
  const rec = recommendedVariant(r);
  if (!rec) return `${head}: ${r.status === 'complete' ? 'profiled' : r.status}, no recommendation`;
  const best = bestCell(r, rec.precision);
  const at = best ? ` at batch ${best.batch}` : '';
  return rec.precision === 'fp32' ? `${head}: fp32${at} (no quantized variant is worth it)` : `${head}: ${rec.precision}${at} (${sig(rec.speedup ?? 0)}x fp32's throughput)`;
}

/** profileSubtitle names the machine, the model's source and when it ran. */
export function profileSubtitle(r: ProfileRecord): string {
  const m = r.machine;
  const where = `${m.host} (${m.cpu}, ${plural(m.cores, 'core')}${m.gpu ? `, ${m.gpu}` : ''}${m.costPerHour !== undefined ? `, $${m.costPerHour}/hour` : ''})`;
  return `${where} · ${r.model.source} model ${r.model.name}${r.model.path ? ` (${r.model.path})` : ''} · ${r.startedAt} – ${r.endedAt ?? '(not ended)'}`;
}

/** profileWarnings lists what limits the figures: an unfinished profile, cells and variants that failed, BROKEN variants, intervals that did not converge. */
export function profileWarnings(r: ProfileRecord): Warning[] {
  const out: Warning[] = [];
  if (r.status !== 'complete') out.push({ severity: 'error', text: `The profile is ${r.status}: cells it did not reach are missing.` });
  for (const v of r.variants) {
    if (v.error) out.push({ severity: 'error', text: `${v.precision} could not be built or loaded: ${v.error}` });
    if (v.broken) out.push({ severity: 'error', text: `${v.precision} is BROKEN: its accuracy collapsed (cosine ${v.accuracy ? cosineText(v.accuracy.cosine) : '?'} against fp32). It is never recommended.` });
  }
  for (const c of r.cells) if (c.error) out.push({ severity: 'error', text: `${c.precision} at batch ${c.batch} did not run: ${c.error}` });
  const loose = r.cells.filter((c) => c.error === undefined && !c.converged);
  if (loose.length) {
    out.push({
      severity: 'warning',
      text: `${plural(loose.length, 'cell')} stopped at the time bound (${r.options.maxSecondsPerCell} s) before the median's 95 % interval was within ±${sig(r.options.targetCiShare * 100)} %: ${loose.map((c) => `${c.precision} batch ${c.batch} (±${sig(c.ciShare * 100)} %)`).join(', ')}.`,
    });
  }
  return out;
}

/** profileSummary says what the profile did and found, in a few sentences. */
export function profileSummary(r: ProfileRecord): string[] {
  const ok = r.cells.filter((c) => c.error === undefined);
  const ps = precisionsOf(r);
  const out = [
    `gauntlet profiled ${r.model.name} in-process on ${r.options.ep} on ${r.machine.host}: ${plural(ps.length, 'precision')} × ${plural(batchesOf(r).length, 'batch size')}, ${ok.length} of ${r.cells.length} cells measured, ${ok.filter((c) => c.converged).length} with the median's 95 % interval within ±${sig(r.options.targetCiShare * 100)} %.`,
  ];
  const fastest = ok.filter((c) => !isBroken(r, c.precision)).sort((a, b) => b.throughputSamplesPerS - a.throughputSamplesPerS)[0];
  if (fastest) {
    const base = cellAt(r, 'fp32', fastest.batch);
    out.push(`The highest throughput: ${fastest.precision} at batch ${fastest.batch}, ${sig(fastest.throughputSamplesPerS)} samples/s (p50 ${sig(fastest.latencyMs.p50)} ms)${base && fastest.precision !== 'fp32' ? `, ${sig(fastest.throughputSamplesPerS / base.throughputSamplesPerS)}x fp32 at that batch` : ''}.`);
  }
  const broken = r.variants.filter((v) => v.broken).map((v) => v.precision);
  if (broken.length) out.push(`BROKEN (accuracy collapsed, never recommended): ${broken.join(', ')}.`);
  if (r.roof) {
    out.push(`The ${r.roof.ep} roof (${r.roof.cached ? 'cached' : 'measured in this run'}): ${sig(r.roof.peakFlopsPerS / 1e9)} GFLOP/s peak, ${sig(r.roof.bandwidthBytesPerS / 1e9)} GB/s bandwidth; ops above ${sig(r.roof.ridgeIntensity)} FLOP/byte are compute-bound.`);
    for (const p of r.ops ?? []) {
      const compute = p.ops.filter((o) => o.bound === 'compute').reduce((a, o) => a + o.timeShare, 0);
      out.push(`${p.precision} at batch ${p.batch}: ${sig(compute * 100)} % of op time is in compute-bound ops, ${sig(p.ops.filter((o) => o.bound === 'memory').reduce((a, o) => a + o.timeShare, 0) * 100)} % in memory-bound ones.`);
    }
  }
  return out;
}

function linesAgainstBatch(r: ProfileRecord, pick: (c: Cell) => number | null): { xs: number[]; series: (p: string, i: number) => (number | null)[] } {
  const xs = batchesOf(r);
  return { xs, series: (p) => xs.map((b) => { const c = cellAt(r, p, b); return c ? pick(c) : null; }) };
}

/** batchAxis is a logarithmic batch-size axis that spans the batches measured (not the next decades). */
export function batchAxis(xs: number[]): ChartSpec['x'] {
  const lo = Math.min(...xs, 1);
  const hi = Math.max(...xs, 1);
  return { kind: 'linear', label: 'batch size', values: xs, log: true, min: lo / 1.25, max: hi === lo ? lo * 2 : hi * 1.25 };
}

function precisionLabel(r: ProfileRecord, p: string): string {
  return isBroken(r, p) ? `${p} (BROKEN)` : p;
}

/** latencyChart: p50 (solid) and p99 (dashed) against batch, one colour per precision, both axes logarithmic. */
export function latencyChart(id: string, r: ProfileRecord): ChartSpec {
  const { xs, series } = linesAgainstBatch(r, (c) => c.latencyMs.p50);
  const p99 = linesAgainstBatch(r, (c) => c.latencyMs.p99).series;
  const ps = precisionsOf(r);
  return {
    id,
    x: batchAxis(xs),
    y: { label: 'latency (ms)', log: true },
    series: ps.flatMap((p, i): SeriesSpec[] => [
      { label: `${precisionLabel(r, p)} p50`, values: series(p, i), color: colorAt(i), unit: 'ms', points: true, spanGaps: true, width: 2 },
      { label: `${precisionLabel(r, p)} p99`, values: p99(p, i), color: colorAt(i), unit: 'ms', dash: [6, 4], spanGaps: true },
    ]),
    ...(r.options.p99Ms !== null ? { lines: [{ y: r.options.p99Ms, label: `p99 bound ${r.options.p99Ms} ms`, color: BROKEN_COLOR }] } : {}),
  };
}

/** throughputChart: samples per second against batch, one line per precision. */
export function throughputChart(id: string, r: ProfileRecord): ChartSpec {
  const { xs, series } = linesAgainstBatch(r, (c) => c.throughputSamplesPerS);
  return {
    id,
    x: batchAxis(xs),
    y: { label: 'samples/s', fromZero: true },
    series: precisionsOf(r).map((p, i) => ({ label: precisionLabel(r, p), values: series(p, i), color: colorAt(i), unit: '/s', points: true, spanGaps: true, width: 2 })),
  };
}

/** memoryChart: the process's RSS growth (or device memory, where measured) against batch, one line per precision. */
export function memoryChart(id: string, r: ProfileRecord): ChartSpec | undefined {
  const device = r.cells.some((c) => typeof c.deviceMemoryBytes === 'number');
  const { xs, series } = linesAgainstBatch(r, (c) => {
    const v = device ? c.deviceMemoryBytes : c.rssGrowthBytes;
    return typeof v === 'number' ? v / 1e6 : null;
  });
  const all = precisionsOf(r).map((p, i) => ({ p, i, values: series(p, i) }));
  if (!all.some((s) => s.values.some((v) => v !== null))) return undefined;
  return {
    id,
    x: batchAxis(xs),
    y: { label: device ? 'device memory (MB)' : 'RSS growth (MB)', fromZero: true },
    series: all.map(({ p, i, values }) => ({ label: precisionLabel(r, p), values, color: colorAt(i), unit: 'MB', points: true, spanGaps: true, width: 2 })),
  };
}

/** accuracyChart: each precision's cosine against fp32 (up) and its speed-up (right); BROKEN variants in red, the cosine bound dashed. */
export function accuracyChart(id: string, r: ProfileRecord): ChartSpec | undefined {
  const ps = precisionsOf(r);
  const pts = ps.flatMap((p, i) => {
    const v = r.variants.find((x) => x.precision === p);
    const s = speedupOf(r, p);
    return v?.accuracy && s !== null ? [{ p, i, x: s, y: v.accuracy.cosine, broken: v.broken }] : [];
  });
  if (!pts.length) return undefined;
  // uPlot aligns series on one x axis: equal speed-ups are moved apart by a hair so each point keeps its own x.
  pts.sort((a, b) => a.x - b.x || a.i - b.i);
  for (let k = 1; k < pts.length; k++) if (pts[k]!.x <= pts[k - 1]!.x) pts[k]!.x = pts[k - 1]!.x * 1.0001 + 1e-6;
  const labels: PointLabel[] = pts.map((q) => ({ x: q.x, y: q.y, text: q.broken ? `${q.p} BROKEN` : q.p, radius: 6 }));
  return {
    id,
    x: { kind: 'linear', label: "speed-up against fp32 (best throughput ÷ fp32's)", values: pts.map((q) => q.x) },
    y: { label: 'cosine against fp32' },
    series: pts.map((q, n) => ({ label: precisionLabel(r, q.p), values: pts.map((_, m) => (m === n ? q.y : null)), color: q.broken ? BROKEN_COLOR : colorAt(q.i), style: 'points' as const, width: 3 })),
    lines: [{ y: r.options.minCosine, label: `min cosine ${r.options.minCosine}`, color: '#7F7F7F' }],
    pointLabels: labels,
  };
}

/** SHARE_SIZES bucket ops by their share of op time: the bigger the share, the bigger the ring. */
const SHARE_SIZES: { min: number; label: string; width: number | undefined }[] = [
  { min: 0.2, label: '≥ 20 % of time', width: 6 },
  { min: 0.05, label: '5–20 %', width: 3 },
  { min: 0, label: '< 5 %', width: undefined },
];

/** rooflineOps are the ops a roofline can place (those with FLOPs, bytes and a time). */
export function rooflineOps(p: OpProfile): OpProfile['ops'] {
  return p.ops.filter((o) => o.flops > 0 && o.bytes > 0 && o.timeUs > 0 && o.intensity > 0);
}

/**
 * rooflineChart: arithmetic intensity (right) against achieved GFLOP/s (up), both logarithmic, with the memory
 * roof (bandwidth × intensity) and the compute roof (peak) as lines meeting at the ridge, and each op a point
 * sized by its share of op time and coloured by the roof that bounds it. The three biggest ops are named.
 */
export function rooflineChart(id: string, roof: Roof, p: OpProfile): ChartSpec | undefined {
  const ops = rooflineOps(p).map((o) => ({ o, x: o.intensity, y: o.flops / (o.timeUs / 1e6) / 1e9 }));
  if (!ops.length) return undefined;
  ops.sort((a, b) => a.x - b.x);
  for (let k = 1; k < ops.length; k++) if (ops[k]!.x <= ops[k - 1]!.x) ops[k]!.x = ops[k - 1]!.x * 1.0001;
  const ridge = roof.peakFlopsPerS / roof.bandwidthBytesPerS;
  const lo = Math.min(ridge, ops[0]!.x) / 2;
  const hi = Math.max(ridge, ops[ops.length - 1]!.x) * 2;
  const xs = [...new Set([lo, ridge, hi, ...ops.map((q) => q.x)])].sort((a, b) => a - b);
  const at = (x: number): number | undefined => ops.find((q) => q.x === x)?.y;
  const series: SeriesSpec[] = [
    { label: `memory roof ${sig(roof.bandwidthBytesPerS / 1e9)} GB/s`, values: xs.map((x) => (x <= ridge ? (roof.bandwidthBytesPerS * x) / 1e9 : null)), color: '#555555', spanGaps: true, width: 2, unit: 'GFLOP/s' },
    { label: `compute roof ${sig(roof.peakFlopsPerS / 1e9)} GFLOP/s`, values: xs.map((x) => (x >= ridge ? roof.peakFlopsPerS / 1e9 : null)), color: '#000000', spanGaps: true, width: 2, dash: [6, 4], unit: 'GFLOP/s' },
  ];
  for (const bound of ['compute', 'memory', 'unknown'] as const) {
    SHARE_SIZES.forEach((size, k) => {
      const upper = k === 0 ? Infinity : SHARE_SIZES[k - 1]!.min;
      const mine = ops.filter((q) => q.o.bound === bound && q.o.timeShare >= size.min && q.o.timeShare < upper);
      if (!mine.length) return;
      series.push({
        label: `${bound}-bound ops, ${size.label}`,
        values: xs.map((x) => (mine.some((q) => q.x === x) ? at(x)! : null)),
        color: bound === 'compute' ? '#0072B2' : bound === 'memory' ? '#D55E00' : '#7F7F7F',
        style: 'points',
        ...(size.width !== undefined ? { width: size.width } : {}),
        unit: 'GFLOP/s',
      });
    });
  }
  const top = [...ops].sort((a, b) => b.o.timeShare - a.o.timeShare).slice(0, 3);
  return {
    id,
    x: { kind: 'linear', label: 'arithmetic intensity (FLOP/byte)', values: xs, log: true, min: lo, max: hi },
    y: { label: 'achieved GFLOP/s', log: true },
    series,
    pointLabels: top.map((q) => ({ x: q.x, y: q.y, text: `${q.o.opType} ${sig(q.o.timeShare * 100)} %`, radius: 6 + 2 * (q.o.timeShare >= 0.2 ? 6 : q.o.timeShare >= 0.05 ? 3 : 0) })),
    height: 340,
  };
}

