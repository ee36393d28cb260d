/**
 * A sweep's token figures in reports: per combination the output tokens/s, TTFT p99, ITL p99, TPOT p50 and goodput
 * of the phase its figures come from, and a precision variant's generation agreement with fp32 and where it first
 * diverges. sweep.json holds all but ITL p99 (`figures.tokens`, `generation`); ITL p99 is read from the results
 * file behind the figures. A sweep without token figures (not an LLM) has no token columns at all.
 */
import type { PhaseResult } from '../results/results-schema.js';
import type { ComboRecord } from '../sweep/sweep-record.js';
import { msValue, pct, rps } from './format.js';
import type { SweepInput } from './load-inputs.js';

/** ComboTokens are one combination's token figures (null: not measured). */
export interface ComboTokens {
  outputTokensPerS: number | null;
  ttftP99Ms: number | null;
  itlP99Ms: number | null;
  tpotP50Ms: number | null;
  /** Share of the phase's requests that met every per-request token threshold (0..1), and its rate. */
  goodput: number | null;
  goodputRps: number | null;
  /** Share of greedy tokens equal to fp32's (fp32 itself: 1), and the mean position of the first that differs. */
  agreement: number | null;
  firstDivergence: number | null;
  tokensPerPrompt: number | null;
}

/** comboPhase is the phase of the run behind a combination's figures (a search step's run has one). */
export function comboPhase(s: SweepInput, id: string): PhaseResult | undefined {
  const run = s.runs.get(id);
  if (!run) return undefined;
  return run.phase !== undefined ? run.results.phases.find((p) => p.name === run.phase) : run.results.phases[0];
}

/** comboTokens reads a combination's token figures; null for a combination without any (not an LLM run). */
export function comboTokens(s: SweepInput, c: ComboRecord): ComboTokens | null {
  const f = c.figures?.tokens;
  const t = comboPhase(s, c.id)?.tokens;
  const g = c.generation ?? c.figures?.generation ?? null;
  if (!f && !t && !g) return null;
  const p99 = (h: { count: number; p99: number } | undefined): number | null => (h && h.count > 0 ? h.p99 / 1000 : null);
  return {
    outputTokensPerS: f?.outputTokensPerS ?? t?.outputTokensPerS ?? null,
    ttftP99Ms: f ? f.ttftP99Ms : p99(t?.ttftUs),
    itlP99Ms: p99(t?.itlUs),
    tpotP50Ms: f ? f.tpotP50Ms : t && t.tpotUs.count > 0 ? t.tpotUs.p50 / 1000 : null,
    goodput: f?.goodput ?? t?.goodput.fraction ?? null,
    goodputRps: f?.goodputRps ?? t?.goodput.rps ?? null,
    agreement: g ? g.tokenAgreement : null,
    firstDivergence: g ? g.meanFirstDivergence : null,
    tokensPerPrompt: g && g.tokensPerPrompt > 0 ? g.tokensPerPrompt : null,
  };
}

/** hasTokenRanking is true when the sweep ranks on output tokens/s (`recommend: tokens_per_s`). */
export function hasTokenRanking(s: SweepInput): boolean {
  return (s.record.recommendation?.basis ?? s.record.sweep.recommend) === 'tokens_per_s';
}

const dash = <T>(v: T | null, f: (x: T) => string): string => (v === null ? '-' : f(v));

/** divergenceText is where a variant's generations first differ from fp32's on average ('29.4 of 32'; '-' unknown). */
export function divergenceText(t: ComboTokens): string {
  if (t.firstDivergence === null) return '-';
  return `${t.firstDivergence.toFixed(1)}${t.tokensPerPrompt !== null ? ` of ${t.tokensPerPrompt}` : ''}`;
}

/**
 * tokenColumns are the token columns of the sweep tables, those some row has data for: output tokens/s, TTFT and
 * ITL p99, goodput, then the generation agreement and first divergence of precision variants.
 */
export function tokenColumns(rows: { tokens: ComboTokens | null }[], style: 'html' | 'md'): { headers: string[]; cells: (x: { tokens: ComboTokens | null }) => string[] } {
  const any = (k: keyof ComboTokens): boolean => rows.some((x) => x.tokens !== null && x.tokens[k] !== null);
  const cols: { header: string; cell: (t: ComboTokens) => string }[] = [
    ...(any('outputTokensPerS') ? [{ header: 'output tok/s', cell: (t: ComboTokens) => dash(t.outputTokensPerS, rps) }] : []),
    ...(any('ttftP99Ms') ? [{ header: 'TTFT p99 (ms)', cell: (t: ComboTokens) => dash(t.ttftP99Ms, msValue) }] : []),
    ...(any('itlP99Ms') ? [{ header: 'ITL p99 (ms)', cell: (t: ComboTokens) => dash(t.itlP99Ms, msValue) }] : []),
    ...(any('goodput') ? [{ header: 'goodput (%)', cell: (t: ComboTokens) => dash(t.goodput, (v) => pct(v).replace(/ %$/, '')) }] : []),
    ...(any('agreement') ? [{ header: style === 'html' ? 'token agreement vs fp32' : 'agreement', cell: (t: ComboTokens) => dash(t.agreement, (v) => String(+v.toFixed(3))) }] : []),
    ...(any('firstDivergence') ? [{ header: style === 'html' ? 'first divergence (token)' : 'first diverges', cell: divergenceText }] : []),
  ];
  return { headers: cols.map((c) => c.header), cells: (x) => cols.map((c) => (x.tokens ? c.cell(x.tokens) : '-')) };
}
