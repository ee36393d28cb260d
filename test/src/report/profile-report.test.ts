/**
 * Profiles in `gauntlet report`: profile.json is recognised (folder or file), its page has each chart and table
 * the issue names, BROKEN variants are red and never recommended, two profiles are put side by side with cost
 * per 1M inferences, and a damaged profile.json, a profile mixed with runs, or a JUnit of a profile is exit 2
 * with every problem listed. The Markdown and CSV are pinned by golden.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultOut } from '../../../src/cli/report-command.js';
import { exitCodeOf } from '../../../src/errors.js';
import type { ProfileRecord } from '../../../src/profile/profile-record.js';
import { loadInputs } from '../../../src/report/load-inputs.js';
import { rooflineChart } from '../../../src/report/profile-view.js';
import { renderReport } from '../../../src/report/write-reports.js';
import { costPerMillion } from '../../../src/util/cost.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CPU = path.join(HERE, 'fixtures', 'profile-mlp-cpu');
const WIDE = path.join(HERE, 'fixtures', 'profile-mlp-16c');

function charts(page: string): { id: string; series: { label: string; color: string }[]; y: { log?: boolean }; x: { log?: boolean } }[] {
  return JSON.parse(/<script type="application\/json" id="gauntlet-charts">([\s\S]*?)<\/script>/.exec(page)![1]!) as never;
}

function failure(fn: () => unknown): { code: number; text: string } {
  try {
    fn();
  } catch (err) {
    return { code: exitCodeOf(err), text: [(err as Error).message, ...((err as { details?: string[] }).details ?? [])].join('\n') };
  }
  throw new Error('expected a failure');
}

function damaged(edit: (r: ProfileRecord) => void): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-profile-report-'));
  const r = JSON.parse(readFileSync(path.join(CPU, 'profile.json'), 'utf8')) as ProfileRecord;
  edit(r);
  writeFileSync(path.join(dir, 'profile.json'), JSON.stringify(r));
  return dir;
}

describe('profile report', () => {
  it('renders a profile with every chart and table, BROKEN in red and not recommended', () => {
    const inputs = loadInputs([CPU]);
    expect(inputs[0]!.kind).toBe('profile');
    expect(defaultOut(inputs, 'html')).toBe(path.join(CPU, 'report.html'));
    const page = renderReport(inputs, 'html');
    expect(page).toContain('<h1>mlp on cpu: int8 at batch 128 (1.85x fp32&#39;s throughput)</h1>');
    const ids = charts(page).map((c) => c.id);
    expect(ids).toEqual(['profile-latency', 'profile-throughput', 'profile-memory', 'profile-accuracy', 'profile-roof-1', 'profile-roof-2']);
    const accuracy = charts(page).find((c) => c.id === 'profile-accuracy')!;
    expect(accuracy.series.find((s) => s.label === 'int4 (BROKEN)')!.color).toBe('#B00020');
    const roof = charts(page).find((c) => c.id === 'profile-roof-1')!;
    expect([roof.x.log, roof.y.log]).toEqual([true, true]);
    expect(roof.series.map((s) => s.label)).toEqual(['memory roof 14.0 GB/s', 'compute roof 105 GFLOP/s', 'compute-bound ops, ≥ 20 % of time', 'compute-bound ops, 5–20 %', 'memory-bound ops, < 5 %']);
    for (const h of ['Top ops of fp32 at batch 128', 'Cells', 'Variants', 'Memory by precision', 'What happened']) expect(page).toContain(h);
    expect(page).toContain('<span class="badge bad">int4 BROKEN</span>');
    expect(page).toMatch(/Recommendation: int8<\/strong>\. <em>Rule:<\/em> For each precision/);
    expect(page).not.toContain('NaN');
  });

  it('never recommends a BROKEN variant, even where the record calls it worth it', () => {
    const dir = damaged((r) => {
      for (const v of r.recommendation!.variants) v.worthIt = v.precision === 'int4';
    });
    const page = renderReport(loadInputs([dir]), 'html');
    expect(page).toContain('<h1>mlp on cpu: fp32 at batch 128 (no quantized variant is worth it)</h1>');
    expect(page).not.toContain('use int4');
    expect(page).toContain('<td><span class="fail">int4 BROKEN</span></td>');
  });

  it('draws no roofline without a roof, and puts two machines side by side with cost per 1M inferences', () => {
    const page = renderReport(loadInputs([CPU, WIDE]), 'html');
    const ids = charts(page).map((c) => c.id);
    expect(ids.slice(0, 2)).toEqual(['profiles-latency', 'profiles-throughput']);
    expect(ids.filter((i) => i.startsWith('profile-2-'))).toEqual(['profile-2-latency', 'profile-2-throughput', 'profile-2-memory', 'profile-2-accuracy']);
    // Only the precisions both have, none BROKEN.
    expect(charts(page)[0]!.series.map((s) => s.label)).toEqual(['ci-runner-2c fp32', 'ci-runner-2c int8', 'bench-16c fp32', 'bench-16c int8']);
    expect(page).toContain('Cheapest per 1M inferences: ci-runner-2c int8 at $0.000750');
    expect(costPerMillion(0.68, 110581.4)).toBeCloseTo((0.68 / (110581.4 * 3600)) * 1e6, 12);
    expect(costPerMillion(undefined, 1000)).toBeNull();
  });

  it('places a large square MatMul under the compute roof and an Add under the memory roof', () => {
    const roof = { ep: 'cpu' as const, peakFlopsPerS: 100e9, bandwidthBytesPerS: 10e9, ridgeIntensity: 10, measuredAt: '', cached: true, kernels: [] };
    const n = 2048;
    const spec = rooflineChart('r', roof, {
      precision: 'fp32',
      batch: 1,
      ops: [
        { name: 'mm', opType: 'MatMul', timeShare: 0.9, timeUs: 200_000, flops: 2 * n ** 3, bytes: 12 * n * n, intensity: (2 * n ** 3) / (12 * n * n), bound: 'compute', roofFraction: 0.86 },
        { name: 'add', opType: 'Add', timeShare: 0.1, timeUs: 10_000, flops: n * n, bytes: 12 * n * n, intensity: 1 / 12, bound: 'memory', roofFraction: 0.5 },
      ],
    })!;
    const mmX = spec.x.values.indexOf((2 * n ** 3) / (12 * n * n));
    const compute = spec.series.find((s) => s.label.startsWith('compute-bound'))!;
    expect(compute.values[mmX]).toBeCloseTo((2 * n ** 3) / 0.2 / 1e9, 6);
    // The roofs meet at the ridge: bandwidth × ridge = peak.
    const ridgeX = spec.x.values.indexOf(10);
    expect(spec.series[0]!.values[ridgeX]).toBeCloseTo(100, 9);
    expect(spec.series[1]!.values[ridgeX]).toBeCloseTo(100, 9);
    expect(spec.series.find((s) => s.label.startsWith('memory-bound'))!.values.filter((v) => v !== null)).toHaveLength(1);
  });

  it.each([
    ['a cell without latency', (r: ProfileRecord) => void ((r.cells[3] as { latencyMs: unknown }).latencyMs = { p50: 'fast' }), 'cells[3].latencyMs'],
    ['a cosine above 1', (r: ProfileRecord) => void (r.variants[1]!.accuracy!.cosine = 7), 'variants[1].accuracy'],
    ['a roof of zero bandwidth', (r: ProfileRecord) => void (r.roof!.bandwidthBytesPerS = 0), 'roof:'],
    ['an op with a negative time share', (r: ProfileRecord) => void (r.ops![0]!.ops[2]!.timeShare = -1), 'ops[0].ops[2]'],
    ['a newer schema', (r: ProfileRecord) => void (r.schemaVersion = 99), 'profile schemaVersion 99'],
    ['a p99 bound that is text', (r: ProfileRecord) => void ((r.options as { p99Ms: unknown }).p99Ms = '10ms'), 'options.p99Ms'],
    ['a recommendation without its rule', (r: ProfileRecord) => void ((r.recommendation as { rule?: string }).rule = undefined), 'recommendation:'],
    ['a machine without a host', (r: ProfileRecord) => void ((r.machine as { host?: string }).host = undefined), 'machine:'],
  ])('exits 2 on %s, naming it', (_, edit, expected) => {
    const f = failure(() => loadInputs([damaged(edit)]));
    expect(f.code).toBe(2);
    expect(f.text).toContain(expected);
  });

  it('refuses a profile mixed with runs, and a JUnit report of a profile', () => {
    const mixed = failure(() => renderReport(loadInputs([CPU, path.join(HERE, 'fixtures', 'demo.json')]), 'html'));
    expect([mixed.code, mixed.text]).toEqual([2, expect.stringContaining('profiles cannot share a report')]);
    const junit = failure(() => renderReport(loadInputs([CPU]), 'junit'));
    expect([junit.code, junit.text]).toEqual([2, expect.stringContaining('no JUnit report')]);
  });
});
