/**
 * The fault actions, by name: the executors of the actions src/scenario/parse-faults.ts validates. Each starts
 * its fault and, for timed faults, says how to undo it. Failures are results (outcome failed, timeout or skipped
 * with a readable detail), never exceptions: a drill goes on when one of its faults does not work.
 */
import type { ColdStart, GuardRecord } from '../results/results-schema.js';
import type { FaultAction, FaultPlan, FaultPlanOf } from '../scenario/plan.js';
import { formatDuration } from '../scenario/units.js';
import type { AdminClient, Replica } from './admin-client.js';
import { runCommand } from './command.js';
import { kubernetesFault } from './kubernetes.js';
import { REPOSITORY_EXECUTORS } from './repository-actions.js';
import type { LiveSecond } from './rollout-guard.js';
import type { ProxyControl } from './proxy-thread.js';

/** FaultEnv is what fault actions act through. */
export interface FaultEnv {
  /** The embedded replicated stack's admin API (absent for other targets). */
  admin?: AdminClient;
  /** The TCP proxy in front of the target (present when the plan has network faults). */
  proxy?: ProxyControl;
  /** Folder and extra environment of command faults. */
  cwd: string;
  env: Record<string, string>;
  /** Aborted when the run is over: commands still running are ended. */
  signal: AbortSignal;
  /** Aborted when the run is interrupted (SIGINT/SIGTERM): every action in progress ends at once. */
  cancel: AbortSignal;
  /** The target's model repository API (an HTTP base url), for repository faults that name no url. */
  repositoryUrl?: string;
  /** The run's finished seconds so far, for rollout guards. */
  liveSeconds?: () => LiveSecond[];
  /** Seconds since the run's start. */
  nowS?: () => number;
}

/** FaultStep is how one step of a fault (its start, or the undo of a timed one) went. */
export interface FaultStep {
  outcome: 'ok' | 'failed' | 'timeout' | 'skipped';
  detail: string;
  replica?: string;
  /** The admin API's restart count of the replica when the fault took it down. */
  restarts?: number;
  coldStart?: ColdStart;
  exitCode?: number | null;
  signal?: string | null;
  output?: string[];
  /** A rollout guard's watch (repository faults with a guard). */
  guard?: GuardRecord;
}

/** FaultEffect is a started fault; a timed one can be undone. */
export interface FaultEffect extends FaultStep {
  undo?: () => Promise<FaultStep>;
}

/** Executor starts one fault action. */
export type Executor<A extends FaultAction> = (plan: FaultPlanOf<A>, env: FaultEnv) => Promise<FaultEffect>;

/** Admin API timeouts: a kill is immediate, a stop waits for the drain, a restore for the replica's readiness. */
export const ADMIN_TIMEOUT_MS = { kill: 10_000, stop: 60_000, restore: 180_000 } as const;

/** FAULT_EXECUTORS is the executor of every fault action, by name. */
export const FAULT_EXECUTORS: { [A in FaultAction]: Executor<A> } = {
  'kill-replica': (plan, env) => takeDown('kill', plan, env),
  'stop-replica': (plan, env) => takeDown('stop', plan, env),
  'restore-replica': async (plan, env) => {
    if (!env.admin) return noAdmin();
    return replicaCall(env.admin, 'restore', plan.params.replica, env.cancel);
  },
  command: async (plan, env) => {
    const r = await runCommand(plan.params.run, { timeoutMs: plan.params.timeoutS * 1000, cwd: env.cwd, env: env.env, signal: env.signal, cancel: env.cancel });
    const last = r.output[r.output.length - 1];
    const took = `${(r.durationMs / 1000).toFixed(1)} s`;
    const detail =
      r.error !== undefined
        ? `could not start: ${r.error}`
        : r.outcome === 'timeout'
          ? `${env.cancel.aborted ? 'still running when the run was interrupted' : env.signal.aborted ? 'still running when the run ended' : `ran past its ${formatDuration(plan.params.timeoutS)} timeout`}: process group killed`
          : `exit ${r.exitCode ?? `by ${r.signal}`} after ${took}${r.outcome === 'failed' && last ? `: ${last}` : ''}`;
    return { outcome: r.outcome, detail, exitCode: r.exitCode, signal: r.signal, output: r.output };
  },
  kubernetes: (plan, env) => kubernetesFault(plan, env),
  ...REPOSITORY_EXECUTORS,
  network: async (plan, env) => {
    if (!env.proxy) return { outcome: 'failed', detail: 'no proxy in front of the target' };
    const { latencyMs, jitterMs } = plan.params;
    await env.proxy.setDelay({ latencyMs, jitterMs });
    const proxy = env.proxy;
    return {
      outcome: 'ok',
      detail: `proxy delays every chunk by ${latencyMs} ms${jitterMs ? ` ± ${jitterMs} ms` : ''}`,
      undo: async () => {
        await proxy.setDelay(null);
        return { outcome: 'ok', detail: 'delay lifted' };
      },
    };
  },
};

