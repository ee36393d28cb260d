/**
 * What a run's report says in words, the same in HTML and Markdown: the verdict (SLO met or violated, measurement
 * valid or not), the warnings that must be seen before any number (invalid measurement, interruption, generator
 * lag, lost requests), a short "what happened", and one row per phase. Read from the results file only.
 */
import { AT_LEAST_METRICS } from '../run/token-figures.js';
import { showsDegradation } from '../faults/degradation.js';
import { LATE_FRACTION_LIMIT } from '../run/evaluate.js';
import { marginalFigures } from '../run/judge-validity.js';
import type { PhaseResult, ResultsFile, SloCheck } from '../results/results-schema.js';
import { phaseFigures } from '../sweep/figures.js';
import { count, errorsText, ms, msValue, pct, plural, rps, seconds } from './format.js';
import { recoveryText } from './drill-data.js';
import { gracefulRequirementText } from '../faults/graceful.js';
import { guardVerdictText } from './guard-data.js';
import { faultLabel } from './timeline-data.js';
import { hasTritonView } from './server-data.js';
import { goodputSentence } from './token-facts.js';

/** Warning is a message shown above everything else: 'error' when the numbers cannot be trusted as they are. */
export interface Warning {
  severity: 'error' | 'warning';
  text: string;
}

/** RunState is how far a run got: to its end, stopped (SIGINT/SIGTERM), its writer died, still going, or failed. */
export type RunState = 'complete' | 'interrupted' | 'incomplete' | 'in-progress' | 'failed';

/** RunVerdict is the report's headline. */
export interface RunVerdict {
  state: RunState;
  slo: 'met' | 'violated' | 'none' | 'not-run';
  /** True only for a complete run whose measurement was judged valid. */
  valid: boolean;
  interrupted: boolean;
  /** 'INTERRUPTED at 8 s of 30 s' and the like; empty for a complete run. */
  stateText: string;
  /** 'SLO met', 'SLO violated', 'no SLO set', 'SLO not checked (no checked phase ran)'. */
  sloText: string;
  /** 'measurement valid', 'measurement INVALID', 'measurement incomplete', 'measurement not judged'. */
  validityText: string;
  /** "SLO violated · measurement INVALID" and the like, the state first when there is one. */
  text: string;
}

/** runState says how far a run got (readers set `incomplete` on files left running, see read-results.ts). */
export function runState(r: ResultsFile): RunState {
  if (r.incomplete) return r.incomplete.state === 'in-progress' ? 'in-progress' : 'incomplete';
  if (r.status === 'running') return 'in-progress';
  if (r.interrupted || r.status === 'interrupted') return 'interrupted';
  return r.status === 'failed' ? 'failed' : 'complete';
}

/** runVerdict sums a run up in a few words. */
export function runVerdict(r: ResultsFile): RunVerdict {
  const state = runState(r);
  const ran = r.slo.checks.filter((c) => c.pass !== null);
  const slo = r.slo.checks.length === 0 ? 'none' : ran.length === 0 ? 'not-run' : ran.every((c) => c.pass) ? 'met' : 'violated';
  const valid = state === 'complete' && r.valid;
  const at = measuredText(r);
  const stateText = state === 'interrupted' ? `INTERRUPTED${at}` : state === 'incomplete' ? `INCOMPLETE${at} (its writer stopped)` : state === 'in-progress' ? `IN PROGRESS${at}` : state === 'failed' ? 'FAILED' : '';
  const partial = slo !== 'none' && slo !== 'not-run' && state !== 'complete' ? ' in what ran' : '';
  const sloText = slo === 'none' ? 'no SLO set' : slo === 'not-run' ? 'SLO not checked (no checked phase ran)' : `SLO ${slo}${partial}`;
  const validityText =
    state === 'incomplete' || state === 'in-progress' ? 'measurement not judged' : valid ? 'measurement valid' : state === 'interrupted' && r.invalidReasons.length === 0 ? 'measurement incomplete' : 'measurement INVALID';
  const alertText = r.alertDrill ? (r.alertDrill.pass ? 'alerting drill passed' : 'alerting drill FAILED') : '';
  const text = [stateText, sloText, alertText, guardVerdictText(r), gracefulRequirementText(r), validityText].filter(Boolean).join(' · ');
  return { state, slo, valid, interrupted: state !== 'complete', stateText, sloText, validityText, text };
}

