/**
 * Token figures in the reports beyond the run page, on trimmed real LLM runs: the CSV's token columns (runs,
 * baselines, sweeps), the `--repeat` pages' token spread (fixtures/llm-repeat), the LLM sweep's token columns and
 * its Pareto chart of output tokens/s against TTFT p99 (fixtures/sweep-llm-precision), and the token SLOs as JUnit
 * test cases. KServe inputs must keep empty token cells and no token sections. Goldens pin the text (golden.test.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeBaseline, writeBaseline } from '../../../src/compare/baseline.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { readResults } from '../../../src/results/read-results.js';
import type { SweepRecord } from '../../../src/sweep/sweep-record.js';
import { median } from '../../../src/report/comparison.js';
import { RUN_COLUMNS, renderCsv } from '../../../src/report/csv-report.js';
import { renderHtml } from '../../../src/report/html-report.js';
import { loadInputs, type RepeatInput, type SweepInput } from '../../../src/report/load-inputs.js';
import { renderMarkdown } from '../../../src/report/markdown-report.js';
import { repeatPhases, repeatSummary } from '../../../src/report/repeat-view.js';
import { renderJunit } from '../../../src/report/results-junit.js';
import { paretoChart, tokenFrontier, unplotted } from '../../../src/report/sweep-pareto.js';
import { comboRows } from '../../../src/report/sweep-view.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (name: string): string => path.join(FIXTURES, name);
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const REPS = [1, 2, 3].map((n) => fx(`llm-repeat/rep-${n}/results.json`));

/** table parses a CSV without quoted commas in the cells read here into rows of named cells. */
function table(csv: string): Record<string, string>[] {
  const [head, ...rows] = csv.trimEnd().split('\r\n').map((l) => l.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/));
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

describe('the CSV of LLM runs', () => {
  it('gives each phase its token figures, read from results.phases[].tokens', () => {
    // Through the reader, as the report reads it: older files are upgraded (tokens/s counted within the phase's window).
    const r = readResults(fx('llm-steady.json'));
    const rows = table(renderCsv(loadInputs([fx('llm-steady.json')])));
    expect(rows.map((x) => x.phase)).toEqual(r.phases.map((p) => p.name));
    rows.forEach((row, i) => {
      const t = r.phases[i]!.tokens!;
      expect(Number(row.ttft_p99_ms)).toBeCloseTo(t.ttftUs.p99 / 1000, 3);
      expect(Number(row.itl_p99_ms)).toBeCloseTo(t.itlUs.p99 / 1000, 3);
      expect(Number(row.tpot_p50_ms)).toBeCloseTo(t.tpotUs.p50 / 1000, 3);
      expect(Number(row.output_tokens)).toBe(t.outputTokensTotal);
      expect(Number(row.output_tokens_per_s)).toBeCloseTo(t.outputTokensPerS, 3);
      expect(Number(row.goodput_ratio)).toBeCloseTo(t.goodput.fraction, 6);
      expect(row.token_counting).toBe('usage');
      expect(row.finish_reasons).toMatch(/^length:\d+$/);
    });
    // The 5x phase missed the goodput SLO: its ratio is well under 1.
    expect(Number(rows.at(-1)!.goodput_ratio)).toBeLessThan(0.5);
  });

  it('leaves the token cells of a KServe run empty', () => {
    const rows = table(renderCsv(loadInputs([fx('demo.json')])));
    const tokenCols = RUN_COLUMNS.slice(RUN_COLUMNS.indexOf('token_requests'));
    for (const row of rows) for (const c of tokenCols) expect(row[c]).toBe('');
  });

  it('gives a baseline of LLM runs the medians of its repetitions\' token figures', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-tokens-'));
    const file = writeBaseline(makeBaseline('llm', REPS, true), path.join(dir, 'llm.json'));
    const rows = table(renderCsv(loadInputs([file]))).filter((x) => x.phase === 'steady');
    const ttft = REPS.map((f) => readJson<ResultsFile>(f).phases.find((p) => p.name === 'steady')!.tokens!.ttftUs.p99 / 1000);
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.ttft_p99_ms)).toBeCloseTo(median(ttft), 3);
    expect(Number(rows[0]!.output_tokens_per_s)).toBeGreaterThan(0);
    expect(rows[0]!.goodput_ratio).toBe('1');
    expect(rows[0]!.tpot_p99_ms).toBe('');
  });

  it('gives each sweep combination its tokens/s, TTFT and ITL p99, goodput and generation agreement', () => {
    const rec = readJson<SweepRecord>(fx('sweep-llm-precision/sweep.json'));
    const rows = table(renderCsv(loadInputs([fx('sweep-llm-precision')])));
    for (const c of rec.combinations) {
      const row = rows.find((x) => x.id === c.id)!;
      expect(Number(row.token_agreement_ratio)).toBeCloseTo(c.generation!.tokenAgreement, 6);
      expect(Number(row.first_divergence_tokens)).toBeCloseTo(c.generation!.meanFirstDivergence, 3);
      if (c.figures?.tokens) {
        expect(Number(row.output_tokens_per_s)).toBeCloseTo(c.figures.tokens.outputTokensPerS, 3);
        expect(Number(row.ttft_p99_ms)).toBeCloseTo(c.figures.tokens.ttftP99Ms!, 3);
        expect(Number(row.itl_p99_ms)).toBeGreaterThan(0);
      } else expect(row.output_tokens_per_s).toBe('');
    }
    const kserve = table(renderCsv(loadInputs([fx('sweep-search')])));
    for (const row of kserve) expect([row.output_tokens_per_s, row.ttft_p99_ms, row.token_agreement_ratio]).toEqual(['', '', '']);
  });
});

