/**
 * The end-of-run summary: a table per phase, the SLO checks that failed, the validity verdict and where the
 * results are. Read from the results file's data only.
 */
import { showsDegradation } from '../faults/degradation.js';
import { NOT_SEEN_TEXT } from '../faults/drill-recovery.js';
import type { Degradation, DrillTokens, GuardDamage, PhaseTokens, ResultsFile } from '../results/results-schema.js';
import { guardRows } from '../report/guard-data.js';
import { marginalFigures } from '../run/judge-validity.js';
import { describeFault } from '../scenario/describe-plan.js';
import type { FaultPlan } from '../scenario/plan.js';
import { AT_LEAST_METRICS } from '../run/token-figures.js';
import { percent, sloValue } from './slo-value.js';
import { ALERT_HEADER, alertRows, alertVerdictText, CHECK_HEADER, checkRows } from '../report/alert-view.js';

const ms = (us: number): string => (us / 1000).toFixed(us < 10_000 ? 2 : 1);

/** formatSummary renders the summary lines of a run. */
export function formatSummary(r: ResultsFile, dir: string): string[] {
  const header = ['phase', 'offered/s', 'sent/s', 'ok/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors', 'SLO'];
  const rows = r.phases.map((p) => {
    const checks = r.slo.checks.filter((c) => c.phase === p.name);
    const slo = checks.length === 0 ? '-' : checks.every((c) => c.pass === null) ? 'not run' : checks.some((c) => c.pass === false) ? 'FAIL' : 'pass';
    // Failed requests by code, and the phase's error rate as a percentage (what an error_rate SLO checks).
    const failed = Object.keys(p.errors).length === 0 ? '0' : `${Object.entries(p.errors).map(([k, v]) => `${k}:${v}`).join(' ')} (${percent(p.errorRate)})`;
    const name = p.state === 'partial' ? `${p.name} (ran ${(p.elapsedS ?? 0).toFixed(1)} of ${p.durationS} s)` : p.state === 'not-run' ? `${p.name} (not run)` : p.name;
    // A phase without a successful response has no latency to show (not 0).
    const l = (us: number): string => (p.latencyUs.count > 0 ? ms(us) : '-');
    return [name, p.offeredRps.toFixed(1), p.achievedRps.toFixed(1), p.throughputRps.toFixed(1), l(p.latencyUs.p50), l(p.latencyUs.p90), l(p.latencyUs.p99), l(p.latencyUs.p999), l(p.latencyUs.max), failed, slo];
  });
  const widths = header.map((h, i) => rows.reduce((w, row) => Math.max(w, row[i]!.length), h.length));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = ['', line(header), ...rows.map(line)];
  for (const l of [...tokenLines(r), ...degradationLines(r), ...faultLines(r), ...alertLines(r)]) out.push(l);
  const failedChecks = r.slo.checks.filter((c) => c.pass === false);
  const ranChecks = r.slo.checks.filter((c) => c.pass !== null).length;
  const notRun = r.slo.checks.length - ranChecks;
  if (failedChecks.length) {
    out.push('', 'SLO violated:');
    for (const c of failedChecks) {
      const actual = c.actual === null || !Number.isFinite(c.actual) ? 'no successful responses' : sloValue(c.unit, c.actual);
      out.push(`  ${c.phase}: ${c.metric} ${actual} (limit ${AT_LEAST_METRICS.includes(c.metric) ? '>=' : '<='} ${sloValue(c.unit, c.threshold)})`);
    }
  }
  if (r.errorSamples.length) {
    out.push('', 'Error samples:');
    for (const e of r.errorSamples.slice(0, 5)) out.push(`  ${e.code}: ${e.message}`);
  }
  out.push('');
  if (r.interrupted) out.push(`Run INTERRUPTED${r.measuredS !== undefined && r.measuredS < r.plan.durationS ? ` at ${r.measuredS.toFixed(1)} s of ${r.plan.durationS} s` : ''}: results cover the time until the interruption; a phase cut short has its rates per second of the time it ran.`);
  if (r.incomplete) {
    out.push(`Run ${r.incomplete.state === 'in-progress' ? 'IN PROGRESS' : 'INCOMPLETE'}: ${r.incomplete.note}; not judged.`);
  } else if (r.interrupted && r.valid) {
    out.push(`Measurement of what ran (not judged as a whole: the run was interrupted): send lag p99 ${ms(r.generator.sendLagUs.p99)} ms, ${r.totals.lost} lost.`);
  } else if (!r.valid) {
    out.push(`Measurement INVALID${r.validityRule === 'strict' ? ' (strict rule)' : ''}:`);
    for (const reason of r.invalidReasons) out.push(`  ${reason}`);
    if (r.generator.advice) out.push(`  ${r.generator.advice}`);
  } else {
    const lag = r.generator.sendLagUs;
    const checked = r.generator.checkedLateFraction ?? r.generator.lateFraction;
    out.push(`Measurement valid${ruleText(r)}: send lag p99 ${ms(lag.p99)} ms, ${(checked * 100).toFixed(2)} % of sends over 1 ms late after the first second (${(r.generator.lateFraction * 100).toFixed(2)} % in all); ${r.totals.lost} lost${r.generator.scheduling?.length ? `; sender scheduling: ${[...new Set(r.generator.scheduling)].join(', ')}` : ''}.`);
    const marginal = marginalFigures(r);
    for (const m of marginal) out.push(`  marginal: ${m.phase} ${m.validity.reason} (a change smaller than that could be the lag)`);
    if (r.generator.advice && marginal.length) out.push(`  ${r.generator.advice}`);
  }
  const notRunText = notRun ? `; ${notRun} check(s) of phases that did not run: not run` : '';
  if (r.slo.checks.length === 0) out.push('No SLO thresholds set.');
  else if (ranChecks === 0) out.push(`SLO not checked: no phase with thresholds ran (${notRun} check(s) not run).`);
  else out.push(r.slo.pass ? `SLO met (${ranChecks} checks${notRunText}).` : `SLO VIOLATED (${failedChecks.length} of ${ranChecks} checks failed${notRunText}).`);
  if (alertVerdictText(r)) out.push(alertVerdictText(r));
  const guards = guardRows(r);
  if (guards.length) out.push(guards.every((g) => g.pass) ? `Rollout guards passed (${guards.length}).` : `ROLLOUT GUARD FAILED: ${guards.filter((g) => !g.pass).map((g) => `fault ${g.cells[0]}: ${g.reason}`).join('; ')}.`);
  out.push(`Results: ${dir}/results.json (latency log: ${dir}/${r.files.hlog})`);
  return out;
}

