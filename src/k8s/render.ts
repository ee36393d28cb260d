/**
 * `gauntlet k8s render` and `render-stack` as functions: validate the options (every problem listed), build the
 * objects and lay them out as YAML files, one object a file, named so that `kubectl apply -f DIR` applies them in
 * order (the KEDA alternative lies in alternatives/, which a plain apply of DIR leaves out).
 */
import { stringify } from 'yaml';
import { GauntletError } from '../errors.js';
import { loadScenario } from '../scenario/parse-scenario.js';
import { parseDuration } from '../scenario/units.js';
import { bundleFiles } from './bundle-files.js';
import { renderLoadObjects } from './load-job.js';
import { dnsName, type K8sObject } from './objects.js';
import { renderStackObjects, type StackOptions } from './stack.js';

/** RenderedFile is one YAML file of a render: its path under the output folder and its text. */
export interface RenderedFile {
  path: string;
  text: string;
}

/** RenderArgs are the options of `gauntlet k8s render`. */
export interface RenderArgs {
  scenario: string;
  target?: string;
  shards: number;
  image: string;
  namespace: string;
  startIn?: string;
  startAt?: string;
  cpuPerShard?: number;
  storageClass?: string;
  resultsSize: string;
  /** ReadWriteMany (default: shards on many nodes) or ReadWriteOnce (a one-node cluster such as kind). */
  resultsAccessMode?: 'ReadWriteMany' | 'ReadWriteOnce';
}

/** StackArgs are the options of `gauntlet k8s render-stack`. */
export type StackArgs = Omit<StackOptions, 'name'> & { name?: string };

/** LIMITS are the ranges of the numeric options. */
export const LIMITS = { shards: { min: 1, max: 1000 }, cpuPerShard: { min: 1, max: 256 }, replicas: { min: 1, max: 100 }, maxReplicas: { min: 1, max: 1000 }, pendingPerPod: { min: 1, max: 100_000 }, startInS: { min: 0, max: 86_400 } } as const;
/** DEFAULT_START_IN is how far ahead of the render the shards start when neither --start-in nor --start-at is given. */
export const DEFAULT_START_IN = '2m';
const IMAGE = /^[a-z0-9]+([._\-/:@][a-zA-Z0-9._\-]+)*$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** renderLoad validates the arguments, reads the scenario and returns the files of its sharded run. */
export async function renderLoad(a: RenderArgs, now: Date, command: string): Promise<RenderedFile[]> {
  const problems: string[] = [];
  checkInt(problems, '--shards', a.shards, LIMITS.shards);
  if (a.cpuPerShard !== undefined) checkInt(problems, '--cpu-per-shard', a.cpuPerShard, LIMITS.cpuPerShard);
  checkCommon(problems, a.image, a.namespace);
  if (!QUANTITY.test(a.resultsSize)) problems.push(`--results-size: must be a Kubernetes quantity like 5Gi, got ${JSON.stringify(a.resultsSize)}`);
  if (a.storageClass !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(a.storageClass)) problems.push(`--storage-class: must be a DNS subdomain, got ${JSON.stringify(a.storageClass)}`);
  const startAt = startTime(problems, a, now);
  if (problems.length > 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `invalid k8s render options:\n  ${problems.join('\n  ')}`);
  const plan = await loadScenario(a.scenario, { ...(a.target !== undefined && { target: a.target }) });
  if ('embedded' in plan.target) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${a.scenario}: the target is the embedded server, but the shards must share one target: name a target file in the scenario or with --target (e.g. the reference stack's Service, http://gauntlet-reference.${a.namespace}.svc:8000)`);
  }
  const stamp = startAt!.toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').toLowerCase();
  const name = `g-${dnsName(plan.name, 30)}-${stamp}`;
  const bundle = bundleFiles(a.scenario, a.target);
  const [configMap, pvc, loadJob, mergeJob] = renderLoadObjects(plan, bundle, {
    name, namespace: a.namespace, image: a.image, shards: a.shards, startAt: startAt!, now, resultsSize: a.resultsSize,
    ...(a.cpuPerShard !== undefined && { cpuPerShard: a.cpuPerShard }),
    ...(a.storageClass !== undefined && { storageClass: a.storageClass }),
    accessMode: a.resultsAccessMode ?? 'ReadWriteMany',
  });
  return [file('10-scenario-configmap.yaml', configMap!, command), file('20-results-pvc.yaml', pvc!, command), file('30-load-job.yaml', loadJob!, command), file('40-merge-job.yaml', mergeJob!, command)];
}

