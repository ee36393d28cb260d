import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderLoad, renderStack, type RenderArgs } from '../../../src/k8s/render.js';
import { renderDeploy, DEPLOY_RENDER } from '../../../src/k8s/write-deploy.js';
import { coresForRate, VALID_RPS_PER_CORE } from '../../../src/k8s/per-core-rate.js';
import { bundleFiles } from '../../../src/k8s/bundle-files.js';
import { validateK8s } from './k8s-schemas.js';

type Obj = Record<string, any>;
const parse = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj);
const now = new Date('2026-12-31T23:58:00Z');
const base: RenderArgs = { scenario: 'examples/k8s/scenario.yaml', shards: 3, image: 'gauntlet:0.1.0', namespace: 'gauntlet', startAt: '2027-01-01T00:00:00Z', resultsSize: '1Gi' };
const load = async (a: Partial<RenderArgs> = {}): Promise<Obj[]> => (await renderLoad({ ...base, ...a }, now, 'test')).flatMap((f) => parse(f.text));
const job = (objs: Obj[], suffix: string): Obj => objs.find((o) => o.kind === 'Job' && o.metadata.name.endsWith(suffix))!;
const stackFiles = renderStack({ image: 'gauntlet:0.1.0', namespace: 'gauntlet', ...DEPLOY_RENDER.stack }, 'test');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

describe('committed manifests (deploy/k8s)', () => {
  it('equal what the render produces today (npx tsx src/k8s/write-deploy.ts writes them)', async () => {
    const files = await renderDeploy();
    expect(listFiles('deploy/k8s').filter((f) => f.endsWith('.yaml'))).toEqual(files.map((f) => f.path).sort());
    for (const f of files) expect(readFileSync(join('deploy/k8s', f.path), 'utf8'), f.path).toBe(f.text);
  });

  it.each(listFiles('deploy/k8s').filter((f) => f.endsWith('.yaml')))('%s conforms to its Kubernetes OpenAPI schema', (file) => {
    const objs = parse(readFileSync(join('deploy/k8s', file), 'utf8'));
    expect(objs).toHaveLength(1);
    expect(() => validateK8s(objs[0]!)).not.toThrow();
  });

  it('cover every kind the issue asks for', async () => {
    const kinds = (await renderDeploy()).flatMap((f) => parse(f.text)).map((o) => `${o.apiVersion} ${o.kind}`);
    expect(new Set(kinds)).toEqual(new Set(['v1 Namespace', 'apps/v1 Deployment', 'v1 Service', 'policy/v1 PodDisruptionBudget', 'monitoring.coreos.com/v1 ServiceMonitor', 'autoscaling/v2 HorizontalPodAutoscaler', 'keda.sh/v1alpha1 ScaledObject', 'v1 ConfigMap', 'v1 PersistentVolumeClaim', 'batch/v1 Job']));
  });
});

describe('the validator bites', () => {
  const objs = async (): Promise<Obj[]> => [...(await load()), ...stackFiles.flatMap((f) => parse(f.text))];
  const breakers: [string, string, (o: Obj) => void, RegExp][] = [
    ['a Job whose parallelism is text', 'Job', (o) => (o.spec.parallelism = 'three'), /parallelism must be integer/],
    ['a Job with an unknown completion mode', 'Job', (o) => (o.spec.completionMode = 'Sharded'), /completionMode must be equal to one of the allowed values/],
    ['a Job with restartPolicy Sometimes', 'Job', (o) => (o.spec.template.spec.restartPolicy = 'Sometimes'), /restartPolicy must be equal to one of the allowed values/],
    ['a Deployment without containers', 'Deployment', (o) => delete o.spec.template.spec.containers, /must have required property 'containers'|required property containers/],
    ['an HPA without scaleTargetRef', 'HorizontalPodAutoscaler', (o) => delete o.spec.scaleTargetRef, /scaleTargetRef/],
    ['an HPA whose metric target is no mapping', 'HorizontalPodAutoscaler', (o) => (o.spec.metrics[0].pods.target = 8), /target must be object/],
    ['a Service port as text', 'Service', (o) => (o.spec.ports[0].port = 'http'), /port must be integer/],
    ['a ServiceMonitor without selector', 'ServiceMonitor', (o) => delete o.spec.selector, /selector/],
    ['a ScaledObject without triggers', 'ScaledObject', (o) => delete o.spec.triggers, /triggers/],
    ['a PVC whose access modes are text', 'PersistentVolumeClaim', (o) => (o.spec.accessModes = 'ReadWriteMany'), /accessModes must be array/],
  ];
  it.each(breakers)('%s fails validation', async (_, kind, breakIt, message) => {
    const obj = structuredClone((await objs()).find((o) => o.kind === kind)!);
    expect(() => validateK8s(obj)).not.toThrow();
    breakIt(obj);
    expect(() => validateK8s(obj)).toThrow(message);
  });
});