/** measuredText is " at 8.0 s of 30 s" for a run that did not cover its plan (empty when unknown). */
function measuredText(r: ResultsFile): string {
  const planned = r.plan?.durationS;
  const done = r.incomplete?.measuredS ?? r.measuredS;
  return done !== undefined && planned !== undefined && done < planned ? ` at ${seconds(done)} of ${seconds(planned)}` : '';
}

/** phaseRan describes how much of a phase ran: '' (all of it), 'partial: 8 s of 15 s', 'not run'. */
export function phaseRan(p: PhaseResult): string {
  if (p.state === 'not-run') return 'not run';
  if (p.state === 'partial') return `partial: ${seconds(p.elapsedS ?? 0)} of ${seconds(p.durationS)}`;
  return '';
}

/** SOFT_LAG_FRACTION: a valid run with more late sends than this gets a warning (a tenth of the invalidity limit). */
export const SOFT_LAG_FRACTION = LATE_FRACTION_LIMIT / 10;

/** runWarnings lists everything that limits how far the numbers can be trusted, most serious first. */
export function runWarnings(r: ResultsFile): Warning[] {
  const out: Warning[] = [];
  const state = runState(r);
  if (r.incomplete) out.push({ severity: 'error', text: incompleteText(r) });
  else if (state === 'interrupted') out.push({ severity: 'error', text: `The run was interrupted${measuredText(r)}: its results cover the time until then.${phasesCutText(r)}` });
  if (state === 'failed') out.push({ severity: 'error', text: 'The run failed before it finished: its results are partial.' });
  for (const reason of r.invalidReasons) out.push({ severity: 'error', text: `Measurement invalid: ${reason}.` });
  if (r.valid && r.validityRule === 'effect') {
    for (const m of marginalFigures(r).slice(0, MAX_NAMED)) out.push({ severity: 'warning', text: `Generator lag, marginal: in ${m.phase}, ${m.validity.reason}. A change smaller than that could be the lag.` });
  } else if (r.valid && r.generator.lateFraction > SOFT_LAG_FRACTION) {
    out.push({
      severity: 'warning',
      text: `Generator lag: ${pct(r.generator.lateFraction)} of requests went out more than 1 ms late (p99 send lag ${ms(r.generator.sendLagUs.p99)} ms). Below the ${pct(LATE_FRACTION_LIMIT)} limit, but the load generator was close to its capacity.`,
    });
  }
  if (r.generator.advice && (!r.valid || marginalFigures(r).length > 0)) out.push({ severity: 'warning', text: `Generator lag, ${r.generator.advice}.` });
  if (r.totals.lost > 0 && !r.invalidReasons.some((x) => x.includes('never got an outcome'))) out.push({ severity: 'error', text: `${r.totals.lost} request(s) were sent and never got an outcome.` });
  if (r.totals.dropped > 0) {
    out.push({ severity: 'warning', text: `${count(r.totals.dropped)} request(s) were not sent (DROPPED): the target's max_in_flight requests were already outstanding. They count as failures; their latency was never measured.` });
  }
  if (r.server?.scrapeError) out.push({ severity: 'warning', text: `The server's metrics could not be read (${r.server.scrapeError}): no server-side view.` });
  for (const f of r.faults) if (f.outcome !== 'ok') out.push({ severity: 'warning', text: `Fault ${faultLabel(f)} ${f.outcome}: ${f.detail}` });
  return out;
}

/** incompleteText explains a file left running: whose writer died, or that is still going, and what it covers. */
export function incompleteText(r: ResultsFile): string {
  const inc = r.incomplete!;
  const head = inc.state === 'in-progress' ? `IN PROGRESS: ${inc.note}; the figures will change.` : `INCOMPLETE: ${inc.note}`;
  const covered = ` The figures cover the first ${seconds(inc.measuredS)} of ${seconds(r.plan.durationS)}`;
  const missing = inc.missingSeconds ? `; seconds ${inc.missingSeconds.from}–${inc.missingSeconds.to} were not measured` : '';
  const lost = inc.unaccounted > 0 ? ` ${count(inc.unaccounted)} request(s) sent have no outcome in the file (in flight when it was last written).` : '';
  const hlog =
    inc.hlog.lines > 0
      ? ` Latency histograms were rebuilt from latency.hlog (${plural(inc.hlog.lines, 'finished second and phase', 'finished seconds and phases')}, up to second ${inc.hlog.lastSecond}).`
      : ' latency.hlog had no finished second to rebuild latency histograms from.';
  const problem = inc.hlog.problem ? ` (${inc.hlog.problem}.)` : '';
  return `${head}${covered}${missing}.${phasesCutText(r)}${lost}${hlog}${problem} Nothing here is judged valid.`;
}