/**
 * tokenLines is the LLM table (phases whose responses carried tokens): TTFT p50 and p99, ITL p99, TPOT p50, output
 * tokens/s within the phase, the backlog that drained after it (tokens, seconds), goodput (share of requests that
 * succeeded and met every per-request threshold), and how tokens were counted.
 */
function tokenLines(r: ResultsFile): string[] {
  const shown = r.phases.filter((p) => p.tokens && p.tokens.requests > 0);
  if (shown.length === 0) return [];
  const header = ['phase', 'TTFT p50 ms', 'TTFT p99 ms', 'ITL p99 ms', 'TPOT p50 ms', 'out tok/s', 'drained after', 'goodput', 'counted by'];
  const rows = shown.map((p) => {
    const t = p.tokens!;
    const l = (s: { count: number }, us: number): string => (s.count > 0 ? ms(us) : '-');
    return [p.name, l(t.ttftUs, t.ttftUs.p50), l(t.ttftUs, t.ttftUs.p99), l(t.itlUs, t.itlUs.p99), l(t.tpotUs, t.tpotUs.p50), t.outputTokensPerS.toFixed(1), drained(t), percent(t.goodput.fraction), t.countedBy];
  });
  const widths = header.map((h, i) => rows.reduce((w, row) => Math.max(w, row[i]!.length), h.length));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return ['', 'Tokens (from intended send times; goodput: requests that met every per-request SLO):', line(header), ...rows.map(line)];
}

/** drained is the backlog of a phase's output tokens that arrived after it: "1234 tok in 2.5 s", or "-". */
function drained(t: PhaseTokens): string {
  return t.outputTokensAfterPhase > 0 ? `${t.outputTokensAfterPhase} tok in ${t.drainS.toFixed(1)} s` : '-';
}

/** ruleText says by what rule a valid run was judged valid (nothing for files from before the rules had names). */
function ruleText(r: ResultsFile): string {
  if (r.validityRule === 'effect') return " (per figure: the generator's lag could not account for a quarter of any judged figure)";
  return r.validityRule === 'strict' ? ' (strict rule: at most 1 % of sends over 1 ms late)' : '';
}

/**
 * degradationLines shows, for each phase where requests failed or the accepted ones' latency degraded
 * (showsDegradation, docs/drills.md), how requests split between served and turned away, and why latency counts
 * as degraded.
 */
function degradationLines(r: ResultsFile): string[] {
  const shown = r.phases.filter(showsDegradation);
  if (shown.length === 0) return [];
  const required = r.plan?.drill?.requireGraceful ? '; required (drill.require_graceful): a phase NOT graceful fails the run' : '';
  const out = ['', `Graceful degradation (rejected = 503 / UNAVAILABLE / RESOURCE_EXHAUSTED${required}):`];
  for (const p of shown) {
    const d = p.degradation!;
    const latency = d.latencyDegraded !== undefined ? `; latency degraded: ${d.latencyDegraded}` : '';
    out.push(`  ${p.name}: ${d.accepted} accepted (p50 ${ms(d.acceptedLatencyUs.p50)} ms, p99 ${ms(d.acceptedLatencyUs.p99)} ms), ${d.rejected} rejected (${(d.rejectedShare * 100).toFixed(1)} %), ${d.otherFailed} other failures${latency}${gracefulText(d)}`);
  }
  return out;
}

