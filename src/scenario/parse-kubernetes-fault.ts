/**
 * The parameters of `action: kubernetes` faults: an `op` (delete-pod, cordon-node, scale) with its own fields, and
 * where kubectl acts (namespace, context, the kubectl binary, a timeout). Fields of another op are problems with
 * their path; names and selectors are checked against Kubernetes' syntax so kubectl never sees an option.
 */
import { Fields, show } from './fields.js';
import { RANGES } from './limits.js';
import type { KubernetesFaultParams, KubernetesOp } from './plan.js';

/** KUBERNETES_OPS are the operations of a kubernetes fault. */
export const KUBERNETES_OPS = ['delete-pod', 'cordon-node', 'scale'] as const;
/** KUBERNETES_OP_KEYS are the fields each operation takes (beside op, namespace, context, kubectl, timeout). */
export const KUBERNETES_OP_KEYS: Record<KubernetesOp['op'], readonly string[]> = { 'delete-pod': ['selector', 'count'], 'cordon-node': ['node'], scale: ['deployment', 'replicas'] };
/** KUBERNETES_KEYS are every field of a kubernetes fault's parameters. */
export const KUBERNETES_KEYS = ['op', 'namespace', 'context', 'kubectl', 'timeout', ...new Set(Object.values(KUBERNETES_OP_KEYS).flat())] as const;
/** KUBECTL_TIMEOUT_S is how long each kubectl call of a kubernetes fault may take when the fault names no timeout. */
export const KUBECTL_TIMEOUT_S = 30;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label selector: comma-separated requirements (key, !key, key=v, key==v, key!=v, key in (a,b), key notin (a)). */
const SELECTOR = /^[A-Za-z0-9_.\/!=,() -]+$/;

/** readKubernetesFault validates a kubernetes fault's parameters; problems go to the fault's Fields. */
export function readKubernetesFault(f: Fields): KubernetesFaultParams | undefined {
  const op = f.oneOf('op', KUBERNETES_OPS, true);
  const namespace = name(f, 'namespace', DNS_LABEL, 'a DNS label (lower case letters, digits, -)');
  const context = f.string('context', false, 253);
  if (context !== undefined && context.startsWith('-')) f.problem('context', `must not start with -, got ${show(context)}`);
  const kubectl = f.string('kubectl', false, 4096) ?? 'kubectl';
  const timeoutS = f.duration('timeout', RANGES['faults[].timeout']) ?? KUBECTL_TIMEOUT_S;
  if (f.has('duration') && op !== undefined && op !== 'cordon-node') f.problem('duration', `only cordon-node lasts (the node is uncordoned at its end); ${op} is instantaneous`);
  if (op === undefined) return undefined;
  for (const other of KUBERNETES_OPS.filter((o) => o !== op)) {
    for (const key of KUBERNETES_OP_KEYS[other]) if (f.has(key) && !KUBERNETES_OP_KEYS[op].includes(key)) f.problem(key, `is a field of op ${other}, not of ${op}`);
  }
  const where = { ...(namespace !== undefined && { namespace }), ...(context !== undefined && { context }), kubectl, timeoutS };
  if (op === 'delete-pod') {
    const selector = f.string('selector', true, 1024);
    if (selector !== undefined && (!SELECTOR.test(selector) || selector.trim() === '' || selector.trim().startsWith('-'))) f.problem('selector', `must be a label selector like app.kubernetes.io/component=server, got ${show(selector)}`);
    const c = f.obj.count;
    const count = c === 'all' ? 'all' : typeof c === 'string' ? void f.problem('count', `must be a whole number or all, got ${show(c)}`) : (f.integer('count', RANGES['faults[].count']) ?? 1);
    if (count === undefined) return undefined;
    return selector === undefined ? undefined : { op, selector, count, ...where };
  }
  if (op === 'cordon-node') {
    const node = name(f, 'node', DNS_SUBDOMAIN, 'a node name (DNS subdomain)', true);
    return node === undefined ? undefined : { op, node, ...where };
  }
  const deployment = name(f, 'deployment', DNS_SUBDOMAIN, 'a Deployment name (DNS subdomain)', true);
  const replicas = f.integer('replicas', RANGES['faults[].replicas'], true);
  return deployment === undefined || replicas === undefined ? undefined : { op, deployment, replicas, ...where };
}

function name(f: Fields, key: string, pattern: RegExp, what: string, required = false): string | undefined {
  const v = f.string(key, required, 253);
  if (v !== undefined && !pattern.test(v)) return void f.problem(key, `must be ${what}, got ${show(v)}`);
  return v;
}
