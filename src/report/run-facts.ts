/**
 * What a run's report says in words, the same in HTML and Markdown: the verdict (SLO met or violated, measurement
 * valid or not), the warnings that must be seen before any number (invalid measurement, interruption, generator
 * lag, lost requests), a short "what happened", and one row per phase. Read from the results file only.
 */
import { LATE_FRACTION_LIMIT } from '../run/evaluate.js';
import type { PhaseResult, ResultsFile, SloCheck } from '../results/results-schema.js';
import { phaseFigures } from '../sweep/figures.js';
import { count, errorsText, ms, msValue, pct, plural, rps, seconds } from './format.js';
import { recoveryText } from './drill-data.js';
import { faultLabel } from './timeline-data.js';

/** Warning is a message shown above everything else: 'error' when the numbers cannot be trusted as they are. */
export interface Warning {
  severity: 'error' | 'warning';
  text: string;
}

/** RunVerdict is the report's headline. */
export interface RunVerdict {
  slo: 'met' | 'violated' | 'none';
  valid: boolean;
  interrupted: boolean;
  /** "SLO violated · measurement INVALID" and the like. */
  text: string;
}

/** runVerdict sums a run up in a few words. */
export function runVerdict(r: ResultsFile): RunVerdict {
  const slo = r.slo.checks.length === 0 ? 'none' : r.slo.pass ? 'met' : 'violated';
  const valid = r.valid && !r.interrupted && r.status === 'complete';
  const parts = [slo === 'none' ? 'no SLO set' : slo === 'met' ? 'SLO met' : 'SLO violated', valid ? 'measurement valid' : 'measurement INVALID'];
  if (r.interrupted) parts.push('interrupted');
  return { slo, valid, interrupted: r.interrupted, text: parts.join(' · ') };
}

/** SOFT_LAG_FRACTION: a valid run with more late sends than this gets a warning (a tenth of the invalidity limit). */
export const SOFT_LAG_FRACTION = LATE_FRACTION_LIMIT / 10;

/** runWarnings lists everything that limits how far the numbers can be trusted, most serious first. */
export function runWarnings(r: ResultsFile): Warning[] {
  const out: Warning[] = [];
  if (r.interrupted || r.status === 'interrupted') out.push({ severity: 'error', text: 'The run was interrupted: its results cover the time until the interruption, and later phases are short or empty.' });
  if (r.status === 'failed') out.push({ severity: 'error', text: 'The run failed before it finished: its results are partial.' });
  for (const reason of r.invalidReasons) out.push({ severity: 'error', text: `Measurement invalid: ${reason}.` });
  if (r.valid && r.generator.lateFraction > SOFT_LAG_FRACTION) {
    out.push({
      severity: 'warning',
      text: `Generator lag: ${pct(r.generator.lateFraction)} of requests went out more than 1 ms late (p99 send lag ${ms(r.generator.sendLagUs.p99)} ms). Below the ${pct(LATE_FRACTION_LIMIT)} limit, but the load generator was close to its capacity.`,
    });
  }
  if (r.totals.lost > 0 && !r.invalidReasons.some((x) => x.includes('never got an outcome'))) out.push({ severity: 'error', text: `${r.totals.lost} request(s) were sent and never got an outcome.` });
  if (r.totals.dropped > 0) {
    out.push({ severity: 'warning', text: `${count(r.totals.dropped)} request(s) were not sent (DROPPED): the target's max_in_flight requests were already outstanding. They count as failures; their latency was never measured.` });
  }
  if (r.server?.scrapeError) out.push({ severity: 'warning', text: `The server's metrics could not be read (${r.server.scrapeError}): no server-side view.` });
  for (const f of r.faults) if (f.outcome !== 'ok') out.push({ severity: 'warning', text: `Fault ${faultLabel(f)} ${f.outcome}: ${f.detail}` });
  return out;
}

/** failedChecks describes the failed SLO checks of a phase: "p99 83.5 ms > 50 ms". */
export function failedChecks(r: ResultsFile, phase: string): string[] {
  return r.slo.checks.filter((c) => c.phase === phase && !c.pass).map(checkText);
}

/** checkText renders one SLO check: "p99 83.5 ms > 50 ms". */
export function checkText(c: SloCheck): string {
  const actual = c.actual === null || !Number.isFinite(c.actual) ? 'no successful responses' : c.unit === 'ratio' ? pct(c.actual) : c.unit === 'ms' ? `${msValue(c.actual)} ms` : `${rps(c.actual)} rps`;
  const limit = c.unit === 'ratio' ? pct(c.threshold) : `${c.threshold} ${c.unit}`;
  const op = c.metric === 'throughput' ? (c.pass ? '>=' : '<') : c.pass ? '<=' : '>';
  return `${c.metric === 'error_rate' ? 'error rate' : c.metric} ${actual} ${op} ${limit}`;
}

