/**
 * A sweep in reports: the configuration table (settings, throughput at the SLO, latency, memory, accuracy
 * against fp32, validity, constraints, cost), the Pareto chart of throughput at the SLO against p99, latency
 * against throughput for each combination (its search steps, or its phases), and the warnings that limit the
 * recommendation. Read from sweep.json and the results files it names.
 */
import { CONFIG_ORDER } from '../sweep/combinations.js';
import { type ComboRecord, comboState, type SweepRecord } from '../sweep/sweep-record.js';
import type { ComboConfig } from '../sweep/sweep-spec.js';
import { type ChartSpec, colorAt, type SeriesSpec } from './chart-spec.js';
import { money, msValue, pct, rps } from './format.js';
import type { SweepInput } from './load-inputs.js';
import type { Warning } from './run-facts.js';
import { spectrumChart } from './spectrum-data.js';
import { costPerMillion } from '../util/cost.js';
import { comboPhase, type ComboTokens, comboTokens } from './sweep-tokens.js';

/** SETTING_NAMES are the column names of the swept settings. */
export const SETTING_NAMES: Record<keyof ComboConfig, string> = {
  dynamicBatching: 'batching',
  maxBatchSize: 'max batch',
  maxQueueDelayUs: 'queue delay µs',
  llmBatching: 'llm batching',
  maxNumSeqs: 'max seqs',
  kvCacheTokens: 'KV-cache tokens',
  maxQueue: 'max queue',
  maxQueueDelayMs: 'queue wait ms',
  precision: 'precision',
  instanceCount: 'instances',
  intraOpThreads: 'intra-op threads',
  replicas: 'replicas',
  executionProvider: 'provider',
};

/** sweptSettings are the settings any combination sets, in matrix order. */
export function sweptSettings(r: SweepRecord): (keyof ComboConfig)[] {
  return CONFIG_ORDER.filter((k) => r.combinations.some((c) => c.config[k] !== undefined));
}

/** settingText renders one setting of a combination ('base' when it keeps the model's own). */
export function settingText(c: ComboConfig, k: keyof ComboConfig): string {
  const v = c[k];
  if (v === undefined) return k === 'maxQueueDelayUs' && c.dynamicBatching === false ? '-' : 'base';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return String(v);
}

/** ComboRow is one combination of the table, formatted; `settings` follow sweptSettings. */
export interface ComboRow {
  index: number;
  id: string;
  label: string;
  settings: string[];
  target: string;
  /** The target as a table shows it beside the combination's name: its URL, with its name when the label differs. */
  targetShort: string;
  rpsAtSlo: string;
  /** The lowest rate validly missed above the throughput at the SLO ('-' when none was, '' in older records). */
  missedAt: string;
  /** The p99 noise measured by the repeats ('-' not measured, '' in older records). */
  p99Noise: string;
  p50: string;
  p99: string;
  errorRate: string;
  memoryMib: string;
  cosine: string;
  maxAbsError: string;
  top1: string;
  state: string;
  constraints: string;
  pareto: boolean;
  recommended: boolean;
  /** One of the combinations a tie names (no single winner). */
  tied: boolean;
  /** Its search passed the top step: capacity lies above what was tried. */
  ceilingTooLow: boolean;
  /** What the table marks it with, most important first: recommended or tie, ceiling too low, Pareto. */
  marks: string[];
  costPerHour: string;
  costPerMillion: string;
  /** LLM runs: token figures and generation agreement (null: none, not an LLM). */
  tokens: ComboTokens | null;
  /** Raw figures, for charts and CSV. */
  raw: { rpsAtSlo: number | null; p50Ms: number | null; p99Ms: number | null; errorRate: number | null; memoryMib: number | null; cosine: number | null; maxAbsError: number | null; top1: number | null; costPerHour: number | null; costPerMillion: number | null };
}