/** phasesCutText names the phases cut short and those that did not run (empty when every phase ran). */
function phasesCutText(r: ResultsFile): string {
  const partial = r.phases.filter((p) => p.state === 'partial');
  const notRun = r.phases.filter((p) => p.state === 'not-run');
  const parts: string[] = [];
  if (partial.length) parts.push(`${partial.slice(0, MAX_NAMED).map((p) => `${p.name} ran ${seconds(p.elapsedS ?? 0)} of ${seconds(p.durationS)}`).join(', ')} (its rates are per second of that time)`);
  if (notRun.length) parts.push(`${plural(notRun.length, 'phase')} did not run (${notRun.slice(0, MAX_NAMED).map((p) => p.name).join(', ')}${notRun.length > MAX_NAMED ? ', …' : ''}): ${notRun.length === 1 ? 'its' : 'their'} SLO checks say not run`);
  return parts.length ? ` ${parts.join('; ')}.` : '';
}

/** failedChecks describes the failed SLO checks of a phase: "p99 83.5 ms > 50 ms". */
export function failedChecks(r: ResultsFile, phase: string): string[] {
  return r.slo.checks.filter((c) => c.phase === phase && c.pass === false).map(checkText);
}

/** checkText renders one SLO check: "p99 83.5 ms > 50 ms"; "p99 not run (limit 50 ms)". */
export function checkText(c: SloCheck): string {
  const name = c.metric === 'error_rate' ? 'error rate' : c.metric;
  const limit = c.unit === 'ratio' ? pct(c.threshold) : `${c.threshold} ${c.unit}`;
  if (c.pass === null) return `${name} not run (limit ${limit})`;
  const actual = c.actual === null || !Number.isFinite(c.actual) ? 'no successful responses' : c.unit === 'ratio' ? pct(c.actual) : c.unit === 'ms' ? `${msValue(c.actual)} ms` : c.unit === 'tokens/s' ? `${rps(c.actual)} tokens/s` : `${rps(c.actual)} rps`;
  const op = AT_LEAST_METRICS.includes(c.metric) ? (c.pass ? '>=' : '<') : c.pass ? '<=' : '>';
  return `${name} ${actual} ${op} ${limit}${c.partial ? ' (partial phase)' : ''}`;
}

/** PhaseSlo is a phase's SLO state: every check held, one failed, not checked ('-'), or the phase did not run. */
export type PhaseSlo = 'pass' | 'FAIL' | '-' | 'not run';

/** phaseSlo is a phase's SLO state. */
export function phaseSlo(r: ResultsFile, phase: string): PhaseSlo {
  const checks = r.slo.checks.filter((c) => c.phase === phase);
  if (checks.length === 0) return '-';
  if (checks.every((c) => c.pass === null)) return 'not run';
  return checks.some((c) => c.pass === false) ? 'FAIL' : 'pass';
}

/** AtSlo is the highest throughput of a checked phase that met every SLO check (as sweeps read it). */
export interface AtSlo {
  throughputRps: number;
  phase: string | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errorRate: number;
  /** The run had no SLO checks: the figure is the highest throughput of any phase. */
  unchecked: boolean;
}

/** atSlo reads a run's throughput at the SLO (src/sweep/figures.ts, so sweeps and reports agree). */
export function atSlo(r: ResultsFile): AtSlo {
  const f = phaseFigures(r);
  const phase = f.throughputAtSloRps > 0 ? (/^phase (.+?)(?: \(no phase met the SLO\))?$/.exec(f.source)?.[1] ?? null) : null;
  return { throughputRps: f.throughputAtSloRps, phase, p50Ms: f.p50Ms, p99Ms: f.p99Ms, errorRate: f.errorRate, unchecked: r.slo.checks.length === 0 };
}

/** MAX_NAMED bounds how many phases or faults one sentence names. */
const MAX_NAMED = 5;

