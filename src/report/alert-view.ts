/**
 * The alerting drill as people read it, from results.json (`alerts`, `alertDrill`; docs/drills.md "Alerting
 * drill"): one row per alert episode and per check, the timeline's markers where alerts fired and resolved, and
 * the drill's verdict as JUnit test cases. The summary, the reports and JUnit all use these.
 */
import type { AlertCheck } from '../results/alert-results.js';
import type { ResultsFile } from '../results/results-schema.js';
import type { MarkerSpec } from './chart-spec.js';

/** ALERT_HEADER heads alertRows' columns. */
export const ALERT_HEADER = ['alert', 'labels', 'pending at', 'fired at', 'resolved at', 'detection delay', 'time to resolve'];
/** CHECK_HEADER heads checkRows' columns. */
export const CHECK_HEADER = ['check', 'verdict', 'detail'];

const at = (s: number | undefined): string => (s === undefined ? '-' : `${s.toFixed(1)} s`);

/** alertRows are the alert episodes, in the order Prometheus reported them. */
export function alertRows(r: ResultsFile): string[][] {
  return (r.alerts ?? []).map((a) => [
    a.name,
    Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(', ') || '-',
    at(a.pendingAtS),
    at(a.firedAtS),
    a.resolvedAtS === undefined ? (a.firedAtS === undefined ? '-' : 'still firing') : at(a.resolvedAtS),
    a.detectionDelayS === undefined ? '-' : `${a.detectionDelayS.toFixed(1)} s`,
    a.timeToResolveS === undefined ? '-' : `${a.timeToResolveS.toFixed(1)} s`,
  ]);
}

/** checkName names a check: `ReplicasBelowMinimum fires after fault 1 (kill-replica r0)`, `quiet phase before`. */
export function checkName(c: AlertCheck): string {
  return c.kind === 'quiet' ? `no alert fires in phase ${c.name}` : `${c.name} fires after ${c.after ?? '?'} within ${c.withinS ?? '?'} s${c.resolveWithinS !== undefined ? `, resolves within ${c.resolveWithinS} s` : ''}`;
}

/** checkRows are the drill's checks with their verdicts. */
export function checkRows(r: ResultsFile): string[][] {
  return (r.alertDrill?.checks ?? []).map((c) => [checkName(c), c.pass ? 'pass' : 'FAIL', c.detail]);
}

/** alertVerdictText is the drill's one-line verdict ('' without a drill). */
export function alertVerdictText(r: ResultsFile): string {
  const d = r.alertDrill;
  if (!d) return r.alerts ? 'Alerting drill: not judged (the run did not finish).' : '';
  const failed = d.checks.filter((c) => !c.pass).length;
  const never = d.neverFired.length ? `; never fired: ${d.neverFired.join(', ')}` : '';
  const polls = d.pollErrors ? `; ${d.pollErrors} poll(s) of Prometheus failed (${d.lastPollError ?? ''})` : '';
  return d.pass ? `Alerting drill passed (${d.checks.length} checks${never}${polls}).` : `ALERTING DRILL FAILED (${failed} of ${d.checks.length} checks${never}${polls}).`;
}

/** alertMarkers are vertical lines on the timeline where alerts fired and resolved. */
export function alertMarkers(r: ResultsFile): MarkerSpec[] {
  return (r.alerts ?? []).flatMap((a) => [
    ...(a.firedAtS !== undefined ? [{ x: a.firedAtS, label: `${a.name} fires`, color: '#D55E00' }] : []),
    ...(a.firedAtS !== undefined && a.resolvedAtS !== undefined ? [{ x: a.resolvedAtS, label: `${a.name} resolved`, color: '#009E73' }] : []),
  ]);
}

/** alertCases are the drill's checks as JUnit cases (classname `<scenario>.alerts`). */
export function alertCases(r: ResultsFile): { classname: string; name: string; failure?: string; out?: string }[] {
  const classname = `${r.scenario.name}.alerts`;
  return (r.alertDrill?.checks ?? []).map((c) => (c.pass ? { classname, name: checkName(c), out: c.detail } : { classname, name: checkName(c), failure: c.detail }));
}