/** comboRows formats every combination. */
export function comboRows(s: SweepInput): ComboRow[] {
  const r = s.record;
  const settings = sweptSettings(r);
  const view = recommendationView(r);
  return r.combinations.map((c) => {
    const f = c.figures;
    const a = c.accuracy ?? f?.accuracy ?? null;
    const reference = a !== null && a.maxAbsError === 0;
    // The sweep's own figures first (issue 11 records them); older sweep.json files only have the target's price.
    const cost = f?.costPerHour ?? s.runs.get(c.id)?.results.target.costPerHour ?? null;
    const perMillion = f?.costPerMillion !== undefined ? f.costPerMillion : f && cost !== null ? costPerMillion(cost, f.throughputAtSloRps) : null;
    const top1 = a?.top1 ?? (reference ? 1 : null);
    const recommended = view.winner === c.id;
    const tied = view.tied.includes(c.id);
    const ceilingTooLow = !!f?.ceilingTooLow;
    const pareto = !!c.verdict?.pareto;
    return {
      index: c.index,
      id: c.id,
      label: c.label,
      settings: settings.map((k) => settingText(c.config, k)),
      target: c.target ? `${c.target.name} (${c.target.url})` : '',
      targetShort: !c.target ? '' : c.target.name === c.label ? c.target.url : `${c.target.name} (${c.target.url})`,
      rpsAtSlo: f ? `${f.lowerBound || f.ceilingTooLow ? '≥ ' : ''}${rps(f.throughputAtSloRps)}` : '-',
      missedAt: f?.notMetRps === undefined ? '' : f.notMetRps === null ? '-' : rps(f.notMetRps),
      p99Noise: f?.p99NoiseShare === undefined ? '' : f.p99NoiseShare === null ? '-' : `±${pct(f.p99NoiseShare).replace(/ %$/, '')}`,
      p50: f ? msValue(f.p50Ms) : '-',
      p99: f ? msValue(f.p99Ms) : '-',
      errorRate: f ? pct(f.errorRate) : '-',
      memoryMib: f?.memoryMib != null ? f.memoryMib.toFixed(0) : '-',
      cosine: a ? (reference ? 'ref' : String(+a.cosine.toPrecision(7))) : '-',
      maxAbsError: a ? (reference ? 'ref' : a.maxAbsError.toPrecision(3)) : '-',
      top1: a?.top1 !== undefined ? pct(a.top1) : '-',
      state: comboState(c),
      constraints: !c.verdict ? '-' : c.verdict.failures.length === 0 ? 'ok' : `missed: ${c.verdict.failures.join('; ')}`,
      pareto,
      recommended,
      tied,
      ceilingTooLow,
      marks: [recommended ? 'recommended' : '', tied ? 'tie' : '', ceilingTooLow ? 'ceiling too low' : '', pareto ? 'Pareto' : ''].filter(Boolean),
      costPerHour: cost !== null ? money(cost) : '-',
      costPerMillion: money(perMillion),
      tokens: comboTokens(s, c),
      raw: {
        rpsAtSlo: f ? f.throughputAtSloRps : null,
        p50Ms: f?.p50Ms ?? null,
        p99Ms: f?.p99Ms ?? null,
        errorRate: f ? f.errorRate : null,
        memoryMib: f?.memoryMib ?? null,
        cosine: a ? a.cosine : null,
        maxAbsError: a ? a.maxAbsError : null,
        top1,
        costPerHour: cost,
        costPerMillion: perMillion,
      },
    };
  });
}

/** sweepVerdict is the headline: what is recommended, or that nothing is. */
export function sweepVerdict(r: SweepRecord): string {
  if (r.status !== 'complete') return r.incomplete?.state === 'writer-died' ? 'INCOMPLETE (its writer stopped)' : r.status === 'interrupted' ? 'interrupted' : 'still running';
  const v = recommendationView(r);
  if (v.winner) return `recommended ${v.winner}`;
  if (v.outcome === 'tie') return `tie between ${v.tied.join(', ')}`;
  return v.outcome === 'ceiling-too-low' ? 'no recommendation (search ceiling too low)' : 'no recommendation';
}

/** RecommendationView is how a report states a sweep's recommendation, old sweep.json files included. */
export interface RecommendationView {
  outcome: 'recommended' | 'tie' | 'ceiling-too-low' | 'none';
  /** The single winner (only with outcome recommended). */
  winner: string | undefined;
  /** The tied combinations, best first (only with outcome tie). */
  tied: string[];
  /** What the ranking was on, in words. */
  basis: string;
  /** The tie's margin and the noise it is inside, in words ('' without a tie). */
  tieText: string;
}

const BASIS_TEXT = { throughput: 'throughput at the SLO', cost: 'cost per 1M inferences at the SLO', p99: 'p99 at the SLO', tokens_per_s: 'output tokens/s meeting the SLO' } as const;

/**
 * orderedRows are the combinations as the tables list them: the recommended one, then the tied ones in the tie's
 * order, then the rest in sweep order.
 */
export function orderedRows(s: SweepInput): ComboRow[] {
  const all = comboRows(s);
  const tied = recommendationView(s.record).tied;
  return [...all.filter((x) => x.recommended), ...tied.flatMap((id) => all.filter((x) => x.id === id)), ...all.filter((x) => !x.recommended && !x.tied)];
}

/** FigureColumns are the number columns both sweep tables show: their headers, and the cells of a row. */
export interface FigureColumns {
  headers: string[];
  cells: (x: ComboRow) => string[];
}

