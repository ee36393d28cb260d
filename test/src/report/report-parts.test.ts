/**
 * The pieces of the reports: CSV quoting (RFC 4180), HTML and Markdown escaping of text from results (scenario
 * and phase names are user input), cost per million inferences, the percentile spectrum read from an HDR
 * histogram, per-second rows merged across a phase change, input loading and labels, and the size limit.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeBaseline, writeBaseline } from '../../../src/compare/baseline.js';
import { encodeHistogram, newHistogram, recordUs } from '../../../src/metrics/hdr.js';
import type { IntervalResult, ResultsFile } from '../../../src/results/results-schema.js';
import { jsonScript, scriptText } from '../../../src/report/client-assets.js';
import { median } from '../../../src/report/comparison.js';
import { csvField, renderCsv } from '../../../src/report/csv-report.js';
import { escapeMarkdown, ms, pct, sig } from '../../../src/report/format.js';
import { renderHtml } from '../../../src/report/html-report.js';
import { html, raw } from '../../../src/report/html.js';
import { loadInputs } from '../../../src/report/load-inputs.js';
import { MARKDOWN_LIMIT, renderMarkdown } from '../../../src/report/markdown-report.js';
import { percentileOfX, spectrumChart, spectrumGrid, spectrumValues } from '../../../src/report/spectrum-data.js';
import { secondsOf } from '../../../src/report/timeline-data.js';
import { atSlo, runWarnings, whatHappened } from '../../../src/report/run-facts.js';
import { costPerMillion } from '../../../src/util/cost.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const readFixture = (name: string): ResultsFile => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as ResultsFile;

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    [12.5, '12.5'],
    [null, ''],
    [Number.NaN, ''],
    [true, 'true'],
  ])('%j → %j', (v, want) => {
    expect(csvField(v)).toBe(want);
  });

  it('guards text cells against spreadsheet formulas and keeps rows rectangular', () => {
    const r = readFixture('demo.json');
    r.scenario.name = '=HYPERLINK("http://x")';
    r.phases[0]!.name = 'a,"b"\nc';
    const csv = renderCsv([{ kind: 'run', label: '+cmd', path: 'x', results: r }]);
    expect(csv).toContain(`'=HYPERLINK(""http://x"")`);
    expect(csv.split('\r\n')[1]!.startsWith("'+cmd,")).toBe(true);
    expect(csv).toContain('"a,""b""\nc"');
    // Parse it back the RFC 4180 way: every record has the header's field count.
    const records = parseCsv(csv);
    expect(new Set(records.map((rec) => rec.length)).size).toBe(1);
    expect(records).toHaveLength(1 + r.phases.length);
  });
});

/** parseCsv is a small RFC 4180 reader for the test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe('escaping text from results', () => {
  const evil = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';

  it('html`` escapes every value unless it is Html', () => {
    expect(html`<p>${evil}</p>`.markup).toBe('<p>&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;</p>');
    expect(html`<p title="${'" onclick="x'}">${raw('<b>ok</b>')}</p>`.markup).toBe('<p title="&quot; onclick=&quot;x"><b>ok</b></p>');
  });

  it('a run named with markup renders as text in the page and in the chart data', () => {
    const r = readFixture('demo.json');
    r.scenario.name = evil;
    r.target.name = evil;
    r.phases[1]!.name = evil;
    r.slo.checks.forEach((c) => c.phase === 'steady' && (c.phase = evil));
    r.errorSamples = [{ code: 'HTTP_500', message: evil }];
    const page = renderHtml([{ kind: 'run', label: evil, path: 'x', results: r }]);
    const scripts = page.match(/<script\b/g) ?? [];
    expect(scripts).toHaveLength(3); // the chart data, uPlot and the client: nothing injected
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<script>alert');
    const data = /<script type="application\/json" id="gauntlet-charts">([^]*?)<\/script>/.exec(page)![1]!;
    expect(data).not.toMatch(/[<>]/);
    expect(JSON.stringify(JSON.parse(data))).toContain(evil.slice(0, 10));
  });

  it('scripts and JSON cannot close their tag', () => {
    expect(scriptText('a="</script>"; b="<!--"')).toBe('a="<\\/script>"; b="<\\!--"');
    expect(jsonScript({ s: '</script><!-- & \u2028' })).toBe('{"s":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028"}');
  });

  it('Markdown cells cannot break the table or inject markup', () => {
    expect(escapeMarkdown('a|b <b>x</b> *y* [l](u)\nz')).toBe('a\\|b &lt;b&gt;x&lt;/b&gt; \\*y\\* \\[l\\](u) z');
    const r = readFixture('demo.json');
    r.phases[0]!.name = 'a|b\n| x |';
    const md = renderMarkdown([{ kind: 'run', label: 'x', path: 'x', results: r }]);
    const row = md.split('\n').find((l) => l.startsWith('| a'))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(14); // 12 cells between 13 unescaped bars
  });
});

describe('graceful degradation in the reports', () => {
  it('lists a phase whose latency degraded although nothing failed, with why, in HTML, Markdown and the narrative', () => {
    const r = readFixture('demo.json');
    const p = r.phases.find((x) => x.name === 'steady')!;
    p.degradation = { accepted: p.ok, rejected: 0, otherFailed: 0, rejectedShare: 0, acceptedLatencyUs: { p50: 900_000, p99: 1_277_000 }, latencyDegraded: 'p99 1277 ms, over the 50 ms p99 of the SLO' };
    const input = { kind: 'run' as const, label: 'x', path: 'x', results: r };
    const md = renderMarkdown([input]);
    expect(md.split('\n').find((l) => l.startsWith('| steady |') && l.includes('over the 50 ms p99'))).toBeDefined();
    const page = renderHtml([input]);
    expect(page).toContain('p99 1277 ms, over the 50 ms p99 of the SLO');
    expect(whatHappened(r).join(' ')).toContain('In steady, every request was served, but its latency degraded: p99 1277 ms, over the 50 ms p99 of the SLO.');
  });

  it('does not call wrong answers (BAD_OUTPUT) queueing', () => {
    const r = readFixture('demo.json');
    const p = r.phases.find((x) => x.name === 'steady')!;
    p.errors = { BAD_OUTPUT: 40 };
    p.degradation = { accepted: p.ok, rejected: 0, otherFailed: 40, rejectedShare: 0, acceptedLatencyUs: { p50: 900, p99: 2_000 } };
    const text = whatHappened(r).join(' ');
    expect(text).toContain('failed otherwise (BAD_OUTPUT 40): every failure was a wrong answer.');
    expect(text).not.toContain('(BAD_OUTPUT 40): it queued rather than shed load');
  });
});

describe('figures', () => {
  it.each([
    [1, 100, 2.7777777777777777],
    [2.5, 500, 1.3888888888888888],
    [2.5, 0, null],
    [undefined, 100, null],
  ])('cost per million at %s per hour and %s rps is %s', (cost, rps, want) => {
    const got = costPerMillion(cost, rps);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(want, 12);
  });

  it.each([
    [0.0001234, '0.000123'],
    [0.5, '0.500'],
    [3.14159, '3.14'],
    [45.55, '45.5'],
    [123.4, '123'],
    [2789.4, '2789'],
  ])('sig(%s) = %s', (v, want) => expect(sig(v)).toBe(want));

  it('formats absent numbers as a dash', () => {
    expect(ms(Number.POSITIVE_INFINITY)).toBe('-');
    expect(pct(null)).toBe('-');
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });

  it('reads the throughput at the SLO as sweeps do', () => {
    const best = atSlo(readFixture('demo.json'));
    expect(best).toMatchObject({ throughputRps: 150, phase: 'steady' });
  });

  it('puts an invalid measurement first among the warnings, and warns of dropped requests', () => {
    const ws = runWarnings(readFixture('demo.json'));
    expect(ws[0]!.severity).toBe('error');
    expect(ws[0]!.text).toMatch(/could not keep up/);
    expect(ws.some((w) => /DROPPED/.test(w.text))).toBe(true);
  });
});

describe('percentile spectrum', () => {
  it('has 0 %, 50 %, 75 %, 90 %, 99 %, 99.9 % … on its 1/(1-p) grid', () => {
    const grid = spectrumGrid();
    for (const p of [0, 50, 75, 90, 99, 99.9, 99.99, 99.999, 99.9999]) expect(grid.some((x) => Math.abs(percentileOfX(x) - p) < 1e-9)).toBe(true);
    expect([...grid].sort((a, b) => a - b)).toEqual(grid);
  });

  it('reads the histogram at each percentile and stops after the maximum', () => {
    const h = newHistogram();
    for (let v = 1; v <= 1000; v++) recordUs(h, v * 1000); // 1 … 1000 ms
    const grid = spectrumGrid();
    const values = spectrumValues(encodeHistogram(h), grid);
    const at = (p: number): number | null => values[grid.findIndex((x) => Math.abs(percentileOfX(x) - p) < 1e-9)]!;
    expect(at(0)).toBeCloseTo(1, 1);
    expect(at(50)).toBeCloseTo(500, -1);
    expect(at(90)).toBeCloseTo(900, -1);
    expect(at(99.9)).toBeCloseTo(999, -1);
    // 1000 samples cannot tell 99.99 % apart: one point more (the maximum), then nothing.
    const last = values.findLastIndex((v) => v !== null);
    expect(grid[last]!).toBeGreaterThan(1000);
    expect(values[last]).toBeCloseTo(1000, -1);
    const chart = spectrumChart('s', [{ label: 'a', histogram: encodeHistogram(h) }, { label: 'empty', histogram: '' }]);
    expect(chart!.series.map((s) => s.label)).toEqual(['a']);
    expect(chart!.x.values).toHaveLength(last + 1);
  });
});

describe('secondsOf', () => {
  const zero = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const row = (t: number, phase: string, o: Partial<IntervalResult>): IntervalResult => ({ t, phase, offeredRps: 0, sentRps: 0, okRps: 0, errors: {}, latencyUs: zero, serviceTimeUs: zero, sendLagP99Us: 0, lateSends: 0, histogram: '', ...o });

  it('adds the rows of a second two phases share, merges their latency exactly, and fills gaps', () => {
    const h1 = newHistogram();
    const h2 = newHistogram();
    for (let i = 0; i < 90; i++) recordUs(h1, 1000);
    for (let i = 0; i < 10; i++) recordUs(h2, 100_000);
    const s = secondsOf([
      row(4, 'a', { offeredRps: 90, sentRps: 90, okRps: 90, latencyUs: { ...zero, count: 90, p50: 1000, p99: 1000 }, histogram: encodeHistogram(h1), errors: { TIMEOUT: 1 } }),
      row(4, 'b', { offeredRps: 10, sentRps: 10, okRps: 10, latencyUs: { ...zero, count: 10, p50: 100_000, p99: 100_000 }, histogram: encodeHistogram(h2), errors: { TIMEOUT: 2, HTTP_503: 1 } }),
      row(6, 'b', { okRps: 5 }),
    ]);
    expect(s.map((x) => x.t)).toEqual([4, 5, 6]);
    expect(s[0]).toMatchObject({ offered: 100, sent: 100, ok: 100, errors: { TIMEOUT: 3, HTTP_503: 1 }, failed: 4 });
    expect(s[0]!.p50Us).toBeLessThan(1100);
    expect(s[0]!.p99Us).toBeGreaterThan(99_000);
    expect(s[1]).toMatchObject({ ok: 0, p99Us: null });
  });
});

describe('loadInputs', () => {
  it('lists every input it cannot read, at once', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-report-'));
    writeFileSync(path.join(dir, 'bad.json'), '{not json');
    expect(() => loadInputs([path.join(dir, 'missing.json'), path.join(dir, 'bad.json'), dir])).toThrow(
      expect.objectContaining({ code: 'GAUNTLET_ERR_INVALID_ARGUMENT', details: [expect.stringMatching(/no such file/), expect.stringMatching(/not JSON/), expect.stringMatching(/without results\.json, sweep\.json or repetitions/)] }),
    );
  });

  it('reads runs, folders and sweeps, and names runs after their targets when targets differ', () => {
    const inputs = loadInputs([path.join(FIXTURES, 'cmp-http.json'), path.join(FIXTURES, 'cmp-grpc.json'), path.join(FIXTURES, 'sweep-search')]);
    expect(inputs.map((i) => [i.kind, i.label])).toEqual([
      ['run', 'ref-http'],
      ['run', 'ref-grpc'],
      ['sweep', 'batching'],
    ]);
    const sweep = inputs[2]!;
    expect(sweep.kind === 'sweep' && [...sweep.runs.keys()]).toHaveLength(3);
  });

  it('keeps labels unique when the same run is given twice', () => {
    const f = path.join(FIXTURES, 'demo.json');
    const labels = loadInputs([f, f]).map((i) => i.label);
    expect(new Set(labels).size).toBe(2);
  });

  it('refuses to mix sweeps and runs in one CSV table', () => {
    expect(() => renderCsv(loadInputs([path.join(FIXTURES, 'demo.json'), path.join(FIXTURES, 'sweep-search')]))).toThrow(/one table/);
  });
});

describe('unusual inputs', () => {
  it('compares a run with a baseline made from runs (medians of the repetitions)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-report-'));
    const base = makeBaseline('smoke', [path.join(FIXTURES, 'cmp-http.json'), path.join(FIXTURES, 'cmp-http.json')], true);
    const file = writeBaseline(base, path.join(dir, 'smoke.json'));
    const inputs = loadInputs([path.join(FIXTURES, 'cmp-grpc.json'), file]);
    expect(inputs.map((i) => i.label)).toEqual(['sweep-base', 'baseline smoke']);
    const md = renderMarkdown(inputs);
    expect(md).toMatch(/\| r400 \| sweep-base \(invalid\) \| 405 \| 405 \|/);
    expect(md).toMatch(/\|   \| baseline smoke \| - \| 405 \| 2\.54 \| 33\.3 \| 0 % \|/);
    const page = renderHtml(inputs);
    expect(page).toContain('cmp-spectrum-1');
    expect(renderCsv(inputs).split('\r\n').filter((l) => l.startsWith('baseline smoke,'))).toHaveLength(4);
  });

  it('reports a run in which nothing succeeded without inventing latencies', () => {
    const r = readFixture('cmp-http.json');
    for (const p of r.phases) {
      p.errors = { ECONNREFUSED: p.sent };
      p.ok = 0;
      p.throughputRps = 0;
      p.latencyUs = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
      p.histogram = '';
    }
    for (const i of r.intervals) {
      i.okRps = 0;
      i.latencyUs = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
    }
    r.slo = { pass: false, checks: [{ phase: 'r100', metric: 'p99', threshold: 50, actual: null as unknown as number, pass: false, unit: 'ms' }] };
    const input = { kind: 'run' as const, label: 'x', path: 'x', results: r };
    const md = renderMarkdown([input]);
    expect(md).toMatch(/\| r100 \| 101 \| 101 \| 0\.0 \| - \| - \| - \| - \| - \| ECONNREFUSED 404 \|/);
    expect(md).toMatch(/p99 no successful responses &gt; 50 ms/);
    expect(md).toMatch(/throughput at the SLO is 0/);
    const page = renderHtml([input]);
    expect(page).not.toContain('run-spectrum');
  });
});

describe('Markdown size', () => {
  it(`stays under ${MARKDOWN_LIMIT} characters however many phases a run has`, () => {
    const r = readFixture('demo.json');
    const base = r.phases[1]!;
    r.phases = Array.from({ length: 2000 }, (_, i) => ({ ...base, name: `phase-with-a-long-name-${i}` }));
    const md = renderMarkdown([{ kind: 'run', label: 'x', path: 'x', results: r }]);
    expect(md.length).toBeLessThan(MARKDOWN_LIMIT);
    expect(md).toMatch(/more rows/);
  });
});
