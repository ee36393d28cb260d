/**
 * What a sweep report states, without a browser: the Pareto chart keeps failed and 0 rps combinations off its
 * scale, costs come from the sweep's figures, a tie marks every tied combination and recommends none, a search
 * ceiling too low is said, and a sweep.json from before these fields reads as it did.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../src/report/html-report.js';
import { loadInputs, type SweepInput } from '../../../src/report/load-inputs.js';
import { paretoChart, unplotted } from '../../../src/report/sweep-pareto.js';
import { comboRows, recommendationView, sweepVerdict, sweepWarnings } from '../../../src/report/sweep-view.js';
import { renderReport } from '../../../src/report/write-reports.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const sweep = (name: string): SweepInput => loadInputs([path.join(HERE, 'fixtures', name)])[0] as SweepInput;

describe('sweep report views', () => {
  it('the Pareto chart leaves failed and 0 rps combinations off its scale and lists them', () => {
    const s = sweep('sweep-vendors');
    const spec = paretoChart('p', s)!;
    expect(spec.pointLabels!.map((l) => l.text).sort()).toEqual(['1', '2', '3', '6', '7']);
    // The axis reaches the p99 bound (50 ms), not the 2400 ms of the combination that met the SLO at no rate.
    expect(Math.max(...spec.x.values)).toBe(50);
    expect(unplotted(s)).toEqual([
      { index: 4, id: '04-vendor-d', why: 'failed' },
      { index: 5, id: '05-our-cpu-pool', why: 'met the SLO at no rate (0 rps)' },
    ]);
    expect(renderHtml([s])).toMatch(/Not on the chart<\/strong>.*04-vendor-d: failed.*05-our-cpu-pool: met the SLO at no rate/);
  });

  it('shows cost per hour and per 1M at the SLO from the sweep\'s figures, and the ranking basis', () => {
    const s = sweep('sweep-vendors');
    const b = comboRows(s).find((x) => x.id === '02-vendor-b-standard')!;
    expect({ perHour: b.costPerHour, perMillion: b.costPerMillion, marks: b.marks }).toEqual({ perHour: '1.80', perMillion: '1.22', marks: ['recommended'] });
    expect(comboRows(s).find((x) => x.id === '05-our-cpu-pool')!.costPerMillion).toBe('-');
    const page = renderHtml([s]);
    expect(page).toContain('<th class="num">$/h</th>');
    expect(page).toContain('<th class="num">$ / 1M at SLO</th>');
    expect(page).toContain('Ranked on cost per 1M inferences at the SLO.');
  });

  it('calls a tie a tie: every tied combination marked, none recommended, margin and noise stated', () => {
    const s = sweep('sweep-tie');
    const rows = comboRows(s);
    expect(rows.filter((x) => x.recommended)).toEqual([]);
    expect(rows.filter((x) => x.tied).map((x) => x.id).sort()).toEqual(['01-replicas1', '02-replicas2', '03-replicas3']);
    expect(sweepVerdict(s.record)).toBe('tie between 02-replicas2, 01-replicas1, 03-replicas3');
    const page = renderHtml([s]);
    expect(page).not.toContain('Recommended:');
    expect(page).toContain('differs by 0.20 %, inside what the measurements resolve (their capacity ranges overlap), and their p99 by no more than the run-to-run noise of 3.10 %');
    expect(paretoChart('p', s)!.series.map((x) => x.label)).toContain('tied');
    expect(renderReport([s], 'junit')).toMatch(/name="recommendation"[^>]*>\s*<failure message="tie between 02-replicas2, 01-replicas1, 03-replicas3: Their throughput at the SLO differs by 0.20 %/);
  });

  it('shows each combination\'s capacity range and p99 noise when the sweep measured them', () => {
    const s = sweep('sweep-tie');
    const record = structuredClone(s.record);
    record.combinations.forEach((c, i) => Object.assign(c.figures!, { rateRps: 400, notMetRps: i === 0 ? null : 450, p99NoiseShare: i === 2 ? null : 0.08 }));
    const withRanges = { ...s, record };
    expect(comboRows(withRanges).map((x) => [x.missedAt, x.p99Noise])).toEqual([['-', '±8.00'], ['450', '±8.00'], ['450', '-']]);
    const page = renderHtml([withRanges]);
    expect(page).toContain('<th class="num">missed at (rps)</th>');
    expect(page).toContain('<th class="num">p99 noise (%)</th>');
    expect(renderReport([withRanges], 'md')).toMatch(/\| rps at SLO \| missed at \(rps\) \| p50 \(ms\) \| p99 \(ms\) \| p99 noise \(%\) \|/);
    // Records from before these figures: no such columns.
    expect(renderHtml([s])).not.toContain('missed at (rps)');
  });

  it('marks a combination whose search ceiling was too low and recommends nothing', () => {
    const s = sweep('sweep-ceiling');
    expect(comboRows(s).find((x) => x.id === '02-int8')!.marks).toContain('ceiling too low');
    expect(sweepVerdict(s.record)).toBe('no recommendation (search ceiling too low)');
    expect(paretoChart('p', s)!.pointLabels!.map((l) => l.text)).toContain('2 ceiling too low');
    expect(sweepWarnings(s).map((w) => w.text)).toContain('Search ceiling too low for 02-int8: it passed the search\'s top step (1600 requests/s), so its capacity lies above what was tried; raise the search\'s to_rps.');
  });

  it('reads a sweep.json without the new fields as before: a winner, ranked on throughput', () => {
    const s = sweep('sweep-precision');
    expect(recommendationView(s.record)).toMatchObject({ outcome: 'recommended', winner: '01-fp32', tied: [], basis: 'throughput at the SLO' });
    expect(comboRows(s).map((x) => x.marks)).toEqual([['recommended', 'Pareto'], [], [], []]);
  });
});
