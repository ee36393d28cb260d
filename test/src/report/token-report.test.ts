/**
 * The token parts of the reports, on a trimmed real LLM run (fixtures/llm-steady.json): the run page's Tokens
 * section (table, charts, spectra), goodput in "what happened", the comparison's token columns, and their absence
 * for a KServe run, whose pages must read as before. The Markdown is pinned by the golden files (golden.test.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { renderHtml } from '../../../src/report/html-report.js';
import { loadInputs } from '../../../src/report/load-inputs.js';
import { renderMarkdown } from '../../../src/report/markdown-report.js';
import { whatHappened } from '../../../src/report/run-facts.js';
import { secondsOf } from '../../../src/report/timeline-data.js';
import { llmServerChart, outputRateChart, tokenSeconds, tokenSpectrumChart, ttftChart } from '../../../src/report/token-charts.js';
import { goodputSentence, tokenPhaseRows } from '../../../src/report/token-facts.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const LLM = path.join(FIXTURES, 'llm-steady.json');
const readLlm = (): ResultsFile => JSON.parse(readFileSync(LLM, 'utf8')) as ResultsFile;
const TOKEN_CHARTS = ['run-ttft-time', 'run-tokens-rate', 'run-llm-server', 'run-ttft-spectrum', 'run-itl-spectrum'];

/** charts lists the data-chart ids of a page. */
const charts = (page: string): string[] => [...page.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]!);

/** writeRun writes a changed copy of a results file to a temporary folder and returns its path. */
function writeRun(r: ResultsFile, name = 'results.json'): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gauntlet-tokens-')), name);
  writeFileSync(file, JSON.stringify(r));
  return file;
}

describe('the run page of an LLM run', () => {
  const page = renderHtml(loadInputs([LLM]));

  it('has a Tokens section with the table per phase, the charts over time and the TTFT and ITL spectra', () => {
    expect(page).toContain('<h2>Tokens</h2>');
    expect(charts(page)).toEqual(expect.arrayContaining(TOKEN_CHARTS));
    for (const h of ['TTFT ms p50 / p90 / p99', 'ITL ms p50 / p99', 'TPOT ms p50 / p99', 'tokens in / out p50', 'output tok/s', 'req/s', 'goodput', 'finish reasons', 'counted by']) expect(page).toContain(`>${h}</th>`);
    // peak-5x: TTFT p50/p90/p99 1880/2896/3975 ms, goodput 3.59 % at 3.6/s, every request cut by max_tokens.
    expect(page).toMatch(/<td>peak-5x<\/td><td class="num">502<\/td><td class="num">1880 \/ 2896 \/ 3975<\/td>/);
    expect(page).toContain('3.59 %<br><span class="muted">3.6/s</span>');
    expect(page).toContain('length 502');
    expect(page).toContain('TTFT ≤ 500 ms, TPOT ≤ 20 ms in steady, double, peak-5x');
    expect(page).toContain('>goodput: warmup 100.0 % · steady 100.0 % · double 100.0 % · peak-5x 3.59 %</span></div>');
  });

  it('says the goodput per phase in what happened, and leaves out the Triton view the LLM server does not export', () => {
    const r = readLlm();
    const said = whatHappened(r).join('\n');
    expect(said).toContain('steady 100.0 % (19.2/s), double 100.0 % (35.4/s), peak-5x 3.59 % (3.6/s)');
    expect(said).not.toContain('requests per execution');
    expect(page).not.toContain('The server\'s view');
    expect(charts(page)).not.toContain('run-server-time');
  });

  it('draws TTFT against the SLO line, and the client\'s output tokens/s beside the server\'s generation tokens/s', () => {
    const r = readLlm();
    const secs = secondsOf(r.intervals);
    const ttft = ttftChart('t', r, secs)!;
    expect(ttft.lines).toEqual([{ y: 100, label: 'SLO TTFT p99 100 ms', color: '#B00020' }]);
    expect(ttft.series.map((s) => s.label)).toEqual(['TTFT p50', 'TTFT p99', 'ITL p99']);
    expect(Math.max(...ttft.series[1]!.values.filter((v): v is number => v !== null))).toBeGreaterThan(1000);
    const rate = outputRateChart('o', r, secs)!;
    expect(rate.series.map((s) => s.label)).toEqual(['output tokens (client)', 'generation tokens (server)']);
    const client = rate.series[0]!.values.reduce<number>((a, v) => a + (v ?? 0), 0);
    expect(client).toBe(r.phases.reduce((n, p) => n + p.tokens!.outputTokensTotal, 0));
    expect(llmServerChart('l', r, secs)!.series.map((s) => s.label)).toEqual(['running', 'waiting', 'KV cache']);
    const spectrum = tokenSpectrumChart('s', r, 'itl')!;
    expect(spectrum.series.map((s) => s.label)).toEqual(['warmup', 'steady', 'double', 'peak-5x']);
  });

  it('adds up a second two phases share (output tokens summed, the busier row\'s percentiles)', () => {
    const r = readLlm();
    const tok = (requests: number, outputTokens: number, ttftP99: number) => ({ requests, good: requests, inputTokens: 0, outputTokens, ttftUs: { p50: 1, p99: ttftP99, max: ttftP99 }, itlUs: { p50: 1, p99: 2, max: 2 }, tpotUs: { p50: 1, p99: 1 } });
    r.intervals = [
      { ...r.intervals[0]!, t: 3, phase: 'a', tokens: tok(2, 100, 9000) },
      { ...r.intervals[0]!, t: 3, phase: 'b', tokens: tok(8, 300, 5000) },
    ];
    expect(tokenSeconds(r).get(3)).toEqual({ t: 3, requests: 10, outputTokens: 400, ttftP50Us: 1, ttftP99Us: 5000, itlP99Us: 2 });
  });

  it('without the server\'s vLLM metrics: no server line and no sequences chart', () => {
    const r = readLlm();
    delete r.server;
    const page = renderHtml(loadInputs([writeRun(r)]));
    expect(charts(page)).toEqual(expect.arrayContaining(['run-ttft-time', 'run-tokens-rate', 'run-ttft-spectrum', 'run-itl-spectrum']));
    expect(charts(page)).not.toContain('run-llm-server');
    expect(outputRateChart('o', r, secondsOf(r.intervals))!.series).toHaveLength(1);
  });

  it('leaves out a phase that did not run, and shows a dash for figures without samples', () => {
    const r = readLlm();
    r.phases[3]!.state = 'not-run';
    r.phases[0]!.tokens!.tpotUs = { ...r.phases[0]!.tokens!.tpotUs, count: 0 };
    const rows = tokenPhaseRows(r);
    expect(rows.map((x) => x.phase)).toEqual(['warmup', 'steady', 'double']);
    expect(rows[0]!.cells[4]).toBe('- / -');
    expect(goodputSentence(r)).not.toContain('peak-5x');
  });
});

