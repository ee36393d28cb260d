/**
 * The objects of one sharded run on Kubernetes: the ConfigMap of the scenario's files, the results volume (a
 * ReadWriteMany PersistentVolumeClaim by default), the Indexed load Job (one pod per shard, all starting at the `--start-at`
 * written here) and the merge Job that waits for every shard's results, merges them and writes the reports.
 */
import type { Plan } from '../scenario/plan.js';
import { peakOpenRps } from '../load/load-pool.js';
import type { Bundle } from './bundle-files.js';
import { containerSecurity, type K8sObject, labelsOf, podSecurity } from './objects.js';
import { coresForRate, VALID_RPS_PER_CORE } from './per-core-rate.js';

/** LoadJobOptions are the choices of one render of a sharded run. */
export interface LoadJobOptions {
  /** The run's name: prefix of every object (a DNS label, at most 52 characters). */
  name: string;
  namespace: string;
  image: string;
  shards: number;
  startAt: Date;
  /** The render's clock: the Jobs' deadlines count the wait from now to startAt. */
  now: Date;
  /** Whole cores per shard; default from the shard's peak rate and VALID_RPS_PER_CORE. */
  cpuPerShard?: number;
  storageClass?: string;
  resultsSize: string;
  /** The results volume's access mode: ReadWriteMany, or ReadWriteOnce where every pod runs on one node. */
  accessMode: 'ReadWriteMany' | 'ReadWriteOnce';
}

/** MOUNTS are where the pods see the scenario's files and the results volume. */
export const MOUNTS = { scenario: '/gauntlet/scenario', results: '/results' } as const;
/** DEADLINE_MARGIN_S is added to the run's length in the Jobs' activeDeadlineSeconds (start-up, clock check, writing). */
export const DEADLINE_MARGIN_S = 300;
/** MERGE_WAIT_MARGIN_S is how long after the load Job's deadline the merge step still waits for shard results. */
export const MERGE_WAIT_MARGIN_S = 60;

/** shardCores is the CPU a shard asks for: --cpu-per-shard, or ceil(its peak rate / VALID_RPS_PER_CORE). */
export function shardCores(plan: Plan, shards: number, cpuPerShard?: number): number {
  return cpuPerShard ?? coresForRate(peakOpenRps(plan) / shards, VALID_RPS_PER_CORE);
}

