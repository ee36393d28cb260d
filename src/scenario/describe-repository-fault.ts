/**
 * describeRepositoryFault renders a model repository fault for --dry-run, logs and reports:
 * `load-model mlp_rollout v2`, `set-version-policy mlp_rollout latest 1 (guard p99 ≤ 150 ms, rollback on breach)`.
 */
import type { FaultPlanOf, RolloutGuard, VersionPolicySpec } from './plan.js';

/** describeRepositoryFault is one line for a load-model, unload-model or set-version-policy fault. */
export function describeRepositoryFault(f: FaultPlanOf<'load-model' | 'unload-model' | 'set-version-policy'>): string {
  const p = f.params;
  const parts: string[] = [f.action, p.model];
  if ('version' in p && p.version !== undefined) parts.push(`v${p.version}`);
  if ('config' in p && p.config !== undefined) parts.push(`config {${Object.keys(p.config).join(', ')}}`);
  if ('policy' in p) parts.push(describePolicy(p.policy));
  if (p.url !== undefined) parts.push(`at ${p.url}`);
  const guard = p.guard ? ` (${describeGuard(p.guard)})` : '';
  return `${parts.join(' ')}${guard}`;
}

/** describePolicy renders a version policy: `latest 1`, `versions 1, 2`, `all versions`. */
export function describePolicy(p: VersionPolicySpec): string {
  if ('latest' in p) return `latest ${p.latest.num_versions}`;
  if ('specific' in p) return `versions ${p.specific.versions.join(', ')}`;
  return 'all versions';
}

function describeGuard(g: RolloutGuard): string {
  const limits = [...(g.p99Ms !== undefined ? [`p99 ≤ ${g.p99Ms} ms`] : []), ...(g.errorRate !== undefined ? [`errors ≤ ${g.errorRate * 100} %`] : [])];
  return `guard ${limits.join(', ')} for ${g.windowS} s running, watched ${g.forS} s, detect within ${g.detectWithinS} s${g.rollbackOnBreach ? ', rollback on breach' : ''}`;
}
