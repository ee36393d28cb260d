/**
 * What an LLM run's report says about tokens, the same in HTML and Markdown: one formatted row per phase (TTFT,
 * ITL, TPOT, tokens per request, output tokens/s, goodput with its criteria, finish reasons, how tokens were
 * counted), and the goodput sentence of "what happened". Read from results.phases[].tokens only; a run without
 * tokens has no rows and no sentence, so its reports read exactly as before.
 */
import type { PhaseResult, PhaseTokens, ResultsFile, TokenGoodput } from '../results/results-schema.js';
import { count, ms, msValue, pct, rps } from './format.js';

/** TOKEN_HEADER is the tokens table's header, shared by the HTML and Markdown reports. */
export const TOKEN_HEADER = ['phase', 'with tokens', 'TTFT ms p50 / p90 / p99', 'ITL ms p50 / p99', 'TPOT ms p50 / p99', 'tokens in / out p50', 'output tok/s', 'req/s', 'goodput', 'finish reasons', 'counted by'];
/** TOKEN_GOODPUT is the goodput's column in TOKEN_HEADER. */
export const TOKEN_GOODPUT = 8;
/** TOKEN_NUMERIC are the tokens table's right-aligned columns. */
export const TOKEN_NUMERIC = [1, 2, 3, 4, 5, 6, 7, 8];

/** TokenPhaseRow is one phase of the tokens table, formatted. */
export interface TokenPhaseRow {
  phase: string;
  cells: string[];
  /** The goodput's share and rate apart ('98.0 %', '19.2/s'), for a page that sets them on two lines. */
  goodput: [string, string];
  /** The goodput's criteria in words ('TTFT ≤ 500 ms, TPOT ≤ 20 ms'; 'every success counts'). */
  criteria: string;
}

/** hasTokens is true when any phase of the run carries token figures (an LLM target). */
export function hasTokens(r: ResultsFile): boolean {
  return r.phases.some((p) => p.tokens !== undefined);
}

