/**
 * The executors of the model repository faults (load-model, unload-model, set-version-policy): calls to the
 * target's repository extension (RepositoryClient), with the server's answer as the fault's detail. A change of
 * versions or policy is a load with a configuration override (Triton's `config` load parameter): the model's
 * configuration as the server reports it, with version_policy (and the fault's `config:` fields) replaced. The
 * configuration from before the step is kept, so that a rollout guard can roll back to it.
 */
import type { FaultPlanOf, RepositoryFaultParams } from '../scenario/plan.js';
import { describePolicy } from '../scenario/describe-repository-fault.js';
import type { Executor, FaultEffect, FaultEnv } from './actions.js';
import { RepositoryClient, RepositoryError } from './repository-client.js';
import { watchRollout } from './rollout-guard.js';

type RepositoryAction = 'load-model' | 'unload-model' | 'set-version-policy';

/** REPOSITORY_EXECUTORS are the executors of the repository fault actions. */
export const REPOSITORY_EXECUTORS: { [A in RepositoryAction]: Executor<A> } = {
  'load-model': (plan, env) =>
    step(plan, env, async (c, before) => {
      const p = plan.params;
      if (p.version === undefined && p.config === undefined) {
        await c.load(p.model);
        return `loaded ${p.model} from its repository configuration`;
      }
      const config = { ...before(), ...p.config };
      if (p.version !== undefined) {
        const served = await c.readyVersions(p.model);
        config.version_policy = { specific: { versions: [...new Set([...served, p.version])].sort((a, b) => a - b) } };
      }
      await c.load(p.model, config);
      const what = p.version !== undefined ? `version ${p.version} beside ${describeVersions(config.version_policy)}` : 'its configuration overridden';
      return `loaded ${p.model}: ${what}${p.config ? ` (config: ${Object.keys(p.config).join(', ')})` : ''}`;
    }),
  'unload-model': (plan, env) =>
    step(plan, env, async (c) => {
      await c.unload(plan.params.model);
      return `unloaded ${plan.params.model}`;
    }),
  'set-version-policy': (plan, env) =>
    step(plan, env, async (c, before) => {
      await c.load(plan.params.model, { ...before(), version_policy: plan.params.policy });
      const ready = await c.readyVersions(plan.params.model);
      return `${plan.params.model} now serves ${describePolicy(plan.params.policy)}: ready ${ready.length ? ready.map((v) => `v${v}`).join(', ') : 'none'}`;
    }),
};

/**
 * step makes one repository fault: it reads the model's configuration first when the step needs it (overrides)
 * or a guard may roll back to it, runs the action, then watches with the guard when there is one.
 */
async function step(
  plan: FaultPlanOf<RepositoryAction>,
  env: FaultEnv,
  act: (c: RepositoryClient, before: () => Record<string, unknown>) => Promise<string>,
): Promise<FaultEffect> {
  const p: RepositoryFaultParams = plan.params;
  const url = p.url ?? env.repositoryUrl;
  if (url === undefined) return { outcome: 'failed', detail: 'no repository url: the target has no KServe v2 HTTP endpoint (give the fault a url:)' };
  const client = new RepositoryClient(url, p.timeoutS * 1000, env.cancel);
  try {
    const needsConfig = plan.action !== 'unload-model' && (plan.action === 'set-version-policy' || 'version' in p || 'config' in p || p.guard?.rollbackOnBreach === true);
    const previous = needsConfig ? await client.config(p.model) : undefined;
    const detail = await act(client, () => ({ ...previous }));
    if (!p.guard || !env.liveSeconds || !env.nowS) return { outcome: 'ok', detail };
    const guard = await watchRollout(p.guard, env.nowS(), {
      nowS: env.nowS,
      seconds: env.liveSeconds,
      signal: env.signal,
      rollback: async () => {
        try {
          await new RepositoryClient(url, p.timeoutS * 1000, env.cancel).load(p.model, previous);
          return { outcome: 'ok', detail: `loaded ${p.model} with its configuration from before the step${previous ? ` (${describeVersions(previous.version_policy)})` : ''}` };
        } catch (err) {
          return { outcome: err instanceof RepositoryError && err.kind === 'timeout' ? 'timeout' : 'failed', detail: (err as Error).message };
        }
      },
    });
    const guardText = guard.breach ? `; guard: ${guard.breach.reason}, ${guard.rollback ? `rollback ${guard.rollback.outcome} (${guard.rollback.detail})` : 'no rollback'}` : `; guard: ${guard.verdict.reason}`;
    return { outcome: 'ok', detail: `${detail}${guardText}`, guard };
  } catch (err) {
    const outcome = err instanceof RepositoryError && err.kind === 'timeout' ? 'timeout' : 'failed';
    return { outcome, detail: `${plan.action} ${p.model}: ${(err as Error).message}` };
  }
}

/** describeVersions renders a version_policy as the server reported it (its JSON form). */
function describeVersions(policy: unknown): string {
  if (typeof policy !== 'object' || policy === null) return 'its policy';
  const p = policy as { latest?: { num_versions?: unknown }; specific?: { versions?: unknown[] }; all?: unknown };
  if (p.specific?.versions) return `versions ${p.specific.versions.join(', ')}`;
  if (p.latest) return `latest ${String(p.latest.num_versions)}`;
  return 'all versions';
}
