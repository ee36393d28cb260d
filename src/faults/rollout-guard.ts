/**
 * The rollout guard (docs/drills.md#bad-rollout): after a repository step (a new version loaded, a policy
 * changed) it reads the run's finished seconds as they come and calls a breach when `windowS` seconds in a row
 * each have a p99 over `p99Ms` or a failed share over `errorRate`; on a breach it runs the rollback it was given.
 * It watches from the step's end for `forS` seconds (and a little longer, for the last seconds to be counted).
 */
import type { GuardRecord } from '../results/results-schema.js';
import type { RolloutGuard } from '../scenario/plan.js';

/** LiveSecond is one finished second of the run as the guard reads it (every phase's row of it together). */
export interface LiveSecond {
  t: number;
  ok: number;
  failed: number;
  p99Us: number;
}

/** GUARD_POLL_MS is how often the guard looks at the seconds. */
export const GUARD_POLL_MS = 200;
/** GUARD_SETTLE_S is how long after its last watched second the guard waits for that second's figures. */
export const GUARD_SETTLE_S = 3;

/** GuardWatch is what a guard watches with: the run's clock, its seconds, the run's end, and the rollback. */
export interface GuardWatch {
  nowS: () => number;
  seconds: () => LiveSecond[];
  /** Aborted when the run is over: the guard stops watching. */
  signal: AbortSignal;
  rollback: () => Promise<{ outcome: 'ok' | 'failed' | 'timeout'; detail: string }>;
}

/** breachOf says why a second breaches the guard, or undefined when it does not. */
export function breachOf(s: LiveSecond, g: RolloutGuard): string | undefined {
  const total = s.ok + s.failed;
  if (g.errorRate !== undefined && total > 0 && s.failed / total > g.errorRate) return `${((100 * s.failed) / total).toFixed(1)} % failed (over ${g.errorRate * 100} %)`;
  if (g.p99Ms !== undefined && s.ok > 0 && s.p99Us / 1000 > g.p99Ms) return `p99 ${(s.p99Us / 1000).toFixed(1)} ms (over ${g.p99Ms} ms)`;
  return undefined;
}

/** findBreach is the first run of windowS breaching seconds in [fromS, toS): its first second and the last one's reason. */
export function findBreach(seconds: LiveSecond[], g: RolloutGuard, fromS: number, toS: number): { firstSecondS: number; reason: string } | undefined {
  const byT = new Map<number, LiveSecond>();
  for (const s of seconds) {
    const x = byT.get(s.t);
    byT.set(s.t, x ? { t: s.t, ok: x.ok + s.ok, failed: x.failed + s.failed, p99Us: Math.max(x.p99Us, s.p99Us) } : { ...s });
  }
  let run = 0;
  for (let t = Math.floor(fromS); t < toS; t++) {
    const s = byT.get(t);
    const why = s && breachOf(s, g);
    run = why ? run + 1 : 0;
    if (why && run >= g.windowS) return { firstSecondS: t - g.windowS + 1, reason: `${g.windowS} s in a row over the guard; the last: ${why}` };
  }
  return undefined;
}

/** watchRollout watches the seconds after a step that ended at `fromS` and rolls back on a breach. */
export async function watchRollout(g: RolloutGuard, fromS: number, w: GuardWatch): Promise<GuardRecord> {
  const toS = fromS + g.forS;
  const record: GuardRecord = { watchedFromS: round3(fromS), watchedToS: round3(toS), breach: null, rollback: null, verdict: { pass: true, reason: '' } };
  while (!w.signal.aborted && w.nowS() < toS + GUARD_SETTLE_S) {
    const found = findBreach(w.seconds(), g, fromS, toS);
    if (found) {
      const detectedAtS = w.nowS();
      record.breach = { ...found, detectedAtS: round3(detectedAtS), detectionDelayS: round3(detectedAtS - fromS) };
      if (g.rollbackOnBreach) {
        const r = await w.rollback();
        record.rollback = { startedAtS: round3(detectedAtS), endedAtS: round3(w.nowS()), ...r };
      }
      break;
    }
    await sleep(GUARD_POLL_MS, w.signal);
  }
  record.verdict = verdictOf(record, g, w.signal.aborted && w.nowS() < toS);
  return record;
}

function verdictOf(r: GuardRecord, g: RolloutGuard, cutShort: boolean): GuardRecord['verdict'] {
  if (!r.breach) return { pass: true, reason: cutShort ? `no breach until the run ended (${r.watchedFromS.toFixed(1)} s on)` : `no breach in the ${g.forS} s watched` };
  const late = r.breach.detectionDelayS > g.detectWithinS;
  const detected = `breach detected ${r.breach.detectionDelayS.toFixed(1)} s after the step (bound ${g.detectWithinS} s)`;
  if (late) return { pass: false, reason: `${detected}: too late` };
  if (!g.rollbackOnBreach) return { pass: true, reason: `${detected}; no rollback asked` };
  if (r.rollback?.outcome !== 'ok') return { pass: false, reason: `${detected}; the rollback failed: ${r.rollback?.detail ?? 'not made'}` };
  return { pass: true, reason: `${detected}; rolled back in ${(r.rollback.endedAtS - r.rollback.startedAtS).toFixed(1)} s` };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
