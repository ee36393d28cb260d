/**
 * The CSV report (RFC 4180: comma-separated, CRLF line ends, fields with commas, quotes or line breaks quoted,
 * quotes doubled): one row per phase of each run (baselines: the median of their repetitions), or one row per
 * configuration for sweeps, or one row per cell for profiles (src/report/profile-csv.ts). One file is one table, so runs and sweeps cannot be mixed. Numbers are plain
 * (milliseconds, requests per second, ratios 0..1); text cells that a spreadsheet would take for a formula are
 * prefixed with an apostrophe.
 */
import { SETTING_FILE_NAMES } from '../sweep/llm-sweep.js';
import { GauntletError } from '../errors.js';
import { CONFIG_ORDER } from '../sweep/combinations.js';
import type { ComboConfig } from '../sweep/sweep-spec.js';
import { median } from './comparison.js';
import type { ReportInput, SweepInput } from './load-inputs.js';
import { phaseSlo, runVerdict } from './run-facts.js';
import { comboState } from '../sweep/sweep-record.js';
import { comboRows } from './sweep-view.js';
import { profilesOf } from './load-profile.js';
import { PROFILE_COLUMNS, profileCsvRows } from './profile-csv.js';
import type { PhaseResult, ResultsFile, ScaleEventRecord } from '../results/results-schema.js';
import { samplesFor } from '../compare/baseline.js';
import { comboTokens } from './sweep-tokens.js';

type Cell = string | number | boolean | null | undefined;