/** gracefulText is the graceful-degradation verdict of a phase's degradation, for its summary line ('' when it has none). */
function gracefulText(d: Degradation): string {
  if (d.graceful === undefined) return '';
  return d.graceful ? ' — graceful' : ` — NOT graceful: ${(d.reasons ?? []).join('; ')}`;
}

/** alertLines are the alerting drill's tables: every alert episode, then every check with its verdict. */
function alertLines(r: ResultsFile): string[] {
  if (!r.alerts) return [];
  const out = ['', `Alerts (Prometheus${r.alertDrill?.prometheus.version ? ` ${r.alertDrill.prometheus.version}` : ''}, 1 s scrape and evaluation, polled every 0.5 s; times on the run's clock):`];
  out.push(...(r.alerts.length ? textTable(ALERT_HEADER, alertRows(r)) : ['  none went pending or fired']));
  if (r.alertDrill?.checks.length) out.push(...textTable(CHECK_HEADER, checkRows(r)));
  return out;
}

/** faultLines is the fault table: what fired when, how it went, and what it did to the load. */
function faultLines(r: ResultsFile): string[] {
  if (r.faults.length === 0) return [];
  const header = ['#', 'fault', 'at', 'outcome', 'failed in window', 'recovery', 'worst p99 ms', 'cold start'];
  const rows = r.faults.map((f) => {
    const d = f.drill;
    const failed = d ? Object.entries(d.failedByCode).map(([k, v]) => `${k}:${v}`).join(' ') || '0' : '-';
    const recovery = !d ? '-' : d.recovery.recoveryS === null ? `not seen${d.recovery.notSeen ? ` (${NOT_SEEN_TEXT[d.recovery.notSeen]})` : ''}` : `${d.recovery.recoveryS.toFixed(1)} s`;
    const at = `${(f.startedAtS ?? f.atS).toFixed(1)} s`;
    return [String(f.index + 1), clip(describeFault({ action: f.action, params: f.params } as FaultPlan), 40), at, f.outcome, failed, recovery, d ? ms(d.worstP99Us) : '-', f.coldStartMs !== undefined ? `${(f.coldStartMs / 1000).toFixed(2)} s` : '-'];
  });
  const widths = header.map((h, i) => rows.reduce((w, row) => Math.max(w, row[i]!.length), h.length));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = ['', 'Faults:', line(header), ...rows.map(line)];
  for (const f of r.faults) {
    if (f.outcome !== 'ok') out.push(`  fault ${f.index + 1}: ${f.outcome}: ${f.detail}`);
    const rec = f.drill?.recovery;
    if (rec && rec.recoveryS === null && rec.note) out.push(`  fault ${f.index + 1}: recovery ${rec.note}`);
    const tk = f.drill?.tokens;
    if (tk) out.push(`  fault ${f.index + 1}: ${tokenDrillText(tk)}`);
    if (f.guard) out.push(`  fault ${f.index + 1}: guard ${f.guard.verdict.pass ? 'pass' : 'FAIL'}: ${f.guard.verdict.reason}${damageText(f.guard.damage)}`);
  }
  return out;
}

/** damageText is a guard's damage window in words ('' when there was no breach). */
function damageText(d: GuardDamage | undefined): string {
  if (!d) return '';
  return `; damage window ${d.startS}–${d.endS} s (${d.seconds} s${d.recovered ? '' : ', not back within the guard by the end'}): ${d.failed} failed, ${d.overP99} over the guard's p99, worst p99 ${ms(d.worstP99Us)} ms`;
}

/** tokenDrillText is a fault's effect on the token streams in a line: TTFT against its baseline, streams cut, tokens lost, TTFT recovery. */
function tokenDrillText(tk: DrillTokens): string {
  const v = (x: number | null): string => (x === null ? '-' : x.toFixed(1));
  const rec = tk.ttftRecovery;
  const back = rec.recoveryS !== null ? `back within ${v(rec.p99LimitMs)} ms in ${rec.recoveryS.toFixed(1)} s` : `not back within ${v(rec.p99LimitMs)} ms${rec.notSeen ? ` (${NOT_SEEN_TEXT[rec.notSeen]})` : ''}`;
  return `TTFT p99 worst ${v(tk.ttftP99Ms.worst)} ms against ${v(tk.ttftP99Ms.before)} ms before, ${back}; ${tk.streamsCut} stream(s) cut, ${tk.tokensLost ?? '-'} output tokens lost`;
}

/** textTable lays out a header and rows in padded columns. */
function textTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => rows.reduce((w, row) => Math.max(w, (row[i] ?? '').length), h.length));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