describe('gauntlet k8s render', () => {
  it('renders an Indexed Job of N shards that all start at the rendered time', async () => {
    const objs = await load({ shards: 4 });
    const j = job(objs, '-load');
    expect(j.spec).toMatchObject({ completionMode: 'Indexed', parallelism: 4, completions: 4, backoffLimitPerIndex: 0 });
    const pod = j.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    const args: string[] = pod.containers[0].args;
    expect(args.slice(0, 6)).toEqual(['run', '/gauntlet/scenario/scenario.yaml', '--shards', '4', '--start-at', '2027-01-01T00:00:00.000Z']);
    expect(args).toContain('/results/shard-$(JOB_COMPLETION_INDEX)');
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm).toEqual({
      topologyKey: 'kubernetes.io/hostname',
      labelSelector: { matchLabels: { 'app.kubernetes.io/instance': j.metadata.labels['app.kubernetes.io/instance'], 'app.kubernetes.io/component': 'load' } },
    });
    // Two minutes before the start, 4m30s of run, the margin.
    expect(j.spec.activeDeadlineSeconds).toBe(120 + 270 + 300);
    expect(pod.volumes.find((v: Obj) => v.name === 'results').persistentVolumeClaim.claimName).toBe(objs.find((o) => o.kind === 'PersistentVolumeClaim')!.metadata.name);
    expect(objs.find((o) => o.kind === 'PersistentVolumeClaim')!.spec.accessModes).toEqual(['ReadWriteMany']);
  });

  it.each([
    [1, undefined, Math.ceil(6000 / VALID_RPS_PER_CORE)],
    [3, undefined, Math.ceil(2000 / VALID_RPS_PER_CORE)],
    [12, undefined, 1],
    [3, 5, 5],
  ])('sizes %i shards with --cpu-per-shard %s at %i cores each (peak 6000 rps)', async (shards, cpuPerShard, cores) => {
    const j = job(await load({ shards, ...(cpuPerShard !== undefined && { cpuPerShard }) }), '-load');
    expect(j.spec.template.spec.containers[0].resources.requests.cpu).toBe(String(cores));
  });

  it.each([
    // shard peak rps, rate per core, whole cores
    [1, 7000, 1],
    [7000, 7000, 1],
    [7001, 7000, 2],
    [20_000, 7000, 3],
    [6000, 2000, 3],
    [0, 7000, 1],
  ])('a shard peaking at %i rps, %i rps a core, asks for %i cores', (rps, perCore, cores) => {
    expect(coresForRate(rps, perCore)).toBe(cores);
  });

  it('merges after waiting for every shard, then writes the reports', async () => {
    const script: string = job(await load(), '-merge').spec.template.spec.containers[0].command[2];
    expect(script).toMatch(/^n=3;/);
    expect(script).toContain('gauntlet merge /results/shard-* --out /results/merged; code=$?');
    expect(script).toContain('gauntlet report /results/merged --format html --out /results/merged/report.html');
  });

  it('lays the scenario, its target and its data files out under the mount as they lie', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-bundle-'));
    mkdirSync(join(dir, 's', 'data'), { recursive: true });
    mkdirSync(join(dir, 't'));
    writeFileSync(join(dir, 't', 'target.yaml'), readFileSync('examples/k8s/target.yaml'));
    writeFileSync(join(dir, 's', 'data', 'blob.bin'), Buffer.from([0, 1, 2, 255]));
    const scenario = readFileSync('examples/k8s/scenario.yaml', 'utf8').replace('target: target.yaml', 'target: ../t/target.yaml');
    writeFileSync(join(dir, 's', 'scenario.yaml'), scenario);
    const b = bundleFiles(join(dir, 's', 'scenario.yaml'));
    expect(b.scenarioPath).toBe('s/scenario.yaml');
    expect(b.files.map((f) => f.path).sort()).toEqual(['s/scenario.yaml', 't/target.yaml']);
    // Any string of the scenario that names a file beside it is taken (data, traces, prompts: whatever the field).
    // An absolute path is the pod's own file (not bundled).
    writeFileSync(join(dir, 's', 'scenario.yaml'), `${scenario}description: ${join(dir, 's', 'data', 'blob.bin')}\n`);
    expect(bundleFiles(join(dir, 's', 'scenario.yaml')).files.map((f) => f.path).sort()).toEqual(['s/scenario.yaml', 't/target.yaml']);
    writeFileSync(join(dir, 's', 'scenario.yaml'), `${scenario}description: data/blob.bin\n`);
    const withData = bundleFiles(join(dir, 's', 'scenario.yaml'));
    const blob = withData.files.find((f) => f.path === 's/data/blob.bin')!;
    expect(blob).toMatchObject({ key: 's_data_blob.bin', base64: Buffer.from([0, 1, 2, 255]).toString('base64') });
    const cm = (await renderLoad({ ...base, scenario: join(dir, 's', 'scenario.yaml') }, now, 'test')).flatMap((f) => parse(f.text)).find((o) => o.kind === 'ConfigMap')!;
    expect(Object.keys(cm.binaryData)).toEqual(['s_data_blob.bin']);
    expect(() => validateK8s(cm)).not.toThrow();
  });

  it('lists every bad option at once (exit 2)', async () => {
    const err = await renderLoad({ ...base, shards: 0, image: 'Bad Image', namespace: 'Not_A_Label', startAt: 'tomorrow', cpuPerShard: 0.5, resultsSize: 'lots' }, now, 'test').then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(err?.code).toBe('GAUNTLET_ERR_INVALID_ARGUMENT');
    for (const opt of ['--shards', '--image', '--namespace', '--start-at', '--cpu-per-shard', '--results-size']) expect(err?.message).toContain(`${opt}:`);
  });

  it('refuses a scenario whose target is the embedded server (shards must share a target)', async () => {
    await expect(renderLoad({ ...base, scenario: 'scenarios/smoke.yaml' }, now, 'test')).rejects.toThrow(/shards must share one target/);
    const ok = await renderLoad({ ...base, scenario: 'scenarios/smoke.yaml', target: 'examples/k8s/target.yaml' }, now, 'test');
    expect(job(ok.flatMap((f) => parse(f.text)), '-load').spec.template.spec.containers[0].args).toContain('/gauntlet/scenario/examples/k8s/target.yaml');
  });

  it('offers ReadWriteOnce results for one-node clusters (kind)', async () => {
    const pvc = (await load({ resultsAccessMode: 'ReadWriteOnce' })).find((o) => o.kind === 'PersistentVolumeClaim')!;
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
  });

  it('starts --start-in after the render, on a whole second', async () => {
    const j = job(await load({ startAt: undefined, startIn: '90s' }), '-load');
    expect(j.metadata.annotations['gauntlet.dev/start-at']).toBe('2026-12-31T23:59:30.000Z');
  });
});