/** whatHappened tells the run in a few sentences, for readers who never saw the terminal. */
export function whatHappened(r: ResultsFile): string[] {
  const out: string[] = [];
  const planned = r.phases.reduce((n, p) => n + p.durationS, 0);
  const ran = r.phases.reduce((n, p) => n + (p.elapsedS ?? p.durationS), 0);
  const span = ran < planned ? `${seconds(ran)} of the planned ${seconds(planned)}` : seconds(planned);
  const offered = r.phases.filter((p) => p.state !== 'not-run').map((p) => p.offeredRps);
  const lo = offered.reduce((a, b) => Math.min(a, b), Infinity);
  const hi = offered.reduce((a, b) => Math.max(a, b), -Infinity);
  const range = offered.length ? (lo === hi ? rps(offered[0]) : `${rps(lo)} to ${rps(hi)}`) : '0';
  const t = r.totals;
  out.push(
    `${r.scenario.name} offered ${range} requests per second to ${r.target.name}${r.target.model ? ` (model ${r.target.model})` : ''} for ${span} in ${plural(r.phases.length, 'phase')}: ` +
      `${count(t.sent)} requests were sent${t.dropped ? ` (and ${count(t.dropped)} dropped unsent)` : ''}; ${count(t.ok)} succeeded and ${count(t.failed)} failed${t.sent + t.dropped > 0 ? ` (${pct(t.failed / (t.sent + t.dropped))})` : ''}.`,
  );
  const notRunPhases = [...new Set(r.slo.checks.filter((c) => c.pass === null).map((c) => c.phase))];
  const checkedPhases = [...new Set(r.slo.checks.filter((c) => c.pass !== null).map((c) => c.phase))];
  const ranChecks = r.slo.checks.filter((c) => c.pass !== null).length;
  if (r.slo.checks.length === 0) out.push('No SLO thresholds were set, so no phase was checked.');
  else if (checkedPhases.length === 0) out.push('No phase with SLO thresholds ran, so nothing was checked.');
  else if (r.slo.pass) out.push(`Every SLO check${notRunPhases.length ? ' that ran' : ''} passed (${plural(ranChecks, 'check')} in ${plural(checkedPhases.length, 'phase')}).`);
  else {
    const failing = checkedPhases.filter((p) => phaseSlo(r, p) === 'FAIL');
    const named = failing.slice(0, MAX_NAMED).map((p) => `${p} (${failedChecks(r, p).join('; ')})`);
    if (failing.length > MAX_NAMED) named.push(`${failing.length - MAX_NAMED} more`);
    out.push(`The SLO was violated in ${failing.length} of ${plural(checkedPhases.length, 'checked phase')}: ${named.join(', ')}.`);
  }
  if (notRunPhases.length && checkedPhases.length) out.push(`The checks of ${plural(notRunPhases.length, 'phase')} that did not run (${notRunPhases.slice(0, MAX_NAMED).join(', ')}${notRunPhases.length > MAX_NAMED ? ', …' : ''}) say not run: they neither pass nor fail.`);
  const best = atSlo(r);
  if (checkedPhases.length > 0) {
    if (best.throughputRps > 0 && best.phase) out.push(`The highest throughput that met the SLO was ${rps(best.throughputRps)} requests per second (phase ${best.phase}, p99 ${msValue(best.p99Ms)} ms).`);
    else out.push('No checked phase met the SLO, so the throughput at the SLO is 0.');
  }
  const slowest = r.phases.filter((p) => p.latencyUs.count > 0).reduce<PhaseResult | undefined>((a, p) => (!a || p.latencyUs.p99 > a.latencyUs.p99 ? p : a), undefined);
  if (slowest && r.phases.length > 1) out.push(`The longest tail was in ${slowest.name}: p99 ${ms(slowest.latencyUs.p99)} ms, slowest request ${ms(slowest.latencyUs.max)} ms (p50 ${ms(slowest.latencyUs.p50)} ms).`);
  const failing = r.phases.filter(showsDegradation);
  for (const p of failing.slice(0, MAX_NAMED)) {
    const d = p.degradation!;
    if (d.rejected + d.otherFailed === 0) {
      out.push(`In ${p.name}, every request was served, but its latency degraded: ${d.latencyDegraded ?? `p99 ${ms(d.acceptedLatencyUs.p99)} ms`}.`);
      continue;
    }
    // Wrong answers (BAD_OUTPUT) say nothing about how the server handled the load: they are not queueing.
    const wrong = p.errors['BAD_OUTPUT'] ?? 0;
    const how =
      d.rejected === 0 && wrong > 0 && wrong === d.otherFailed
        ? 'every failure was a wrong answer'
        : d.rejected > 0 && d.otherFailed === 0
          ? 'it shed load'
          : d.rejected === 0
            ? 'it queued rather than shed load'
            : 'it shed some load and lost some to other failures';
    out.push(`In ${p.name}, ${count(d.accepted)} requests were served (p99 ${ms(d.acceptedLatencyUs.p99)} ms), ${count(d.rejected)} turned away (${pct(d.rejectedShare)}) and ${count(d.otherFailed)} failed otherwise (${errorsText(otherErrors(p))}): ${how}.`);
  }
  if (failing.length > MAX_NAMED) out.push(`${failing.length - MAX_NAMED} more phases had failures or degraded latency (see the degradation table).`);
  if (r.faults.length) {
    const parts = r.faults.slice(0, MAX_NAMED).map((f) => {
      const d = f.drill;
      const bits = [`${faultLabel(f)} at ${f.startedAtS === null ? `${seconds(f.atS)} (not started)` : seconds(f.startedAtS)}: ${f.outcome}`];
      if (d) bits.push(`${d.failed} failed`, `recovery ${recoveryText(f)}`, `${d.lost} lost`);
      if (f.coldStartMs !== undefined) bits.push(`cold start ${seconds(f.coldStartMs / 1000)}`);
      return bits.join(', ');
    });
    if (r.faults.length > MAX_NAMED) parts.push(`${r.faults.length - MAX_NAMED} more (see the fault table)`);
    out.push(`${plural(r.faults.length, 'fault was', 'faults were')} injected: ${parts.join('; ')}.`);
  }
  const goodput = goodputSentence(r);
  if (goodput) out.push(goodput);
  const busiest = r.phases.filter((p) => p.server && hasTritonView(r)).reduce<PhaseResult | undefined>((a, p) => (!a || p.server!.requestsPerS > a.server!.requestsPerS ? p : a), undefined);
  if (busiest?.server) {
    const s = busiest.server;
    out.push(`In its busiest phase (${busiest.name}) the server ran ${s.meanBatch.toFixed(2)} requests per execution on average; a request spent ${ms(s.queueUs)} ms queued and ${ms(s.computeInferUs)} ms in inference of its ${ms(s.requestUs)} ms inside the server, against a client p50 of ${ms(busiest.latencyUs.p50)} ms.`);
  }
  const v = runVerdict(r);
  const perFigure = r.validityRule === 'effect' ? "; the generator's lag could not account for a quarter of any figure checked" : '';
  if (v.valid) out.push(`The measurement is valid: ${pct(1 - r.generator.lateFraction)} of requests went out within 1 ms of their intended time and none was lost${perFigure}.`);
  else if (v.validityText !== 'measurement INVALID') out.push('The run did not go to its end (see the warnings above): the numbers are what was measured until it stopped, and the measurement is not judged valid.');
  else out.push('The measurement is NOT valid (see the warnings above): read the numbers as indicative only.');
  return out;
}