/** criteriaText says which per-request thresholds made a request good. */
export function criteriaText(g: TokenGoodput): string {
  const c = g.criteria ?? {};
  const parts = [
    c.ttftMs !== undefined ? `TTFT ≤ ${c.ttftMs} ms` : '',
    c.itlMs !== undefined ? `every gap ≤ ${c.itlMs} ms` : '',
    c.tpotMs !== undefined ? `TPOT ≤ ${c.tpotMs} ms` : '',
    c.e2eMs !== undefined ? `end to end ≤ ${c.e2eMs} ms` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'every success counts';
}

/** goodputText is a phase's goodput: its share of the attempted requests and its rate ('98.0 % (19.2/s)'). */
export function goodputText(g: TokenGoodput): string {
  return `${pct(g.fraction)} (${rps(g.rps)}/s)`;
}

/** finishText lists finish reasons, most frequent first ('length 96, stop 3'). */
export function finishText(reasons: Record<string, number> | undefined): string {
  const e = Object.entries(reasons ?? {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return e.length ? e.map(([k, n]) => `${k} ${count(n)}`).join(', ') : '-';
}

function cells(t: PhaseTokens): string[] {
  // A latency figure of a histogram without samples is not a measurement: show a dash, not 0. The reader of
  // results.json checks only some fields of the block (read-results.ts): the others may be missing here.
  const l = (s: { count: number }, us: number | undefined): string => (s.count > 0 ? ms(us) : '-');
  const n = (s: { count: number; p50: number } | undefined): string => (s && s.count > 0 && Number.isFinite(s.p50) ? count(s.p50) : '-');
  return [
    count(t.requests),
    `${l(t.ttftUs, t.ttftUs.p50)} / ${l(t.ttftUs, t.ttftUs.p90)} / ${l(t.ttftUs, t.ttftUs.p99)}`,
    `${l(t.itlUs, t.itlUs.p50)} / ${l(t.itlUs, t.itlUs.p99)}`,
    `${l(t.tpotUs, t.tpotUs.p50)} / ${l(t.tpotUs, t.tpotUs.p99)}`,
    `${n(t.inputTokens)} / ${n(t.outputTokens)}`,
    rps(t.outputTokensPerS),
    rps(t.requestsPerS),
    goodputText(t.goodput),
    finishText(t.finishReasons),
    t.countedBy,
  ];
}

/** tokenPhaseRows formats the phases that carry tokens (phases that did not run are left out). */
export function tokenPhaseRows(r: ResultsFile): TokenPhaseRow[] {
  return r.phases.filter((p): p is PhaseResult & { tokens: PhaseTokens } => p.tokens !== undefined && p.state !== 'not-run').map((p) => ({ phase: p.name, cells: [p.name, ...cells(p.tokens)], goodput: [pct(p.tokens.goodput.fraction), `${rps(p.tokens.goodput.rps)}/s`], criteria: criteriaText(p.tokens.goodput) }));
}

/**
 * drainNote says how many output tokens arrived after the last phase with tokens ended (its backlog draining):
 * an earlier phase's late tokens are in the next phase's window, these are in none. '' when there were none.
 */
export function drainNote(r: ResultsFile): string {
  const last = r.phases.filter((p) => p.tokens !== undefined && p.state !== 'not-run').at(-1);
  const after = last?.tokens?.outputTokensAfterPhase ?? 0;
  if (!last || !(after > 0)) return '';
  return `After the last phase (${last.name}) ended, ${count(after)} more output tokens arrived over ${last.tokens!.drainS.toFixed(1)} s, its backlog draining: they are in no phase's tokens/s.`;
}

/** criteriaByPhase says which thresholds made a request good, grouped ('TTFT ≤ 500 ms in steady, double; every success counts in warmup'). */
export function criteriaByPhase(rows: { phase: string; criteria: string }[]): string {
  const groups = new Map<string, string[]>();
  for (const x of rows) groups.set(x.criteria, [...(groups.get(x.criteria) ?? []), x.phase]);
  if (groups.size <= 1) return [...groups.keys()][0] ?? '';
  return [...groups].map(([c, phases]) => `${c} in ${phases.join(', ')}`).join('; ');
}

/** goodputCriteriaNote is the sentence under the tokens table: what made a request good, and how tokens were counted. */
export function goodputCriteriaNote(rows: TokenPhaseRow[]): string {
  if (rows.length === 0) return '';
  return `Goodput is the share of the requests sent (failed and dropped ones included) that succeeded and met every per-request threshold (${criteriaByPhase(rows)}), and their rate per second. Counted by: usage is the server's own count, any other name the tokenizer gauntlet counted with.`;
}

/** goodputSentence is the headline's goodput per phase for "what happened"; undefined for a run without tokens. */
export function goodputSentence(r: ResultsFile): string | undefined {
  const rows = r.phases.filter((p) => p.tokens !== undefined && p.state !== 'not-run');
  if (rows.length === 0) return undefined;
  const shown = rows.slice(0, 6).map((p) => `${p.name} ${goodputText(p.tokens!.goodput)}`);
  if (rows.length > shown.length) shown.push(`${rows.length - shown.length} more in the tokens table`);
  const outRate = rows.reduce<PhaseResult | undefined>((a, p) => (!a || p.tokens!.outputTokensPerS > a.tokens!.outputTokensPerS ? p : a), undefined)!;
  const which = criteriaByPhase(rows.map((p) => ({ phase: p.name, criteria: criteriaText(p.tokens!.goodput) })));
  return `Goodput (requests that met every per-request token threshold: ${which}): ${shown.join(', ')}. The most output tokens per second: ${rps(outRate.tokens!.outputTokensPerS)} in ${outRate.name}.`;
}

/** TokenFigures are the token figures a comparison sets beside latency and throughput. */
export interface TokenFigures {
  ttftP99Ms: number | null;
  itlP99Ms: number | null;
  outputTokensPerS: number;
  /** Share of the phase's attempted requests that were good (0..1). */
  goodput: number;
}

/** tokenFigures reads a phase's comparison figures; undefined for a phase without tokens. */
export function tokenFigures(p: PhaseResult | undefined): TokenFigures | undefined {
  const t = p?.tokens;
  if (!t) return undefined;
  return { ttftP99Ms: t.ttftUs.count > 0 ? t.ttftUs.p99 / 1000 : null, itlP99Ms: t.itlUs.count > 0 ? t.itlUs.p99 / 1000 : null, outputTokensPerS: t.outputTokensPerS, goodput: t.goodput.fraction };
}

/** TOKEN_FIGURE_HEADER names tokenFigureCells' columns. */
export const TOKEN_FIGURE_HEADER = ['TTFT p99 ms', 'ITL p99 ms', 'output tok/s', 'goodput'];

/** tokenFigureCells formats a comparison's token figures ('-' each when there are none). */
export function tokenFigureCells(f: TokenFigures | undefined): string[] {
  if (!f) return ['-', '-', '-', '-'];
  return [msValue(f.ttftP99Ms), msValue(f.itlP99Ms), rps(f.outputTokensPerS), pct(f.goodput)];
}
