/**
 * `gauntlet k8s render` (a sharded run as an Indexed Job, its ConfigMap, results volume and merge Job) and
 * `gauntlet k8s render-stack` (the reference stack): YAML files for kubectl apply. See docs/kubernetes.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Argv } from 'yargs';
import { DEFAULT_START_IN, joinFiles, type RenderArgs, type RenderedFile, renderLoad, renderStack, type StackArgs } from '../k8s/render.js';
import { VALID_RPS_PER_CORE } from '../k8s/per-core-rate.js';

/** K8sRenderArgs are the parsed options of `gauntlet k8s render`. */
export type K8sRenderArgs = RenderArgs & { out: string };
/** K8sStackArgs are the parsed options of `gauntlet k8s render-stack`. */
export type K8sStackArgs = StackArgs & { out: string };

const common = (y: Argv, out: string): Argv =>
  y
    .option('image', { type: 'string', demandOption: true, describe: 'The gauntlet image (built from the Dockerfile), e.g. registry.example/gauntlet:0.1.0' })
    .option('namespace', { type: 'string', default: 'gauntlet', describe: 'Namespace of every object' })
    .option('out', { type: 'string', default: out, describe: 'Folder to write the YAML files to (- for one stream on stdout)' });

/** renderOptions declares the options of `gauntlet k8s render`. */
export function renderOptions(y: Argv): Argv<K8sRenderArgs> {
  return common(y, 'k8s/load')
    .positional('scenario', { type: 'string', describe: 'Scenario file (its target and data files go into the ConfigMap)' })
    .option('shards', { type: 'number', demandOption: true, describe: 'Shards (pods of the Indexed Job), 1 to 1000' })
    .option('target', { type: 'string', describe: "Target file; overrides the scenario's target (the shards must share an external target)" })
    .option('start-in', { type: 'string', describe: `Start the shards this long after rendering (default ${DEFAULT_START_IN}; leave time to apply)` })
    .option('start-at', { type: 'string', describe: 'Start the shards at this time: ISO 8601 with a zone, or epoch ms' })
    .option('cpu-per-shard', { type: 'number', describe: `Whole cores each shard requests (default: ceil(shard peak rps / ${VALID_RPS_PER_CORE}), the rate one core sends punctually)` })
    .option('storage-class', { type: 'string', describe: 'StorageClass of the results volume (must offer ReadWriteMany; default: the cluster default)' })
    .option('results-size', { type: 'string', default: '1Gi', describe: 'Size of the results volume' })
    .option('results-access-mode', { choices: ['ReadWriteMany', 'ReadWriteOnce'] as const, default: 'ReadWriteMany' as const, describe: 'Access mode of the results volume: ReadWriteOnce only where every pod runs on one node (kind)' }) as unknown as Argv<K8sRenderArgs>;
}

/** stackOptions declares the options of `gauntlet k8s render-stack`. */
export function stackOptions(y: Argv): Argv<K8sStackArgs> {
  return common(y, 'k8s/stack')
    .option('replicas', { type: 'number', default: 2, describe: 'Server pods at least (the autoscalers scale up from here), 1 to 100' })
    .option('max-replicas', { type: 'number', default: 10, describe: 'Server pods at most' })
    .option('pending-per-pod', { type: 'number', default: 8, describe: 'Queued requests per pod (nv_inference_pending_request_count) the autoscalers aim for' })
    .option('prometheus-url', { type: 'string', default: 'http://prometheus-operated.monitoring.svc:9090', describe: 'The Prometheus that the KEDA alternative queries' }) as unknown as Argv<K8sStackArgs>;
}

/** runRender writes the files of a sharded run and prints where they went. */
export async function runRender(args: K8sRenderArgs, print: (line: string) => void): Promise<number> {
  const command = ['gauntlet k8s render', args.scenario, '--shards', args.shards, '--image', args.image, '--namespace', args.namespace, ...(args.target ? ['--target', args.target] : []), ...(args.startAt ? ['--start-at', args.startAt] : ['--start-in', args.startIn ?? DEFAULT_START_IN]), ...(args.cpuPerShard ? ['--cpu-per-shard', args.cpuPerShard] : []), ...(args.storageClass ? ['--storage-class', args.storageClass] : []), '--results-size', args.resultsSize, ...(args.resultsAccessMode && args.resultsAccessMode !== 'ReadWriteMany' ? ['--results-access-mode', args.resultsAccessMode] : [])].join(' ');
  const files = await renderLoad(args, new Date(), command);
  emit(files, args.out, print);
  return 0;
}

/** runRenderStack writes the files of the reference stack and prints where they went. */
export function runRenderStack(args: K8sStackArgs, print: (line: string) => void): number {
  const command = `gauntlet k8s render-stack --image ${args.image} --namespace ${args.namespace} --replicas ${args.replicas} --max-replicas ${args.maxReplicas} --pending-per-pod ${args.pendingPerPod} --prometheus-url ${args.prometheusUrl}`;
  emit(renderStack(args, command), args.out, print);
  return 0;
}

function emit(files: RenderedFile[], out: string, print: (line: string) => void): void {
  if (out === '-') {
    process.stdout.write(joinFiles(files));
    return;
  }
  for (const f of files) {
    const path = join(out, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.text);
    print(`wrote ${path}`);
  }
}

/** stdoutArgs joins `--out -` into `--out=-`: yargs drops a lone `-`. */
export function stdoutArgs(argv: string[]): string[] {
  return argv.flatMap((a, i) => (a === '--out' && argv[i + 1] === '-' ? ['--out=-'] : a === '-' && argv[i - 1] === '--out' ? [] : [a]));
}
