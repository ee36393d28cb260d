/**
 * One run measured several times (`gauntlet run --repeat N`), as its reports tell it: per phase, the median of
 * each figure over the repetitions and its spread (lowest to highest), each repetition's own figures, how many
 * repetitions met the SLO and measured validly, and the gate's verdict when they were gated. The same words in
 * HTML and Markdown.
 */
import { decodeHistogram, encodeHistogram, newHistogram } from '../metrics/hdr.js';
import type { PhaseResult } from '../results/results-schema.js';
import { median } from './comparison.js';
import { msValue, pct, plural, rps, seconds } from './format.js';
import { gateHeadline } from './gate-view.js';
import type { RepeatInput, RunInput } from './load-inputs.js';
import { failedChecks, type PhaseSlo, phaseSlo, runVerdict, runWarnings, type Warning } from './run-facts.js';

/** FIGURES are the figures a repetitions report spreads, in column order. */
export const FIGURES = [
  { key: 'offered', label: 'offered/s', fmt: rps },
  { key: 'throughput', label: 'ok/s', fmt: rps },
  { key: 'p50', label: 'p50 ms', fmt: msValue },
  { key: 'p90', label: 'p90 ms', fmt: msValue },
  { key: 'p99', label: 'p99 ms', fmt: msValue },
  { key: 'p999', label: 'p99.9 ms', fmt: msValue },
  { key: 'max', label: 'max ms', fmt: msValue },
  { key: 'errorRate', label: 'error rate', fmt: pct },
] as const;
/** FigureKey names one of FIGURES. */
export type FigureKey = (typeof FIGURES)[number]['key'];

/** TOKEN_FIGURES are the token figures a repetitions report spreads for an LLM target, in column order. */
export const TOKEN_FIGURES = [
  { key: 'ttftP50', label: 'TTFT p50 ms', fmt: msValue },
  { key: 'ttftP99', label: 'TTFT p99 ms', fmt: msValue },
  { key: 'itlP99', label: 'ITL p99 ms', fmt: msValue },
  { key: 'tpotP50', label: 'TPOT p50 ms', fmt: msValue },
  { key: 'tpotP99', label: 'TPOT p99 ms', fmt: msValue },
  { key: 'outputTokensPerS', label: 'output tok/s', fmt: rps },
  { key: 'goodput', label: 'goodput', fmt: pct },
] as const;
/** TokenFigureKey names one of TOKEN_FIGURES. */
export type TokenFigureKey = (typeof TOKEN_FIGURES)[number]['key'];

/** Spread is a figure over the repetitions that ran the phase: median, lowest, highest, and how many. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** RepPhase is one repetition's figures for a phase (null: the repetition did not run the phase). */
export interface RepPhase {
  label: string;
  figures: Record<FigureKey, number | null> | null;
  /** Token figures (LLM targets); null when the repetition did not run the phase or it has none. */
  tokens: Record<TokenFigureKey, number | null> | null;
  slo: PhaseSlo;
  failed: string[];
  valid: boolean;
}

/** RepeatPhase is one phase across the repetitions. */
export interface RepeatPhase {
  name: string;
  spread: Record<FigureKey, Spread | null>;
  /** The token figures' spread; null when no repetition has token figures for the phase. */
  tokenSpread: Record<TokenFigureKey, Spread | null> | null;
  reps: RepPhase[];
}

function figuresOf(p: PhaseResult): Record<FigureKey, number | null> {
  const has = p.latencyUs.count > 0;
  const lat = (us: number): number | null => (has ? us / 1000 : null);
  return { offered: p.offeredRps, throughput: p.throughputRps, p50: lat(p.latencyUs.p50), p90: lat(p.latencyUs.p90), p99: lat(p.latencyUs.p99), p999: lat(p.latencyUs.p999), max: lat(p.latencyUs.max), errorRate: p.errorRate };
}

function tokensOf(p: PhaseResult): Record<TokenFigureKey, number | null> | null {
  const t = p.tokens;
  if (!t) return null;
  const at = (h: { count: number }, us: number): number | null => (h.count > 0 ? us / 1000 : null);
  return { ttftP50: at(t.ttftUs, t.ttftUs.p50), ttftP99: at(t.ttftUs, t.ttftUs.p99), itlP99: at(t.itlUs, t.itlUs.p99), tpotP50: at(t.tpotUs, t.tpotUs.p50), tpotP99: at(t.tpotUs, t.tpotUs.p99), outputTokensPerS: t.outputTokensPerS, goodput: t.goodput.fraction };
}

