/**
 * The kubernetes fault: kubectl with the user's kubeconfig (and --context, --namespace when the fault names them)
 * deletes pods by label selector, cordons a node (uncordoned when a timed fault ends) or scales a Deployment.
 * kubectl runs from an argv array, never through a shell, so no field of the scenario is interpreted; each call
 * has the fault's timeout, and its command line, exit and last output lines go into the fault's timeline step.
 */
import type { FaultPlanOf, KubernetesFaultParams } from '../scenario/plan.js';
import { formatDuration } from '../scenario/units.js';
import type { FaultEffect, FaultEnv, FaultStep } from './actions.js';
import { runCommand } from './command.js';

/** LIST_LINES is the output kept of the pod listing: every pod a delete-pod may pick (count is at most 10,000). */
const LIST_LINES = 10_050;

/** kubectlArgv is kubectl's command line for `args` where the fault acts (context, namespace, request timeout). */
export function kubectlArgv(p: KubernetesFaultParams, args: readonly string[]): string[] {
  return [
    p.kubectl,
    ...(p.context !== undefined ? [`--context=${p.context}`] : []),
    ...(p.namespace !== undefined ? [`--namespace=${p.namespace}`] : []),
    `--request-timeout=${Math.max(1, Math.ceil(p.timeoutS))}s`,
    ...args,
  ];
}

/** kubernetesFault runs a kubernetes fault's operation; a timed cordon-node is undone by an uncordon. */
export async function kubernetesFault(plan: FaultPlanOf<'kubernetes'>, env: FaultEnv): Promise<FaultEffect> {
  const p = plan.params;
  if (p.op === 'cordon-node') {
    const step = await kubectl(p, ['cordon', p.node], env);
    if (plan.durationS === undefined || step.outcome !== 'ok') return step;
    return { ...step, undo: () => kubectl(p, ['uncordon', p.node], env) };
  }
  if (p.op === 'scale') return kubectl(p, ['scale', `deployment/${p.deployment}`, `--replicas=${p.replicas}`], env);
  if (p.count === 'all') return kubectl(p, ['delete', 'pods', `--selector=${p.selector}`, '--wait=false'], env);
  // The first `count` pods by name that are not already going away: the choice is the same run after run.
  const list = await kubectl(p, ['get', 'pods', `--selector=${p.selector}`, '--field-selector=status.phase!=Succeeded,status.phase!=Failed', '--output=name'], env, LIST_LINES);
  if (list.outcome !== 'ok') return { ...list, output: list.output?.slice(-20) };
  const pods = (list.output ?? []).map((l) => l.trim()).filter((l) => /^pod\/[a-z0-9.-]+$/.test(l)).sort().slice(0, p.count);
  if (pods.length === 0) return { outcome: 'skipped', detail: `no pod matches ${p.selector}${p.namespace ? ` in ${p.namespace}` : ''}` };
  const del = await kubectl(p, ['delete', ...pods, '--wait=false'], env);
  return pods.length < p.count && del.outcome === 'ok' ? { ...del, detail: `${del.detail} (only ${pods.length} of ${p.count} pods matched)` } : del;
}

/** kubectl runs one kubectl call with the fault's timeout and describes how it went. */
async function kubectl(p: KubernetesFaultParams, args: readonly string[], env: FaultEnv, tailLines = 20): Promise<FaultStep> {
  const argv = kubectlArgv(p, args);
  const r = await runCommand(argv, { timeoutMs: p.timeoutS * 1000, cwd: env.cwd, env: env.env, signal: env.signal, cancel: env.cancel, tailLines });
  const shown = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  const last = r.output[r.output.length - 1];
  const detail =
    r.error !== undefined
      ? `${shown}: could not start: ${r.error}`
      : r.outcome === 'timeout'
        ? `${shown}: no answer within ${formatDuration(p.timeoutS)}: killed`
        : `${shown}: exit ${r.exitCode ?? `by ${r.signal}`}${last ? `: ${last}` : ''}`;
  return { outcome: r.outcome, detail, exitCode: r.exitCode, signal: r.signal, output: r.output };
}