/**
 * figureColumns picks the figure columns the rows have data for (missed at, p99 noise, memory, accuracy, top-1,
 * cost appear only when some combination has them); `style` names the accuracy and cost headers per format.
 * Token figures have a table of their own (sweep-tokens.ts tokenColumns), which keeps this one within the page.
 */
export function figureColumns(rows: ComboRow[], style: 'html' | 'md'): FigureColumns {
  const has = {
    missed: rows.some((x) => x.missedAt !== ''),
    noise: rows.some((x) => x.p99Noise !== ''),
    memory: rows.some((x) => x.memoryMib !== '-'),
    accuracy: rows.some((x) => x.cosine !== '-' && x.cosine !== 'ref'),
    top1: style === 'html' && rows.some((x) => x.top1 !== '-'),
    cost: rows.some((x) => x.costPerHour !== '-' || x.costPerMillion !== '-'),
  };
  const headers = [
    'rps at SLO',
    ...(has.missed ? ['missed at (rps)'] : []),
    'p50 (ms)',
    'p99 (ms)',
    ...(has.noise ? ['p99 noise (%)'] : []),
    'errors (%)',
    ...(has.memory ? ['memory (MiB)'] : []),
    ...(has.accuracy ? (style === 'html' ? ['cosine vs fp32', 'max abs error'] : ['cosine', 'max abs err']) : []),
    ...(has.top1 ? ['top-1 agreement (%)'] : []),
    ...(has.cost ? (style === 'html' ? ['$/h', '$ / 1M at SLO'] : ['$/h', 'cost / 1M at SLO']) : []),
  ];
  const cells = (x: ComboRow): string[] => [
    x.rpsAtSlo,
    ...(has.missed ? [x.missedAt || '-'] : []),
    x.p50,
    x.p99,
    ...(has.noise ? [x.p99Noise || '-'] : []),
    x.errorRate.replace(/ %$/, ''),
    ...(has.memory ? [x.memoryMib] : []),
    ...(has.accuracy ? [x.cosine, x.maxAbsError] : []),
    ...(has.top1 ? [x.top1.replace(/ %$/, '')] : []),
    ...(has.cost ? [x.costPerHour, x.costPerMillion] : []),
  ];
  return { headers, cells };
}

/** recommendationView reads a recommendation: a sweep.json without `outcome` has a winner when it names an id. */
export function recommendationView(r: SweepRecord): RecommendationView {
  const rec = r.recommendation;
  const outcome = rec?.outcome ?? (rec?.id ? 'recommended' : 'none');
  const tied = outcome === 'tie' ? (rec?.tie?.ids ?? []) : [];
  const basis = BASIS_TEXT[rec?.basis ?? 'throughput'] ?? BASIS_TEXT.throughput;
  const tieText = outcome === 'tie' && rec?.tie
    ? tieWords(rec.basis ?? 'throughput', basis, rec.tie.marginShare, rec.tie.noiseShare)
    : '';
  return { outcome, winner: outcome === 'recommended' ? (rec?.id ?? undefined) : undefined, tied, basis, tieText };
}

/**
 * tieWords says why a tie is one. On p99 the margin is inside the measured noise; on throughput or cost the
 * capacity ranges overlap (the margin is inside what the search resolved) and p99 did not separate them either.
 */
function tieWords(key: string, basis: string, margin: number, noise: number | null): string {
  const noiseText = noise === null ? 'run-to-run noise that was not measured (repeats: 0)' : `the run-to-run noise of ${pct(noise)}`;
  if (key === 'p99') return `Their p99 differs by ${pct(margin)}, inside ${noiseText}, so none is recommended over the others.`;
  return `Their ${basis} differs by ${pct(margin)}, inside what the measurements resolve (their capacity ranges overlap), and their p99 by no more than ${noiseText}, so none is recommended over the others.`;
}