function spreads<K extends string>(keys: readonly { key: K }[], values: (Record<K, number | null> | null)[]): Record<K, Spread | null> {
  return Object.fromEntries(keys.map((f) => [f.key, spreadOf(values.map((x) => x?.[f.key] ?? null))])) as Record<K, Spread | null>;
}

/** spreadOf is the median and range of the values present (null when none). */
export function spreadOf(values: (number | null)[]): Spread | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return null;
  return { median: median(xs), min: xs.reduce((a, b) => Math.min(a, b)), max: xs.reduce((a, b) => Math.max(a, b)), n: xs.length };
}

/** repeatPhases lays out every phase (in the order the repetitions ran them) across the repetitions. */
export function repeatPhases(input: RepeatInput): RepeatPhase[] {
  const names: string[] = [];
  for (const r of input.reps) for (const p of r.results.phases) if (!names.includes(p.name)) names.push(p.name);
  return names.map((name) => {
    const reps = input.reps.map((r): RepPhase => {
      const p = r.results.phases.find((x) => x.name === name);
      const ran = p && p.state !== 'not-run';
      return { label: r.label, figures: ran ? figuresOf(p) : null, tokens: ran ? tokensOf(p) : null, slo: phaseSlo(r.results, name), failed: failedChecks(r.results, name), valid: runVerdict(r.results).valid };
    });
    const tokenSpread = reps.some((x) => x.tokens) ? spreads(TOKEN_FIGURES, reps.map((x) => x.tokens)) : null;
    return { name, spread: spreads(FIGURES, reps.map((x) => x.figures)), tokenSpread, reps };
  });
}

