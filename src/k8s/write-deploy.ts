/**
 * Writes deploy/k8s/ (the committed manifests) from examples/k8s/ with DEPLOY_RENDER's settings:
 * `npx tsx src/k8s/write-deploy.ts`. test/src/k8s/deploy-files.test.ts checks that they equal a render of today.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RenderedFile, renderLoad, renderStack } from './render.js';

/** DEPLOY_RENDER are the settings of the committed manifests (a fixed start time, so that renders agree). */
export const DEPLOY_RENDER = {
  image: 'gauntlet:0.1.0',
  namespace: 'gauntlet',
  scenario: 'examples/k8s/scenario.yaml',
  shards: 3,
  startAt: '2027-01-01T00:00:00Z',
  /** The render's clock: two minutes before the start, like the default --start-in. */
  now: new Date('2026-12-31T23:58:00Z'),
  stack: { replicas: 2, maxReplicas: 10, pendingPerPod: 8, prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090' },
} as const;

/** renderDeploy renders deploy/k8s/'s files (paths relative to deploy/k8s/), run from the project root. */
export async function renderDeploy(): Promise<RenderedFile[]> {
  const d = DEPLOY_RENDER;
  const load = await renderLoad(
    { scenario: d.scenario, shards: d.shards, image: d.image, namespace: d.namespace, startAt: d.startAt, resultsSize: '1Gi' },
    d.now,
    `gauntlet k8s render ${d.scenario} --shards ${d.shards} --image ${d.image} --namespace ${d.namespace} --start-at ${d.startAt} (src/k8s/write-deploy.ts)`,
  );
  const s = d.stack;
  const stack = renderStack({ image: d.image, namespace: d.namespace, ...s }, `gauntlet k8s render-stack --image ${d.image} --namespace ${d.namespace} --replicas ${s.replicas} --max-replicas ${s.maxReplicas} --pending-per-pod ${s.pendingPerPod}`);
  return [...stack.map((f) => ({ ...f, path: `stack/${f.path}` })), ...load.map((f) => ({ ...f, path: `load/${f.path}` }))];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  process.chdir(root);
  rmSync('deploy/k8s/stack', { recursive: true, force: true });
  rmSync('deploy/k8s/load', { recursive: true, force: true });
  for (const f of await renderDeploy()) {
    const path = join('deploy/k8s', f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.text);
    console.log(`wrote ${path}`);
  }
}