/** renderStack validates the arguments and returns the files of the reference stack. */
export function renderStack(a: StackArgs, command: string): RenderedFile[] {
  const problems: string[] = [];
  checkInt(problems, '--replicas', a.replicas, LIMITS.replicas);
  checkInt(problems, '--max-replicas', a.maxReplicas, LIMITS.maxReplicas);
  checkInt(problems, '--pending-per-pod', a.pendingPerPod, LIMITS.pendingPerPod);
  if (Number.isInteger(a.replicas) && Number.isInteger(a.maxReplicas) && a.maxReplicas < a.replicas) problems.push(`--max-replicas: must be >= --replicas (${a.replicas}), got ${a.maxReplicas}`);
  checkCommon(problems, a.image, a.namespace);
  if (!/^https?:\/\/[^\s]+$/.test(a.prometheusUrl)) problems.push(`--prometheus-url: must be an http(s) URL, got ${JSON.stringify(a.prometheusUrl)}`);
  if (problems.length > 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `invalid k8s render-stack options:\n  ${problems.join('\n  ')}`);
  const { objects, keda } = renderStackObjects({ ...a, name: a.name ?? 'gauntlet-reference' });
  const namespace: K8sObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    // The pods meet the restricted Pod Security Standard (non-root, no privilege escalation, no capabilities, seccomp).
    metadata: { name: a.namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
  };
  const names = ['10-deployment.yaml', '20-service.yaml', '30-pdb.yaml', '40-servicemonitor.yaml', '50-hpa.yaml'];
  return [file('00-namespace.yaml', namespace, command), ...objects.map((o, i) => file(names[i]!, o, command)), file('alternatives/keda-scaledobject.yaml', keda, command)];
}

/** joinFiles is the files as one multi-document YAML stream (for --out -). */
export function joinFiles(files: RenderedFile[]): string {
  return files.map((f) => f.text).join('---\n');
}

function file(path: string, obj: K8sObject, command: string): RenderedFile {
  return { path, text: `# Generated by: ${command}\n# Do not edit: render again (docs/kubernetes.md).\n${stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false })}` };
}

function checkInt(problems: string[], opt: string, v: number, r: { min: number; max: number }): void {
  if (!Number.isInteger(v) || v < r.min || v > r.max) problems.push(`${opt}: must be a whole number from ${r.min} to ${r.max}, got ${v}`);
}

function checkCommon(problems: string[], image: string, namespace: string): void {
  if (!IMAGE.test(image) || image.length > 512) problems.push(`--image: must be an image reference like registry.example/gauntlet:0.1.0, got ${JSON.stringify(image)}`);
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) problems.push(`--namespace: must be a DNS label (lower case letters, digits, -; at most 63), got ${JSON.stringify(namespace)}`);
}

/** startTime is --start-at (ISO 8601 with a zone, or epoch ms) or now + --start-in (default DEFAULT_START_IN), to the ms. */
function startTime(problems: string[], a: RenderArgs, now: Date): Date | undefined {
  if (a.startAt !== undefined && a.startIn !== undefined) return void problems.push('--start-at and --start-in: give one, not both');
  if (a.startAt !== undefined) {
    const s = a.startAt.trim();
    const ms = /^\d{1,15}$/.test(s) ? Number(s) : /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(s) ? Date.parse(s) : NaN;
    if (!Number.isFinite(ms)) return void problems.push(`--start-at: must be ISO 8601 with a zone (2027-01-01T12:00:00Z) or epoch milliseconds, got ${JSON.stringify(a.startAt)}`);
    return new Date(ms);
  }
  const d = parseDuration(a.startIn ?? DEFAULT_START_IN);
  if (!d.ok || d.value < LIMITS.startInS.min || d.value > LIMITS.startInS.max) return void problems.push(`--start-in: must be a duration from 0s to 24h, got ${JSON.stringify(a.startIn)}`);
  return new Date(Math.ceil((now.getTime() + d.value * 1000) / 1000) * 1000);
}