/** spreadText is "12.3 (11.9–13.0)": the median, then the lowest and highest (the median alone for one value). */
export function spreadText(s: Spread | null, fmt: (v: number) => string): string {
  if (!s) return '-';
  return s.n === 1 || s.min === s.max ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

const sloMet = (r: RunInput): boolean => runVerdict(r.results).slo === 'met';
const count = (input: RepeatInput, f: (r: RunInput) => boolean): number => input.reps.filter(f).length;

/** repeatTitle is the page's headline: the gate's verdict first when there is one, then SLO and validity counts. */
export function repeatTitle(input: RepeatInput): string {
  const n = input.reps.length + input.missing.length;
  const parts = [plural(n, 'repetition')];
  if (input.gate) parts.push(gateHeadline(input.gate).text.replace(/:.*$/, ''));
  const checked = input.reps.filter((r) => runVerdict(r.results).slo !== 'none');
  if (checked.length) parts.push(`SLO met in ${count(input, sloMet)} of ${n}`);
  parts.push(`measurement valid in ${count(input, (r) => runVerdict(r.results).valid)} of ${n}`);
  return parts.join(' · ');
}

/** repeatWarnings gathers what limits the numbers: unreadable repetitions and gate file, each repetition's warnings. */
export function repeatWarnings(input: RepeatInput): Warning[] {
  const out: Warning[] = [];
  for (const m of input.missing) out.push({ severity: 'error', text: `Repetition ${m}; the figures are over the ${plural(input.reps.length, 'repetition')} that could be read.` });
  if (input.gateProblem) out.push({ severity: 'warning', text: input.gateProblem });
  const scenarios = new Set(input.reps.map((r) => r.results.scenario.name));
  if (scenarios.size > 1) out.push({ severity: 'error', text: `The repetitions ran different scenarios (${[...scenarios].join(', ')}): their spread mixes different loads.` });
  // The same warning in several repetitions (the same words, other figures) is said once, naming them all.
  const groups = new Map<string, { w: Warning; labels: string[] }>();
  for (const r of input.reps) {
    for (const w of runWarnings(r.results)) {
      const key = `${w.severity} ${w.text.replace(/\d+(\.\d+)?/g, '#')}`;
      const g = groups.get(key);
      if (g) g.labels.push(r.label);
      else groups.set(key, { w, labels: [r.label] });
    }
  }
  for (const { w, labels } of groups.values()) {
    out.push({ ...w, text: labels.length === 1 ? `${labels[0]}: ${w.text}` : `${labels.join(', ')}: ${w.text.replace(/\.$/, '')} (the figures of ${labels[0]}; the others alike, each with its own).` });
  }
  return out;
}

/** repeatSubtitle is the one-line context: target, model, protocol, how many repetitions of how long, when. */
export function repeatSubtitle(input: RepeatInput): string {
  const first = input.reps[0]!.results;
  const each = first.phases.reduce((s, p) => s + p.durationS, 0);
  const n = input.reps.length + input.missing.length;
  return `${first.target.name}${first.target.model ? ` · model ${first.target.model}` : ''} · ${first.target.protocol} · ${n} × ${seconds(each)} · ${plural(first.phases.length, 'phase')} · first started ${first.startedAt} · ${input.dir}`;
}

/** repeatSummary tells the repetitions in a few sentences. */
export function repeatSummary(input: RepeatInput): string[] {
  const first = input.reps[0]!.results;
  const n = input.reps.length + input.missing.length;
  const each = first.phases.reduce((s, p) => s + p.durationS, 0);
  const out = [`${plural(n, 'repetition')} of ${first.scenario.name} against ${first.target.name}, each ${seconds(each)} (${plural(first.phases.length, 'phase')}); each figure below is the median over the repetitions, with the lowest and the highest, and each repetition's own figures follow.`];
  for (const p of repeatPhases(input)) {
    const p99 = p.spread.p99;
    const tp = p.spread.throughput;
    if (p99 && tp) out.push(`${p.name}: p99 ${spreadText(p99, msValue)} ms, ${spreadText(tp, rps)} successful requests/s over ${plural(p99.n, 'repetition')}${p99.n > 1 ? ` (the slowest p99 is ${(p99.max / p99.min).toFixed(2)}× the fastest)` : ''}.`);
    const ttft = p.tokenSpread?.ttftP99;
    const tokens = p.tokenSpread?.outputTokensPerS;
    if (ttft && tokens) out.push(`${p.name}: TTFT p99 ${spreadText(ttft, msValue)} ms, ${spreadText(tokens, rps)} output tokens/s, goodput ${spreadText(p.tokenSpread!.goodput, pct)}${ttft.n > 1 && ttft.min > 0 ? ` (the slowest TTFT p99 is ${(ttft.max / ttft.min).toFixed(2)}× the fastest)` : ''}.`);
  }
  const violated = input.reps.filter((r) => runVerdict(r.results).slo === 'violated');
  if (violated.length) out.push(`The SLO was violated in ${violated.map((r) => r.label).join(', ')}; met in ${count(input, sloMet)} of ${n}.`);
  else if (count(input, sloMet)) out.push(`The SLO was met in every repetition that checked it (${count(input, sloMet)} of ${n}).`);
  const invalid = input.reps.filter((r) => !runVerdict(r.results).valid);
  if (invalid.length) {
    // Why, in short (the warnings above have the figures): the reasons' words before their figures.
    const why = [...new Set(invalid.flatMap((r) => (r.results.invalidReasons.length ? r.results.invalidReasons.map((x) => x.split(/[:(]/)[0]!.trim()) : [runVerdict(r.results).validityText])))];
    out.push(`The measurement is not valid in ${invalid.length} of ${n} (${invalid.map((r) => r.label).join(', ')}: ${why.join('; ')}): read ${invalid.length === 1 ? 'its' : 'their'} figures as indicative only.`);
  }
  else out.push(`The measurement is valid in every repetition.`);
  if (input.gate) out.push(`${gateHeadline(input.gate).text} (exit ${gateHeadline(input.gate).exitCode}).`);
  return out;
}

/** mergedHistogram merges the repetitions' histograms of a phase exactly (HDR add); '' when none ran it. */
export function mergedHistogram(input: RepeatInput, phase: string): string {
  const hists = input.reps.flatMap((r) => r.results.phases.filter((p) => p.name === phase && p.state !== 'not-run' && p.histogram).map((p) => p.histogram));
  if (hists.length === 0) return '';
  const h = newHistogram();
  for (const x of hists) h.add(decodeHistogram(x));
  return encodeHistogram(h);
}
