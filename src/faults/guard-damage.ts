/**
 * The damage window of a rollout guard's breach (docs/drills.md#bad-rollout): from the first breaching second to
 * the first second back within the guard after the rollback (after the breach when no rollback was asked), with the
 * requests that failed or took longer than the guard's p99 in it, from the final results' per-second histograms.
 */
import { addEncoded, countAtOrBelow, newHistogram } from '../metrics/hdr.js';
import type { FaultRecord, GuardDamage, GuardRecord, IntervalResult } from '../results/results-schema.js';
import { bySecond, maxOf, type Second } from './drill-seconds.js';
import { breachOf } from './rollout-guard.js';

/** damageOf is the damage window of a fault's guard breach; undefined when the fault had no guard or no breach. */
export function damageOf(f: FaultRecord, intervals: IntervalResult[]): GuardDamage | undefined {
  const g = 'guard' in f.params ? f.params.guard : undefined;
  const breach = f.guard?.breach;
  if (!g || !breach) return undefined;
  const seconds = bySecond(intervals);
  const lastS = maxOf(seconds.keys(), breach.firstSecondS);
  // Back within the guard: the first second from the rollback's end (or the breach's last second) that does not breach.
  const searchFromS = f.guard?.rollback ? Math.floor(f.guard.rollback.endedAtS) : breach.firstSecondS + g.windowS;
  let endS = lastS + 1;
  let recovered = false;
  for (let t = Math.max(searchFromS, breach.firstSecondS); t <= lastS; t++) {
    const s = seconds.get(t);
    if (s && s.ok + s.failed > 0 && !breachOf(s, g)) {
      endS = t;
      recovered = true;
      break;
    }
  }
  const inWindow: Second[] = [];
  for (let t = breach.firstSecondS; t < endS; t++) {
    const s = seconds.get(t);
    if (s) inWindow.push(s);
  }
  const limitUs = g.p99Ms === undefined ? undefined : g.p99Ms * 1000;
  let overP99 = 0;
  for (const s of inWindow) {
    if (limitUs === undefined) continue;
    const h = newHistogram();
    for (const e of s.histograms) if (e) addEncoded(h, e);
    overP99 += s.ok - Math.min(s.ok, countAtOrBelow(h, limitUs));
  }
  return {
    startS: breach.firstSecondS,
    endS,
    seconds: endS - breach.firstSecondS,
    recovered,
    failed: inWindow.reduce((n, s) => n + s.failed, 0),
    overP99,
    worstP99Us: maxOf(inWindow.map((s) => s.p99Us), 0),
  };
}

/** setDamage records a damage window on a guard record (nothing when there is none). */
export function setDamage(g: GuardRecord, damage: GuardDamage | undefined): void {
  if (damage) g.damage = damage;
}

/** guardsPass is false when any rollout guard's verdict failed: it fails the run like a violated SLO. */
export function guardsPass(r: { faults: FaultRecord[] }): boolean {
  return r.faults.every((f) => !f.guard || f.guard.verdict.pass);
}