/** executeFault starts a fault with its action's executor; an executor that throws is a failed fault. */
export async function executeFault(plan: FaultPlan, env: FaultEnv): Promise<FaultEffect> {
  const executor = FAULT_EXECUTORS[plan.action] as Executor<FaultAction>;
  try {
    return await executor(plan, env);
  } catch (err) {
    return { outcome: 'failed', detail: (err as Error).message };
  }
}

/** takeDown kills or stops a replica; a timed one is restored when its duration is over. */
async function takeDown(action: 'kill' | 'stop', plan: FaultPlanOf<'kill-replica' | 'stop-replica'>, env: FaultEnv): Promise<FaultEffect> {
  const admin = env.admin;
  if (!admin) return noAdmin();
  const step = await replicaCall(admin, action, plan.params.replica, env.cancel);
  if (plan.durationS === undefined || step.outcome !== 'ok' || step.replica === undefined) return step;
  const replica = step.replica;
  return {
    ...step,
    undo: async () => {
      const back = await replicaCall(admin, 'restore', replica, env.cancel);
      // The supervisor may have restarted it already: the fault's effect is over either way.
      return back.outcome === 'skipped' ? { outcome: 'ok', detail: `${replica} was already back (restarted by the supervisor)` } : back;
    },
  };
}

/** replicaCall makes one admin call and describes its answer as a fault step; `cancel` ends the call (the run was interrupted). */
async function replicaCall(admin: AdminClient, action: 'kill' | 'stop' | 'restore', replica: string, cancel: AbortSignal): Promise<FaultStep> {
  const verb = { kill: 'killed', stop: 'stopped', restore: 'restored' }[action];
  try {
    const r = await admin.act(action, replica, ADMIN_TIMEOUT_MS[action], cancel);
    const rep = r.body.replica;
    if (r.status === 200 && rep) {
      const cold = rep.coldStartMs ?? undefined;
      const pid = rep.pid !== null && rep.pid !== undefined ? ` (pid ${rep.pid})` : '';
      const coldText = action === 'restore' && cold ? `, ready after a ${(cold.totalMs / 1000).toFixed(2)} s cold start` : '';
      return { outcome: 'ok', detail: `${verb} ${rep.id}${pid}${coldText}`, replica: rep.id, restarts: rep.restarts, ...(action === 'restore' && cold && { coldStart: cold }) };
    }
    const why = r.body.error ?? `HTTP ${r.status}`;
    // Nothing to restore (the supervisor already restarted it): the action did not apply.
    if (r.status === 409 && action === 'restore') return { outcome: 'skipped', detail: `nothing to restore: ${why}` };
    return { outcome: 'failed', detail: `${action} ${replica}: HTTP ${r.status}: ${why}` };
  } catch (err) {
    const message = (err as Error).message;
    return { outcome: /no answer in/.test(message) ? 'timeout' : 'failed', detail: `${action} ${replica}: ${message}` };
  }
}

function noAdmin(): FaultStep {
  return { outcome: 'failed', detail: 'no admin API: replica faults need the replicated embedded stack' };
}

/** coldStartOf returns a replica's last cold start when it restarted after the fault took it down. */
export function coldStartOf(replica: Replica | undefined, restartsAtFault: number | undefined): ColdStart | undefined {
  if (!replica?.coldStartMs) return undefined;
  if (restartsAtFault !== undefined && replica.restarts <= restartsAtFault) return undefined;
  return replica.coldStartMs;
}
