/**
 * judgeAlerts is the alerting drill's verdict, from the alert episodes and the run's faults and phases: every
 * expected alert fired within its bound after the fault (its start) or phase (its start) it answers, and resolved
 * within its bound after the moment it should (a fault's end: a timed fault's undo, an instantaneous one's
 * completion; or a phase's start); and no alert fired during a quiet phase. It fills each matched episode's
 * detection delay and time to resolve.
 */
import type { AlertCheck, AlertRecord } from '../results/alert-results.js';
import type { FaultRecord } from '../results/results-schema.js';
import type { AlertExpectation, AlertsPlan, PhasePlan } from '../scenario/plan.js';

/** AlertVerdict is the checks and the expected alerts that never fired. */
export interface AlertVerdict {
  pass: boolean;
  checks: AlertCheck[];
  neverFired: string[];
}

type Ref = AlertExpectation['after'];

/** judgeAlerts checks the episodes against the plan's expectations and quiet phases (episodes gain their delays). */
export function judgeAlerts(plan: AlertsPlan, episodes: AlertRecord[], phases: PhasePlan[], faults: FaultRecord[], endS: number): AlertVerdict {
  for (const ep of episodes) {
    delete ep.expected;
    delete ep.detectionDelayS;
    delete ep.timeToResolveS;
  }
  const checks: AlertCheck[] = plan.expect.map((e, i) => checkExpected(e, i, episodes, phases, faults));
  for (const name of plan.quietPhases) checks.push(checkQuiet(name, episodes, phases, endS));
  const neverFired = [...new Set(plan.expect.map((e) => e.alert))].filter((a) => !episodes.some((ep) => ep.name === a && ep.firedAtS !== undefined));
  return { pass: checks.every((c) => c.pass), checks, neverFired };
}

/** checkExpected finds the first episode of the alert that fired after its reference moment and judges its delays. */
function checkExpected(e: AlertExpectation, index: number, episodes: AlertRecord[], phases: PhasePlan[], faults: FaultRecord[]): AlertCheck {
  const from = refAt(e.after, 'start', phases, faults);
  const base: AlertCheck = { kind: 'fires', name: e.alert, after: from.what, withinS: e.withinS, pass: false, detail: '' };
  if (from.atS === undefined) return { ...base, detail: `${from.what} never happened` };
  base.fromS = from.atS;
  const ep = episodes.find((x) => x.name === e.alert && x.firedAtS !== undefined && x.firedAtS >= from.atS! && x.expected === undefined);
  if (!ep || ep.firedAtS === undefined) return { ...base, detail: `did not fire after ${from.what} (t = ${from.atS.toFixed(1)} s)` };
  const delay = round(ep.firedAtS - from.atS);
  ep.expected = index;
  ep.detectionDelayS = delay;
  const check: AlertCheck = { ...base, firedAtS: ep.firedAtS, detectionDelayS: delay, pass: delay <= e.withinS };
  const fired = `fired ${delay.toFixed(1)} s after ${from.what} (bound ${e.withinS} s)`;
  if (e.resolveAfter === undefined || e.resolveWithinS === undefined) return { ...check, detail: fired };
  const to = refAt(e.resolveAfter, 'end', phases, faults);
  check.resolveWithinS = e.resolveWithinS;
  if (to.atS === undefined) return { ...check, pass: false, detail: `${fired}; ${to.what} never happened` };
  check.resolveFromS = to.atS;
  if (ep.resolvedAtS === undefined) return { ...check, pass: false, detail: `${fired}; never resolved after ${to.what}` };
  const ttr = round(ep.resolvedAtS - to.atS);
  ep.timeToResolveS = ttr;
  const resolvedOk = ttr <= e.resolveWithinS;
  return { ...check, resolvedAtS: ep.resolvedAtS, timeToResolveS: ttr, pass: check.pass && resolvedOk, detail: `${fired}; resolved ${ttr.toFixed(1)} s after ${to.what} (bound ${e.resolveWithinS} s)` };
}

/** checkQuiet fails a quiet phase in which any alert was firing. */
function checkQuiet(name: string, episodes: AlertRecord[], phases: PhasePlan[], endS: number): AlertCheck {
  const p = phases.find((x) => x.name === name);
  const startS = p?.startS ?? 0;
  const stopS = p ? p.startS + p.durationS : 0;
  const loud = episodes.filter((ep) => ep.firedAtS !== undefined && ep.firedAtS < stopS && (ep.resolvedAtS ?? endS) > startS);
  const base: AlertCheck = { kind: 'quiet', name, fromS: startS, pass: loud.length === 0, detail: '' };
  if (loud.length === 0) return { ...base, detail: `no alert fired from ${startS.toFixed(1)} s to ${stopS.toFixed(1)} s` };
  return { ...base, detail: `fired while nothing was wrong: ${loud.map((ep) => `${ep.name} at ${ep.firedAtS!.toFixed(1)} s`).join(', ')}` };
}

/** refAt is the moment a fault (its start, or its end) or a phase (its start) happened, and how to name it. */
function refAt(ref: Ref, edge: 'start' | 'end', phases: PhasePlan[], faults: FaultRecord[]): { atS: number | undefined; what: string } {
  if ('phase' in ref) return { atS: phases.find((p) => p.name === ref.phase)?.startS, what: `phase ${ref.phase}` };
  const f = faults[ref.fault - 1];
  const what = `fault ${ref.fault}${f ? ` (${f.action}${f.replica ? ` ${f.replica}` : ''})${edge === 'end' ? "'s end" : ''}` : ''}`;
  return { atS: (edge === 'start' ? f?.startedAtS : f?.endedAtS) ?? undefined, what };
}

/** round keeps milliseconds. */
function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}
