/**
 * describeExternal says, for --dry-run, how an external sweep applies each combination: the target measured, the
 * config file written, the apply command, the model load and the readiness probe, with their timeouts.
 */
import type { Plan } from '../scenario/plan.js';
import { defaultReady, externalTarget, type ExternalSpec } from './external-config.js';

/** describeExternal lists an external sweep's target and apply steps, one line each. */
export function describeExternal(ext: ExternalSpec, plan: Plan): string[] {
  const target = externalTarget(ext, plan);
  const out = [`Your server: ${target ? `${target.name} (${target.protocol} ${target.url})` : 'no external target'}, the same target for every combination`];
  out.push(`Variables: ${Object.entries(ext.variables).map(([k, v]) => `${k} [${v.join(', ')}]`).join('; ')}`);
  const steps: string[] = [];
  if (ext.template) steps.push(`render ${ext.template.source} into ${ext.template.dest} (the original is restored when the sweep ends)`);
  if (ext.apply) steps.push(`run: ${ext.apply.command} (timeout ${ext.apply.timeoutS} s; variables as $GAUNTLET_VAR_<NAME>)`);
  if (ext.reload) steps.push(`POST ${ext.reload.url ?? target?.url ?? '?'}/v2/repository/models/${ext.reload.model}/load (timeout ${ext.reload.timeoutS} s)`);
  const ready = ext.ready ?? (target ? defaultReady(target, target.model ?? plan.request.model) : undefined);
  steps.push(ready ? `wait until GET ${ready.url} answers ${ready.status} (every ${ready.intervalS} s, at most ${ready.timeoutS} s)` : 'no readiness probe (give server.ready for a target that is not KServe HTTP)');
  out.push('Each combination:', ...steps.map((s, i) => `  ${i + 1}. ${s}`));
  return out;
}