/** phaseSlo is a phase's SLO state: 'pass', 'FAIL', or '-' when it is not checked. */
export function phaseSlo(r: ResultsFile, phase: string): 'pass' | 'FAIL' | '-' {
  const checks = r.slo.checks.filter((c) => c.phase === phase);
  return checks.length === 0 ? '-' : checks.every((c) => c.pass) ? 'pass' : 'FAIL';
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
  const total = r.phases.reduce((n, p) => n + p.durationS, 0);
  const offered = r.phases.map((p) => p.offeredRps);
  const lo = offered.reduce((a, b) => Math.min(a, b), Infinity);
  const hi = offered.reduce((a, b) => Math.max(a, b), -Infinity);
  const range = offered.length ? (lo === hi ? rps(offered[0]) : `${rps(lo)} to ${rps(hi)}`) : '0';
  const t = r.totals;
  out.push(
    `${r.scenario.name} offered ${range} requests per second to ${r.target.name}${r.target.model ? ` (model ${r.target.model})` : ''} for ${seconds(total)} in ${plural(r.phases.length, 'phase')}: ` +
      `${count(t.sent)} requests were sent${t.dropped ? ` (and ${count(t.dropped)} dropped unsent)` : ''}; ${count(t.ok)} succeeded and ${count(t.failed)} failed${t.sent + t.dropped > 0 ? ` (${pct(t.failed / (t.sent + t.dropped))})` : ''}.`,
  );
  const checkedPhases = [...new Set(r.slo.checks.map((c) => c.phase))];
  if (checkedPhases.length === 0) out.push('No SLO thresholds were set, so no phase was checked.');
  else if (r.slo.pass) out.push(`Every SLO check passed (${plural(r.slo.checks.length, 'check')} in ${plural(checkedPhases.length, 'phase')}).`);
  else {
    const failing = checkedPhases.filter((p) => phaseSlo(r, p) === 'FAIL');
    const named = failing.slice(0, MAX_NAMED).map((p) => `${p} (${failedChecks(r, p).join('; ')})`);
    if (failing.length > MAX_NAMED) named.push(`${failing.length - MAX_NAMED} more`);
    out.push(`The SLO was violated in ${failing.length} of ${plural(checkedPhases.length, 'checked phase')}: ${named.join(', ')}.`);
  }
  const best = atSlo(r);
  if (checkedPhases.length > 0) {
    if (best.throughputRps > 0 && best.phase) out.push(`The highest throughput that met the SLO was ${rps(best.throughputRps)} requests per second (phase ${best.phase}, p99 ${msValue(best.p99Ms)} ms).`);
    else out.push('No checked phase met the SLO, so the throughput at the SLO is 0.');
  }
  const slowest = r.phases.filter((p) => p.latencyUs.count > 0).reduce<PhaseResult | undefined>((a, p) => (!a || p.latencyUs.p99 > a.latencyUs.p99 ? p : a), undefined);
  if (slowest && r.phases.length > 1) out.push(`The longest tail was in ${slowest.name}: p99 ${ms(slowest.latencyUs.p99)} ms, slowest request ${ms(slowest.latencyUs.max)} ms (p50 ${ms(slowest.latencyUs.p50)} ms).`);
  const failing = r.phases.filter((p) => p.degradation && p.degradation.rejected + p.degradation.otherFailed > 0);
  for (const p of failing.slice(0, MAX_NAMED)) {
    const d = p.degradation!;
    const how = d.rejected > 0 && d.otherFailed === 0 ? 'it shed load' : d.rejected === 0 ? 'it queued rather than shed load' : 'it shed some load and lost some to other failures';
    out.push(`In ${p.name}, ${count(d.accepted)} requests were served (p99 ${ms(d.acceptedLatencyUs.p99)} ms), ${count(d.rejected)} turned away (${pct(d.rejectedShare)}) and ${count(d.otherFailed)} failed otherwise (${errorsText(otherErrors(p))}): ${how}.`);
  }
  if (failing.length > MAX_NAMED) out.push(`${failing.length - MAX_NAMED} more phases had failures (see the degradation table).`);
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
  const busiest = r.phases.filter((p) => p.server).reduce<PhaseResult | undefined>((a, p) => (!a || p.server!.requestsPerS > a.server!.requestsPerS ? p : a), undefined);
  if (busiest?.server) {
    const s = busiest.server;
    out.push(`In its busiest phase (${busiest.name}) the server ran ${s.meanBatch.toFixed(2)} requests per execution on average; a request spent ${ms(s.queueUs)} ms queued and ${ms(s.computeInferUs)} ms in inference of its ${ms(s.requestUs)} ms inside the server, against a client p50 of ${ms(busiest.latencyUs.p50)} ms.`);
  }
  if (runVerdict(r).valid) out.push(`The measurement is valid: ${pct(1 - r.generator.lateFraction)} of requests went out within 1 ms of their intended time and none was lost.`);
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
  slo: 'pass' | 'FAIL' | '-';
  failedChecks: string[];
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
    };
  });
}