/** sweepWarnings lists what limits the sweep's recommendation. */
export function sweepWarnings(s: SweepInput): Warning[] {
  const r = s.record;
  const out: Warning[] = [];
  if (r.incomplete?.state === 'writer-died') {
    out.push({ severity: 'error', text: `INCOMPLETE: ${r.incomplete.note}. The combination it was measuring is marked failed, those it never reached skipped; there is no recommendation.` });
  } else if (r.status === 'interrupted') out.push({ severity: 'error', text: 'The sweep was interrupted: the combinations not run are marked skipped.' });
  if (r.status === 'running') out.push({ severity: 'error', text: `The sweep has not finished (${r.incomplete ? r.incomplete.note : 'status running'}): figures and recommendation are incomplete.` });
  const rec = r.combinations.find((c) => c.id === r.recommendation?.id);
  if (rec?.figures && !rec.figures.valid) out.push({ severity: 'error', text: `The recommended ${rec.id} was measured INVALIDLY (--allow-invalid): confirm it on a quieter machine before relying on it.` });
  const bounds = r.combinations.filter((c) => c.figures?.valid && c.figures.lowerBound);
  if (bounds.length) {
    out.push({
      severity: 'warning',
      text: `Lower bounds (${bounds.map((c) => c.id).join(', ')}): their searches could not measure a higher rate validly (the load generator fell behind), so their throughput at the SLO is at least the figure shown, which was measured validly and considered as such.`,
    });
  }
  const invalid = r.combinations.filter((c) => c.figures && !c.figures.valid);
  if (invalid.length) {
    out.push({
      severity: 'error',
      text: `Invalid or inconclusive measurements (${invalid.map((c) => c.id).join(', ')}): the load generator could not keep up, so their figures cannot be trusted; ${r.sweep.allowInvalid ? 'they were considered anyway (--allow-invalid)' : 'they were not considered for the recommendation'}.`,
    });
  }
  const ceiling = r.combinations.filter((c) => c.figures?.ceilingTooLow);
  if (ceiling.length) out.push({ severity: 'warning', text: `Search ceiling too low for ${ceiling.map((c) => c.id).join(', ')}: ${ceiling.length === 1 ? 'it' : 'each'} passed the search's top step${r.sweep.search ? ` (${r.sweep.search.toRps} requests/s)` : ''}, so its capacity lies above what was tried; raise the search's to_rps.` });
  for (const c of r.combinations.filter((x) => x.status === 'failed')) out.push({ severity: 'warning', text: `${c.id} failed: ${(c.error ?? '').split('\n')[0]}` });
  if (s.missing.length) out.push({ severity: 'warning', text: `Results files named in sweep.json could not be read: ${s.missing.join(', ')}.` });
  return out;
}

/**
 * curveChart: p99 against throughput for each combination, from its search steps (each rate probed) or, without a
 * search, from the phases of its run: where each configuration's latency turns up.
 */
export function curveChart(id: string, s: SweepInput): ChartSpec | undefined {
  const r = s.record;
  const curves = r.combinations.map((c) => ({ c, points: curvePoints(c, s) })).filter((x) => x.points.length > 0);
  if (curves.length === 0) return undefined;
  const xs = [...new Set(curves.flatMap((x) => x.points.map((p) => p.x)))].sort((a, b) => a - b);
  const series: SeriesSpec[] = curves.map(({ c, points }) => {
    const at = new Map(points.map((p) => [p.x, p.y]));
    return { label: `${c.index}: ${c.id}`, values: xs.map((x) => at.get(x) ?? null), color: colorAt(c.index - 1), spanGaps: true, style: 'line', unit: 'ms', points: true };
  });
  const limit = r.sweep.search?.p99Ms ?? r.sweep.constraints.maxP99Ms;
  return {
    id,
    x: { kind: 'linear', label: 'throughput (successful requests/s)', values: xs },
    y: { label: 'p99 (ms)', log: true },
    series,
    lines: limit !== undefined ? [{ y: limit, label: `p99 bound ${limit} ms`, color: '#B00020' }] : [],
  };
}

function curvePoints(c: ComboRecord, s: SweepInput): { x: number; y: number }[] {
  const byX = new Map<number, number>();
  if (c.search) {
    // A rate probed twice (an invalid step's retry) shows its last attempt.
    for (const st of c.search.steps) if (st.p99Ms !== null && st.throughputRps > 0) byX.set(round1(st.throughputRps), st.p99Ms);
  } else {
    const run = s.runs.get(c.id)?.results;
    const checked = new Set(run?.slo.checks.map((x) => x.phase));
    for (const p of run?.phases ?? []) if (checked.has(p.name) && p.latencyUs.count > 0) byX.set(round1(p.throughputRps), p.latencyUs.p99 / 1000);
  }
  return [...byX.entries()].map(([x, y]) => ({ x, y })).sort((a, b) => a.x - b.x);
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** sweepSpectrum overlays the latency spectra of the combinations at their throughput at the SLO. */
export function sweepSpectrum(id: string, s: SweepInput): ChartSpec | undefined {
  const entries = s.record.combinations.flatMap((c) => {
    const phase = comboPhase(s, c.id);
    return phase?.histogram ? [{ label: `${c.index}: ${c.id}`, histogram: phase.histogram, color: colorAt(c.index - 1) }] : [];
  });
  const limit = s.record.sweep.search?.p99Ms ?? s.record.sweep.constraints.maxP99Ms;
  return spectrumChart(id, entries, limit !== undefined ? { y: limit, label: `p99 bound ${limit} ms` } : undefined);
}