describe('gauntlet k8s render-stack', () => {
  const objs = stackFiles.flatMap((f) => parse(f.text));
  const find = (kind: string): Obj => objs.find((o) => o.kind === kind)!;

  it('probes the reference server on its KServe v2 health routes and drains before SIGTERM', () => {
    const c = find('Deployment').spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(c.ports.map((p: Obj) => p.containerPort)).toEqual([8000, 8001, 8002]);
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    expect(c.args).toEqual(expect.arrayContaining(['--grace-period', '30', '--host', '0.0.0.0']));
    expect(find('Deployment').spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(5 + 30);
  });

  it('scales on nv_inference_pending_request_count, a Pods metric of the custom metrics API', () => {
    expect(find('HorizontalPodAutoscaler').spec.metrics).toEqual([{ type: 'Pods', pods: { metric: { name: 'nv_inference_pending_request_count' }, target: { type: 'AverageValue', averageValue: '8' } } }]);
    expect(find('ScaledObject').spec.triggers[0]).toMatchObject({ type: 'prometheus', metadata: { threshold: '8' } });
    expect(stackFiles.find((f) => f.text.includes('kind: ScaledObject'))!.path).toBe('alternatives/keda-scaledobject.yaml');
  });

  it('lists every bad option at once', () => {
    expect(() => renderStack({ image: 'x:1', namespace: 'gauntlet', replicas: 3, maxReplicas: 2, pendingPerPod: 0, prometheusUrl: 'prom:9090' }, 'test')).toThrow(/--pending-per-pod[\s\S]*--max-replicas: must be >= --replicas[\s\S]*--prometheus-url/);
  });
});