function otherErrors(p: PhaseResult): Record<string, number> {
  return Object.fromEntries(Object.entries(p.errors).filter(([k]) => !['HTTP_503', 'GRPC_UNAVAILABLE', 'GRPC_RESOURCE_EXHAUSTED'].includes(k)));
}

/** PhaseRow is one phase of the phase table, formatted. */
export interface PhaseRow {
  name: string;
  offered: string;
  sent: string;
  ok: string;
  p50: string;
  p90: string;
  p99: string;
  p999: string;
  max: string;
  errors: string;
  errorRate: string;
  slo: PhaseSlo;
  failedChecks: string[];
  /** How much of the phase ran ('' all of it; 'partial: 8 s of 15 s'; 'not run'). */
  ran: string;
}

/** phaseRows formats every phase for the tables. */
export function phaseRows(r: ResultsFile): PhaseRow[] {
  return r.phases.map((p) => {
    const has = p.latencyUs.count > 0;
    const l = (us: number): string => (has ? ms(us) : '-');
    return {
      name: p.name,
      offered: rps(p.offeredRps),
      sent: rps(p.achievedRps),
      ok: rps(p.throughputRps),
      p50: l(p.latencyUs.p50),
      p90: l(p.latencyUs.p90),
      p99: l(p.latencyUs.p99),
      p999: l(p.latencyUs.p999),
      max: l(p.latencyUs.max),
      errors: errorsText(p.errors),
      errorRate: pct(p.errorRate),
      slo: phaseSlo(r, p.name),
      failedChecks: failedChecks(r, p.name),
      ran: phaseRan(p),
    };
  });
}