/** csvField quotes one field as RFC 4180 requires. */
export function csvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** text guards a text cell against spreadsheet formula injection (=, +, -, @ at the start). */
function text(s: string | undefined | null): string {
  if (s === undefined || s === null) return '';
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

function lines(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;
const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const msOf = (us: number, has: boolean): number | null => (has ? us / 1000 : null);

/** RUN_COLUMNS are the columns of the per-phase CSV. */
export const RUN_COLUMNS = [
  'run', 'scenario', 'target', 'phase', 'kind', 'start_s', 'duration_s', 'offered_rps', 'achieved_rps', 'throughput_rps',
  'scheduled', 'sent', 'ok', 'failed', 'dropped', 'error_rate_ratio', 'p50_ms', 'p90_ms', 'p95_ms', 'p99_ms', 'p999_ms', 'max_ms', 'mean_ms',
  'slo', 'errors', 'server_mean_batch', 'server_queue_ms', 'server_compute_infer_ms', 'server_request_ms', 'valid', 'interrupted', 'cost_per_hour',
  'phase_state', 'elapsed_s', 'run_state',
  // LLM targets (phases[].tokens); empty for other runs.
  'token_requests', 'ttft_p50_ms', 'ttft_p99_ms', 'itl_p50_ms', 'itl_p99_ms', 'tpot_p50_ms', 'tpot_p99_ms', 'input_tokens', 'output_tokens', 'input_tokens_p50', 'output_tokens_p50',
  'output_tokens_per_s', 'goodput_ratio', 'goodput_rps', 'token_counting', 'finish_reasons', 'stream_aborted',
  // Drills: the graceful-degradation verdict of an overloaded phase (yes/no; empty when not judged), and with an
  // autoscaler the replicas it had decided at the phase's start and end, its scale events in the phase, and the
  // spike drill's lag behind a step into the phase with what was shed, timed out and late during it.
  'graceful', 'replicas_start', 'replicas_end', 'scale_ups', 'scale_downs', 'spike_lag_s', 'spike_shed', 'spike_timed_out', 'spike_late',
];

/** tally lists counts by key as one text cell ('HTTP_503:2;TIMEOUT:1'). */
const tally = (m: Record<string, number>): string => text(Object.entries(m).map(([k, v]) => `${k}:${v}`).join(';'));

/** tokenCells are a phase's token columns (RUN_COLUMNS from token_requests to stream_aborted); all empty without token figures. */
function tokenCells(p: PhaseResult): Cell[] {
  const t = p.tokens;
  if (!t) return RUN_COLUMNS.slice(RUN_COLUMNS.indexOf('token_requests'), RUN_COLUMNS.indexOf('graceful')).map(() => null);
  const at = (h: { count: number }, us: number): number | null => (h.count > 0 ? r3(us / 1000) : null);
  const n = (h: { count: number; p50: number }): number | null => (h.count > 0 ? h.p50 : null);
  return [
    t.requests, at(t.ttftUs, t.ttftUs.p50), at(t.ttftUs, t.ttftUs.p99), at(t.itlUs, t.itlUs.p50), at(t.itlUs, t.itlUs.p99), at(t.tpotUs, t.tpotUs.p50), at(t.tpotUs, t.tpotUs.p99),
    t.inputTokensTotal, t.outputTokensTotal, n(t.inputTokens), n(t.outputTokens),
    r3(t.outputTokensPerS), r6(t.goodput.fraction), r3(t.goodput.rps), text(t.countedBy), tally(t.finishReasons ?? {}), p.errors.STREAM_ABORTED ?? 0,
  ];
}

/** replicasAt is the count the autoscaler had decided at `t` s (empty without scale events). */
function replicasAt(events: readonly ScaleEventRecord[], t: number): number | null {
  if (events.length === 0) return null;
  const before = events.filter((e) => e.atS <= t);
  return before.length ? before[before.length - 1]!.to : events[0]!.from;
}

/** drillCells are a phase's drill columns (RUN_COLUMNS from graceful on). */
function drillCells(r: ResultsFile, p: PhaseResult): Cell[] {
  const g = p.degradation?.graceful;
  const events = r.scaleEvents ?? [];
  const end = p.startS + (p.elapsedS ?? p.durationS);
  const inPhase = events.filter((e) => e.atS >= p.startS && e.atS < end);
  const spike = r.spikes?.find((s) => s.phase === p.name);
  return [
    g === undefined ? null : g ? 'yes' : 'no',
    r.scaleEvents ? replicasAt(events, p.startS) : null, r.scaleEvents ? replicasAt(events, end) : null,
    r.scaleEvents ? inPhase.filter((e) => e.direction === 'up').length : null, r.scaleEvents ? inPhase.filter((e) => e.direction === 'down').length : null,
    spike?.lagS ?? null, spike?.shed ?? null, spike?.timedOut ?? null, spike?.late ?? null,
  ];
}

/** SETTING_COLUMNS name the swept settings as the sweep file does. */
export const SETTING_COLUMNS: Record<keyof ComboConfig, string> = SETTING_FILE_NAMES;

/** renderCsv renders runs and baselines (a row per phase) or sweeps (a row per configuration). */
export function renderCsv(inputs: ReportInput[]): string {
  const profiles = profilesOf(inputs);
  if (profiles) return lines(PROFILE_COLUMNS, profileCsvRows(profiles).map((r) => r.map((v) => (typeof v === 'string' ? text(v) : v))));
  const sweeps = inputs.filter((i): i is SweepInput => i.kind === 'sweep');
  if (sweeps.length && sweeps.length !== inputs.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'a CSV holds one table: give either sweeps or runs and baselines, not both');
  return sweeps.length ? sweepCsv(sweeps) : runCsv(inputs);
}

function runCsv(inputs: ReportInput[]): string {
  const rows: Cell[][] = [];
  // A repetitions folder gives each repetition's rows, named "<label> rep-N".
  const flat = inputs.flatMap((i) => (i.kind === 'repeat' ? i.reps.map((r) => ({ ...r, label: `${i.label} ${r.label}` })) : [i]));
  for (const i of flat) {
    if (i.kind === 'run') {
      const r = i.results;
      const v = runVerdict(r);
      for (const p of r.phases) {
        const has = p.latencyUs.count > 0;
        const failed = Object.values(p.errors).reduce((a, b) => a + b, 0);
        const slo = phaseSlo(r, p.name);
        rows.push([
          text(i.label), text(r.scenario.name), text(r.target.name), text(p.name), p.kind, p.startS, p.durationS,
          r3(p.offeredRps), r3(p.achievedRps), r3(p.throughputRps), p.scheduled, p.sent, p.ok, failed, p.dropped, r6(p.errorRate),
          msOf(p.latencyUs.p50, has), msOf(p.latencyUs.p90, has), msOf(p.latencyUs.p95, has), msOf(p.latencyUs.p99, has), msOf(p.latencyUs.p999, has), msOf(p.latencyUs.max, has), msOf(p.latencyUs.mean, has),
          slo === 'pass' ? 'pass' : slo === 'FAIL' ? 'fail' : slo === 'not run' ? 'not_run' : 'unchecked',
          tally(p.errors),
          p.server ? r3(p.server.meanBatch) : null, p.server ? r3(p.server.queueUs / 1000) : null, p.server ? r3(p.server.computeInferUs / 1000) : null, p.server ? r3(p.server.requestUs / 1000) : null,
          v.valid, v.interrupted, r.target.costPerHour ?? null,
          p.state ?? 'complete', r3(p.elapsedS ?? p.durationS), v.state,
          ...tokenCells(p),
          ...drillCells(r, p),
        ]);
      }
    } else if (i.kind === 'baseline') {
      const b = i.baseline;
      for (const p of b.phases) {
        const m = p.repetitions;
        if (m.throughput.length === 0) continue;
        const row: Cell[] = RUN_COLUMNS.map(() => null);
        const set = (col: string, v: Cell): void => {
          row[RUN_COLUMNS.indexOf(col)] = v;
        };
        set('run', text(i.label));
        set('scenario', text(b.scenario));
        set('target', text(b.target.name));
        set('phase', text(p.name));
        set('throughput_rps', r3(median(m.throughput)));
        set('error_rate_ratio', r6(median(m.error_rate)));
        set('p50_ms', r3(median(m.p50)));
        set('p95_ms', r3(median(m.p95)));
        set('p99_ms', r3(median(m.p99)));
        // Baselines of LLM runs keep the repetitions' token figures (TTFT and ITL p99, output tokens/s, goodput).
        const med = (k: Parameters<typeof samplesFor>[1]): number | null => (samplesFor(m, k).length ? r3(median(samplesFor(m, k))) : null);
        set('ttft_p99_ms', med('ttft_p99'));
        set('itl_p99_ms', med('itl_p99'));
        set('output_tokens_per_s', med('output_tokens_per_s'));
        const goodput = samplesFor(m, 'goodput');
        set('goodput_ratio', goodput.length ? r6(median(goodput)) : null);
        rows.push(row);
      }
    }
  }
  return lines(RUN_COLUMNS, rows);
}

/** SWEEP_TOKEN_COLUMNS are the sweep CSV's LLM columns: token figures and a precision variant's generation agreement. */
export const SWEEP_TOKEN_COLUMNS = ['output_tokens_per_s', 'ttft_p99_ms', 'itl_p99_ms', 'tpot_p50_ms', 'goodput_ratio', 'goodput_rps', 'token_agreement_ratio', 'first_divergence_tokens', 'tokens_per_prompt'];

function sweepTokenCells(s: SweepInput, c: SweepInput['record']['combinations'][number]): Cell[] {
  const t = comboTokens(s, c);
  if (!t) return SWEEP_TOKEN_COLUMNS.map(() => null);
  const r = (v: number | null, f: (x: number) => number): number | null => (v === null ? null : f(v));
  return [r(t.outputTokensPerS, r3), r(t.ttftP99Ms, r3), r(t.itlP99Ms, r3), r(t.tpotP50Ms, r3), r(t.goodput, r6), r(t.goodputRps, r3), r(t.agreement, r6), r(t.firstDivergence, r3), t.tokensPerPrompt];
}

function sweepCsv(sweeps: SweepInput[]): string {
  const settings = CONFIG_ORDER.filter((k) => sweeps.some((s) => s.record.combinations.some((c) => c.config[k] !== undefined)));
  const header = ['sweep', 'index', 'id', 'label', ...settings.map((k) => SETTING_COLUMNS[k]), 'target', 'status', 'valid', 'rps_at_slo', 'p50_ms', 'p99_ms', 'error_rate_ratio', 'memory_mib', 'cosine', 'max_abs_error', 'top1', 'meets_constraints', 'constraint_failures', 'pareto', 'recommended', 'cost_per_hour', 'cost_per_million', 'error', 'tied', 'ceiling_too_low', ...SWEEP_TOKEN_COLUMNS];
  const rows: Cell[][] = [];
  for (const s of sweeps) {
    const formatted = comboRows(s);
    s.record.combinations.forEach((c, n) => {
      const x = formatted[n]!.raw;
      rows.push([
        text(s.label), c.index, text(c.id), text(c.label),
        ...settings.map((k) => { const v = c.config[k]; return typeof v === 'boolean' ? (v ? 'on' : 'off') : (v ?? null); }),
        text(c.target?.name ?? null), c.status, comboState(c),
        x.rpsAtSlo, x.p50Ms, x.p99Ms, x.errorRate === null ? null : r6(x.errorRate), x.memoryMib === null ? null : r3(x.memoryMib), x.cosine, x.maxAbsError, x.top1,
        c.verdict ? c.verdict.meets : null, text(c.verdict?.failures.join('; ') ?? null), c.verdict ? c.verdict.pareto : null, formatted[n]!.recommended,
        x.costPerHour, x.costPerMillion === null ? null : r6(x.costPerMillion), text(c.error ? c.error.split('\n')[0] : null), formatted[n]!.tied, formatted[n]!.ceilingTooLow,
        ...sweepTokenCells(s, c),
      ]);
    });
  }
  return lines(header, rows);
}