/** renderLoadObjects returns the ConfigMap, results PVC, load Job and merge Job of a sharded run. */
export function renderLoadObjects(plan: Plan, bundle: Bundle, o: LoadJobOptions): K8sObject[] {
  const meta = (name: string, component: string): K8sObject['metadata'] => ({ name, namespace: o.namespace, labels: labelsOf(o.name, component) });
  const leadS = Math.max(0, Math.ceil((o.startAt.getTime() - o.now.getTime()) / 1000));
  const loadDeadlineS = leadS + Math.ceil(plan.durationS) + DEADLINE_MARGIN_S;
  const configMap: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${o.name}-scenario`, 'scenario'),
    ...(bundle.files.some((f) => f.text !== undefined) && { data: Object.fromEntries(bundle.files.filter((f) => f.text !== undefined).map((f) => [f.key, f.text])) }),
    ...(bundle.files.some((f) => f.base64 !== undefined) && { binaryData: Object.fromEntries(bundle.files.filter((f) => f.base64 !== undefined).map((f) => [f.key, f.base64])) }),
  };
  const pvc: K8sObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(`${o.name}-results`, 'results'),
    spec: { accessModes: [o.accessMode], ...(o.storageClass !== undefined && { storageClassName: o.storageClass }), resources: { requests: { storage: o.resultsSize } } },
  };
  const volumes = [
    { name: 'scenario', configMap: { name: `${o.name}-scenario`, items: bundle.files.map((f) => ({ key: f.key, path: f.path })) } },
    { name: 'results', persistentVolumeClaim: { claimName: `${o.name}-results` } },
    { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
  ];
  const mounts = [
    { name: 'scenario', mountPath: MOUNTS.scenario, readOnly: true },
    { name: 'results', mountPath: MOUNTS.results },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const cores = shardCores(plan, o.shards, o.cpuPerShard);
  const shardLabels = labelsOf(o.name, 'load');
  const args = [
    'run', `${MOUNTS.scenario}/${bundle.scenarioPath}`,
    '--shards', String(o.shards),
    '--start-at', o.startAt.toISOString(),
    '--out', `${MOUNTS.results}/shard-$(JOB_COMPLETION_INDEX)`,
    // A shard's verdict is informational (the merged one counts): a non-zero exit then means the shard failed.
    '--exit-zero',
    ...(bundle.targetPath !== undefined ? ['--target', `${MOUNTS.scenario}/${bundle.targetPath}`] : []),
  ];
  const loadJob: K8sObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...meta(`${o.name}-load`, 'load'), annotations: { 'gauntlet.dev/start-at': o.startAt.toISOString(), 'gauntlet.dev/shard-peak-rps': String(peakOpenRps(plan) / o.shards), 'gauntlet.dev/rps-per-core': String(VALID_RPS_PER_CORE) } },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      // A shard that fails is not run again (a late rerun would send another load than planned): the merge names it
      // missing. backoffLimitPerIndex keeps one failed shard from ending the others.
      backoffLimit: o.shards,
      backoffLimitPerIndex: 0,
      maxFailedIndexes: o.shards,
      activeDeadlineSeconds: loadDeadlineS,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: shardLabels },
        spec: {
          restartPolicy: 'Never',
          securityContext: podSecurity(),
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/instance': o.name, 'app.kubernetes.io/component': 'load' } } } },
              ],
            },
          },
          containers: [
            {
              name: 'shard',
              image: o.image,
              args,
              env: [
                // Set by the Job controller too; declared so that $(JOB_COMPLETION_INDEX) in args always expands.
                { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
              ],
              // No CPU limit: throttling would delay sends; the request reserves the cores the rate needs.
              resources: { requests: { cpu: String(cores), memory: '512Mi' }, limits: { memory: '2Gi' } },
              securityContext: containerSecurity(true),
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
  const mergeJob: K8sObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(`${o.name}-merge`, 'merge'),
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: loadDeadlineS + MERGE_WAIT_MARGIN_S + DEADLINE_MARGIN_S,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: labelsOf(o.name, 'merge') },
        spec: {
          restartPolicy: 'Never',
          securityContext: podSecurity(),
          containers: [
            {
              name: 'merge',
              image: o.image,
              command: ['/bin/sh', '-c', mergeScript(o.shards, loadDeadlineS + MERGE_WAIT_MARGIN_S)],
              resources: { requests: { cpu: '1', memory: '512Mi' }, limits: { memory: '4Gi' } },
              securityContext: containerSecurity(true),
              volumeMounts: mounts.filter((m) => m.name !== 'scenario'),
            },
          ],
          volumes: volumes.filter((v) => v.name !== 'scenario'),
        },
      },
    },
  };
  return [configMap, pvc, loadJob, mergeJob];
}

/**
 * mergeScript waits until every shard's results.json has a final status (or `waitS` passed: the merge then names
 * the shards missing or unfinished), merges them into /results/merged, writes the HTML and Markdown reports there,
 * prints the Markdown one (kubectl logs) and exits with the merge's code.
 */
function mergeScript(shards: number, waitS: number): string {
  const r = MOUNTS.results;
  return [
    `n=${shards}; deadline=$(( $(date +%s) + ${waitS} ))`,
    'while :; do',
    '  done_=0; i=0',
    `  while [ "$i" -lt "$n" ]; do grep -Eqs '"status": "(complete|interrupted|failed)"' "${r}/shard-$i/results.json" && done_=$((done_ + 1)); i=$((i + 1)); done`,
    '  [ "$done_" -eq "$n" ] && break',
    '  [ "$(date +%s)" -ge "$deadline" ] && { echo "gave up waiting: $done_ of $n shards finished"; break; }',
    '  sleep 5',
    'done',
    `gauntlet merge ${r}/shard-* --out ${r}/merged; code=$?`,
    `gauntlet report ${r}/merged --format html --out ${r}/merged/report.html`,
    `gauntlet report ${r}/merged --format md --out ${r}/merged/report.md && cat ${r}/merged/report.md`,
    'exit "$code"',
  ].join('\n');
}