describe('a tokens block with only the fields the reader checks', () => {
  it('renders with dashes, not a crash: no p90, token counts, criteria, finish reasons or histograms; a damaged histogram', () => {
    const r = readLlm();
    for (const p of r.phases) {
      const t = p.tokens as unknown as Record<string, unknown>;
      for (const k of ['inputTokens', 'outputTokens', 'requestsPerS', 'finishReasons', 'histograms']) delete t[k];
      delete (t['ttftUs'] as Record<string, unknown>)['p90'];
      delete (t['goodput'] as Record<string, unknown>)['criteria'];
    }
    r.phases[0]!.tokens!.histograms = { ttft: 'not a histogram', itl: '', tpot: '', input: '', output: '', rate: '' };
    for (const s of r.server!.intervals) delete (s.llm as unknown as Record<string, unknown>)['kvCacheUsage'];
    const inputs = loadInputs([writeRun(r)]);
    const page = renderHtml(inputs);
    expect(page).toContain('<h2>Tokens</h2>');
    expect(charts(page)).not.toContain('run-ttft-spectrum');
    expect(renderMarkdown(inputs)).toContain('| steady | 96 | 4.54 / - / 29.8 | 0.394 / 3.75 | 0.481 / 1.52 | - / - | 1558 | - | 100.0 % (19.2/s) | - | usage |');
  });
});

describe('a run without tokens', () => {
  it.each(['demo.json', 'drill.json'])('%s has no token section, charts, columns or sentence', (name) => {
    const inputs = loadInputs([path.join(FIXTURES, name)]);
    const page = renderHtml(inputs);
    const md = renderMarkdown(inputs);
    expect(page).not.toContain('Tokens');
    expect(page).not.toContain('goodput');
    for (const id of TOKEN_CHARTS) expect(charts(page)).not.toContain(id);
    expect(md).not.toContain('Tokens');
    expect(md).not.toContain('Goodput');
  });
});

describe('comparisons', () => {
  it('set TTFT p99, ITL p99, output tokens/s and goodput beside the figures when a run has them', () => {
    const other = readLlm();
    other.target.name = 'other-llm';
    other.phases[1]!.tokens!.ttftUs.p99 = 12_345;
    const inputs = loadInputs([LLM, writeRun(other)]);
    const page = renderHtml(inputs);
    const md = renderMarkdown(inputs);
    for (const h of ['TTFT p99 ms', 'ITL p99 ms', 'output tok/s', 'goodput']) expect(page).toContain(`<th class="num">${h}</th>`);
    expect(md).toContain('| error rate | cost per hour | cost per million | TTFT p99 ms | ITL p99 ms | output tok/s | goodput |');
    // The at-SLO phase of both is steady: 29.8 ms against the other's 12.3 ms.
    const atSlo = md.split('\n').filter((l) => l.includes('| steady |')).slice(0, 2);
    expect(atSlo.map((l) => l.split(' | ').slice(9, 13).join(' | ').replace(/ \|$/, ''))).toEqual(['29.8 | 3.75 | 1558 | 100.0 %', '12.3 | 3.75 | 1558 | 100.0 %']);
  });

  it('of KServe runs have no token columns', () => {
    const inputs = loadInputs([path.join(FIXTURES, 'cmp-http.json'), path.join(FIXTURES, 'cmp-grpc.json')]);
    expect(renderHtml(inputs)).not.toContain('TTFT');
    expect(renderMarkdown(inputs)).not.toContain('TTFT');
  });
});
