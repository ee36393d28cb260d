/**
 * FaultScheduler fires a run's faults at their times (`atS` from the run's start), undoes timed ones after their
 * duration, and keeps one FaultRecord per fault that the results snapshots read as the run goes. Each fault's
 * start and end are printed as they happen. A fault that fails is recorded and the run goes on.
 */
import type { FaultRecord } from '../results/results-schema.js';
import { describeFault } from '../scenario/describe-plan.js';
import type { FaultPlan } from '../scenario/plan.js';
import { formatDuration } from '../scenario/units.js';
import { coldStartOf, executeFault, type FaultEffect, type FaultEnv, type FaultStep } from './actions.js';

/** FaultScheduler runs one run's faults. */
export class FaultScheduler {
  /** One record per fault, in the scenario's order; updated in place as faults start and end. */
  readonly records: FaultRecord[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly over = new AbortController();
  private readonly restartsAtFault = new Map<number, number>();
  private startEpochMs = 0;

  constructor(
    private readonly faults: FaultPlan[],
    private readonly env: Omit<FaultEnv, 'signal' | 'cancel'> & { cancel?: AbortSignal },
    private readonly log: (line: string) => void = () => {},
  ) {
    this.records = faults.map((f, index) => ({
      index,
      action: f.action,
      params: f.params,
      atS: f.atS,
      ...(f.durationS !== undefined && { durationS: f.durationS }),
      startedAtS: null,
      endedAtS: null,
      outcome: 'pending',
      detail: '',
    }));
  }

  /** start schedules every fault relative to the run's start (epoch milliseconds). */
  start(startEpochMs: number): void {
    this.startEpochMs = startEpochMs;
    this.faults.forEach((f, i) => this.at(startEpochMs + f.atS * 1000, () => this.track(this.fire(i))));
  }

  /** at calls fn at an epoch time, never before it: a timer can fire a millisecond early by the wall clock. */
  private at(epochMs: number, fn: () => void): void {
    const arm = (): void => {
      const wait = epochMs - Date.now();
      if (wait > 0) this.timers.push(setTimeout(arm, wait));
      else fn();
    };
    arm();
  }

  /**
   * finish ends the schedule when the run is over: faults not yet due are skipped, timed faults still in effect
   * are undone now, commands still running are ended; resolves when every fault has settled. After an interrupt
   * (env.cancel) every admin call in progress or still to make fails at once, and commands are killed at once.
   */
  async finish(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const r of this.records) {
      if (r.outcome !== 'pending') continue;
      r.outcome = 'skipped';
      r.detail = 'the run ended before it was due';
    }
    this.over.abort();
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /**
   * collectColdStarts fills in, for each replica the faults took down, the cold start of the process that
   * replaced it: from the restore that brought it back, else from the admin API's list (which also covers the
   * supervisor's automatic restarts). Call it after finish.
   */
  async collectColdStarts(): Promise<void> {
    const downs = this.records.filter((r) => (r.action === 'kill-replica' || r.action === 'stop-replica') && r.replica !== undefined && r.coldStart === undefined);
    for (const down of downs) {
      const restore = this.records.find((r) => r.action === 'restore-replica' && r.replica === down.replica && r.coldStart !== undefined && (r.startedAtS ?? 0) >= (down.startedAtS ?? 0));
      if (restore?.coldStart) setColdStart(down, restore.coldStart);
    }
    const missing = downs.filter((r) => r.coldStart === undefined);
    if (missing.length === 0 || !this.env.admin || this.env.cancel?.aborted) return;
    try {
      const replicas = await this.env.admin.replicas(10_000, this.env.cancel);
      for (const r of missing) {
        const cold = coldStartOf(
          replicas.find((x) => x.id === r.replica),
          this.restartsAtFault.get(r.index),
        );
        if (cold) setColdStart(r, cold);
      }
    } catch (err) {
      this.log(`faults: could not read the replicas' cold starts: ${(err as Error).message}`);
    }
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private nowS(): number {
    return Math.round(Date.now() - this.startEpochMs) / 1000;
  }

  private async fire(i: number): Promise<void> {
    const plan = this.faults[i]!;
    const rec = this.records[i]!;
    if (rec.outcome !== 'pending') return;
    rec.startedAtS = this.nowS();
    rec.outcome = 'running';
    const label = `fault ${i + 1} (${describeFault(plan)})`;
    const effect: FaultEffect = await executeFault(plan, { ...this.env, signal: this.over.signal, cancel: this.env.cancel ?? NEVER, nowS: () => this.nowS() });
    apply(rec, effect);
    if (effect.restarts !== undefined) this.restartsAtFault.set(i, effect.restarts);
    const timed = plan.durationS !== undefined && effect.outcome === 'ok';
    if (!timed) {
      rec.endedAtS = this.nowS();
      this.log(`${label} at ${secs(rec.startedAtS)}: ${rec.outcome}, ${rec.detail}`);
      return;
    }
    rec.outcome = 'running';
    this.log(`${label} started at ${secs(rec.startedAtS)}: ${rec.detail}; ends in ${formatDuration(plan.durationS!)}`);
    await this.sleepUntil(this.startEpochMs + (rec.startedAtS + plan.durationS!) * 1000);
    let undone: FaultStep = { outcome: 'ok', detail: 'window over' };
    try {
      if (effect.undo) undone = await effect.undo();
    } catch (err) {
      undone = { outcome: 'failed', detail: (err as Error).message };
    }
    rec.endedAtS = this.nowS();
    rec.outcome = undone.outcome === 'skipped' ? 'ok' : undone.outcome;
    rec.detail = `${rec.detail}; then ${undone.detail}`;
    if (undone.coldStart) setColdStart(rec, undone.coldStart);
    this.log(`${label} ended at ${secs(rec.endedAtS)}: ${rec.outcome}, ${undone.detail}`);
  }

  /** sleepUntil waits until an epoch time, or until the run is over. */
  private sleepUntil(epochMs: number): Promise<void> {
    if (this.over.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.over.signal.removeEventListener('abort', done);
        resolve();
      };
      this.over.signal.addEventListener('abort', done, { once: true });
      // finish() clears this timer with the others before it aborts.
      this.at(epochMs, done);
    });
  }
}

/** NEVER is a signal that never aborts (no interrupt to hear). */
const NEVER = new AbortController().signal;

function apply(rec: FaultRecord, s: FaultStep): void {
  rec.outcome = s.outcome;
  rec.detail = s.detail;
  if (s.replica !== undefined) rec.replica = s.replica;
  if (s.coldStart) setColdStart(rec, s.coldStart);
  if (s.exitCode !== undefined) rec.exitCode = s.exitCode;
  if (s.signal !== undefined) rec.signal = s.signal;
  if (s.output !== undefined) rec.output = s.output;
  if (s.guard !== undefined) rec.guard = s.guard;
}

function setColdStart(rec: FaultRecord, cold: NonNullable<FaultRecord['coldStart']>): void {
  rec.coldStart = cold;
  rec.coldStartMs = cold.totalMs;
}

/** secs renders a time of the run for the log: `40.1 s`. */
function secs(t: number): string {
  return `${t.toFixed(1)} s`;
}