describe('the --repeat pages of an LLM run', () => {
  const [input] = loadInputs([fx('llm-repeat')]) as RepeatInput[];

  it('spreads the token figures over the repetitions: median, lowest and highest', () => {
    const steady = repeatPhases(input!).find((p) => p.name === 'steady')!;
    const ttft = REPS.map((f) => readJson<ResultsFile>(f).phases.find((p) => p.name === 'steady')!.tokens!.ttftUs.p99 / 1000);
    expect(steady.tokenSpread!.ttftP99).toEqual({ median: median(ttft), min: Math.min(...ttft), max: Math.max(...ttft), n: 3 });
    expect(steady.reps.map((r) => r.tokens!.ttftP99)).toEqual(ttft);
    expect(repeatSummary(input!).some((l) => l.startsWith('steady: TTFT p99 '))).toBe(true);
  });

  it('shows them in a table of their own in HTML and Markdown, and not for a KServe run', () => {
    expect(renderHtml([input!])).toContain('Tokens, each repetition</h2>');
    expect(renderMarkdown([input!])).toMatch(/### Tokens, each repetition\n\n\| phase \/ repetition \| TTFT p50 ms \| TTFT p99 ms \| ITL p99 ms/);
    const kserve = loadInputs([fx('repeat')]);
    expect(renderHtml(kserve)).not.toContain('Tokens, each repetition');
    expect(renderMarkdown(kserve)).not.toContain('Tokens, each repetition');
  });
});

describe('an LLM sweep ranked on output tokens/s', () => {
  const [s] = loadInputs([fx('sweep-llm-precision')]) as SweepInput[];

  it('has a Tokens table, with each variant\'s agreement and first divergence, in the configuration table\'s order', () => {
    const md = renderMarkdown([s!]);
    expect(md).toContain('### Tokens\n\n| # | combination | output tok/s | TTFT p99 (ms) | ITL p99 (ms) | goodput (%) | agreement | first diverges |');
    expect(md).toMatch(/\| 2 \| 02-fp16 \| 1229 \| 369 \| 58\.7 \| 100\.0 \| 0\.918 \| 29\.4 of 32 \|\n\| 1 \| 01-fp32 \|/);
    expect(md).toContain('| 4 | 04-int4 | - | - | - | - | 0.094 | 2.6 of 32 |');
    expect(renderMarkdown(loadInputs([fx('sweep-search')]))).not.toContain('### Tokens');
    expect(renderHtml([s!])).toContain('<th class="num">token agreement vs fp32</th>');
    expect(comboRows(s!).find((x) => x.id === '01-fp32')!.tokens).toMatchObject({ outputTokensPerS: 819.2, agreement: 1 });
  });

  it('charts output tokens/s against TTFT p99, its own frontier joined, a combination without tokens listed beside it', () => {
    const chart = paretoChart('p', s!)!;
    expect(chart.y.label).toBe('output tokens/s');
    expect(chart.x.label).toBe('TTFT p99 (ms)');
    const ran = s!.record.combinations.filter((c) => c.figures?.tokens);
    expect(chart.pointLabels!.map((l) => [l.x, l.y]).sort((a, b) => a[0]! - b[0]!)).toEqual(
      ran.map((c) => [c.figures!.tokens!.ttftP99Ms, c.figures!.tokens!.outputTokensPerS]).sort((a, b) => a[0]! - b[0]!),
    );
    // int8 has the most tokens/s at the lowest TTFT p99 here: it alone is on the frontier.
    expect(tokenFrontier(s!)).toEqual(['03-int8']);
    expect(unplotted(s!)).toEqual([{ index: 4, id: '04-int4', why: 'no token figures' }]);
    expect(chart.markers).toEqual([{ x: 2000, label: 'TTFT p99 bound 2000 ms', color: '#B00020' }]);
  });

  it('keeps the chart of throughput at the SLO against p99 for a sweep ranked on throughput', () => {
    const [kserve] = loadInputs([fx('sweep-search')]) as SweepInput[];
    expect(paretoChart('p', kserve!)!.y.label).toBe('rps at the SLO');
    expect(tokenFrontier(kserve!)).toEqual([]);
  });
});

describe('token SLOs in JUnit', () => {
  it('are test cases with their measured values, failed ones as failures', () => {
    const xml = renderJunit(loadInputs([fx('llm-repeat/rep-1')]));
    expect(xml).toContain('name="SLO ttft_p99"><system-out>ttft_p99 904 ms &lt;= 1500 ms</system-out>');
    expect(xml).toContain('name="SLO itl_p99"><failure message="itl_p99 505 ms &gt; 300 ms"/>');
    expect(xml).toContain('name="SLO tpot_p99"><failure message="tpot_p99 106 ms &gt; 100 ms"/>');
    expect(xml).toContain('name="SLO output_tokens_per_s"><system-out>output_tokens_per_s 64.0 tokens/s &gt;= 60 tokens/s</system-out>');
    expect(xml).toContain('name="SLO goodput"><system-out>goodput 100.0 % &gt;= 90.0 %</system-out>');
  });
});

describe('a drill against an LLM target', () => {
  it('shows what each fault did to the token streams in HTML and Markdown, and nothing of it for a KServe drill', () => {
    const r = readJson<ResultsFile>(fx('drill.json'));
    const recovery = { fromS: 5, recoveredAtS: 7.5, recoveryS: 2.5, windowS: 3, p99LimitMs: 240 };
    r.faults[0]!.drill!.tokens = { ttftP99Ms: { before: 120, worst: 378, after: 130 }, outputTokensPerS: { before: 800, during: 420, after: 790 }, streamsCut: 2, tokensLost: 859.4, ttftRecovery: recovery };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-drill-tokens-'));
    const file = path.join(dir, 'results.json');
    writeFileSync(file, JSON.stringify(r));
    const md = renderMarkdown(loadInputs([file]));
    expect(md).toContain('| 1 | kill-replica');
    expect(md).toMatch(/\| 1 \| [^|]+ \| 2 \| 859 \| 120 → 378 → 130 \| 800 → 420 → 790 \| 2\.5 s \|/);
    const page = renderHtml(loadInputs([file]));
    expect(page).toContain('streams cut');
    expect(page).toContain('120 → 378 → 130');
    expect(renderMarkdown(loadInputs([fx('drill.json')]))).not.toContain('streams cut');
  });
});
