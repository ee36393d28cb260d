import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { executeFault, type FaultEnv } from '../../../src/faults/actions.js';
import { GauntletError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import type { FaultPlan } from '../../../src/scenario/plan.js';
import { type FakeKubeApi, startFakeKubeApi } from './fake-kube-api.js';

const KUBECTL = '/usr/bin/kubectl';
const scenario = (faults: string): string =>
  `name: k\npeak_rps: 10\ntarget: targets/reference-http.yaml\nrequest: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 256]}]}\nphases: [{name: a, duration: 60s, rate: 1x}]\nfaults:\n${faults}`;
const plansOf = (faults: string): FaultPlan[] => parseScenario(scenario(faults), { file: 'k.yaml', baseDir: process.cwd() }).faults;
const planOf = (fault: string): FaultPlan => plansOf(`  - ${fault}\n`)[0]!;

function problemsOf(faults: string): string[] {
  try {
    plansOf(faults);
  } catch (err) {
    if (err instanceof GauntletError && err.code === 'GAUNTLET_ERR_INVALID_CONFIG') return err.details;
    throw err;
  }
  throw new Error('expected problems');
}

describe.skipIf(!existsSync(KUBECTL))('kubernetes fault through the real kubectl against a loopback API server', () => {
  let api: FakeKubeApi;
  let env: FaultEnv;
  beforeAll(async () => {
    api = await startFakeKubeApi();
  });
  afterAll(() => api.close());
  beforeEach(() => {
    api.requests.length = 0;
    env = { cwd: process.cwd(), env: api.env, signal: new AbortController().signal, cancel: new AbortController().signal };
  });
  const calls = (): string[] => api.requests.filter((r) => !/^\/(api|apis|version)(\/[^/]+){0,2}$/.test(r.path) || r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

  it('delete-pod with a count deletes the first pods by name that match the selector', async () => {
    const step = await executeFault(planOf(`{at: 1s, action: kubernetes, op: delete-pod, selector: "app.kubernetes.io/component=server", count: 2, namespace: ns1, context: fake, kubectl: ${KUBECTL}}`), env);
    expect(step.outcome).toBe('ok');
    const list = api.requests.find((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/ns1/pods')!;
    expect(list.query).toMatchObject({ labelSelector: 'app.kubernetes.io/component=server', fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' });
    expect(calls().filter((c) => c.startsWith('DELETE'))).toEqual(['DELETE /api/v1/namespaces/ns1/pods/server-a', 'DELETE /api/v1/namespaces/ns1/pods/server-b']);
    expect(step.detail).toMatch(/^\/usr\/bin\/kubectl --context=fake --namespace=ns1 --request-timeout=30s delete pod\/server-a pod\/server-b --wait=false: exit 0: pod "server-b" deleted$/);
    expect(step.exitCode).toBe(0);
  });

  it('delete-pod count: all deletes every matching pod', async () => {
    const step = await executeFault(planOf(`{at: 1s, action: kubernetes, op: delete-pod, selector: app=server, count: all, namespace: ns2, kubectl: ${KUBECTL}}`), env);
    expect(step.outcome).toBe('ok');
    expect(api.requests.find((r) => r.path === '/api/v1/namespaces/ns2/pods')!.query.labelSelector).toBe('app=server');
    expect(calls().filter((c) => c.startsWith('DELETE')).sort()).toEqual(['server-a', 'server-b', 'server-c'].map((p) => `DELETE /api/v1/namespaces/ns2/pods/${p}`));
  });

  it('cordon-node patches the node unschedulable, and a timed one uncordons it at its end', async () => {
    const effect = await executeFault(planOf(`{at: 1s, duration: 5s, action: kubernetes, op: cordon-node, node: worker-1, kubectl: ${KUBECTL}}`), env);
    expect(effect.outcome).toBe('ok');
    const patches = (): unknown[] => api.requests.filter((r) => r.method === 'PATCH' && r.path === '/api/v1/nodes/worker-1').map((r) => r.body);
    expect(patches()).toEqual([{ spec: { unschedulable: true } }]);
    expect(api.requests.find((r) => r.method === 'PATCH')!.contentType).toBe('application/strategic-merge-patch+json');
    const back = await effect.undo!();
    expect(back.outcome).toBe('ok');
    expect(back.detail).toContain('uncordon worker-1');
    expect(patches()).toEqual([{ spec: { unschedulable: true } }, { spec: { unschedulable: null } }]);
  });

  it('scale patches the Deployment\'s scale subresource', async () => {
    const step = await executeFault(planOf(`{at: 1s, action: kubernetes, op: scale, deployment: gauntlet-reference, replicas: 5, namespace: gauntlet, kubectl: ${KUBECTL}}`), env);
    expect(step.outcome).toBe('ok');
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe('/apis/apps/v1/namespaces/gauntlet/deployments/gauntlet-reference/scale');
    expect(patch.body).toEqual({ spec: { replicas: 5 } });
  });

  it('records the API\'s refusal as a failed step with kubectl\'s exit and message', async () => {
    const step = await executeFault(planOf(`{at: 1s, action: kubernetes, op: scale, deployment: forbidden, replicas: 0, namespace: ns1, kubectl: ${KUBECTL}}`), env);
    expect(step.outcome).toBe('failed');
    expect(step.exitCode).toBe(1);
    expect(step.detail).toMatch(/exit 1: .*no scaling for you/);
  });

  it('passes no field through a shell: a context full of shell syntax is one argument kubectl does not know', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-noshell-'));
    const marker = join(dir, 'pwned');
    const step = await executeFault(planOf(`{at: 1s, action: kubernetes, op: cordon-node, node: worker-1, context: "x; touch ${marker}; $(touch ${marker})", kubectl: ${KUBECTL}}`), env);
    expect(step.outcome).toBe('failed');
    expect(step.detail).toContain(`"--context=x; touch ${marker}; $(touch ${marker})"`);
    expect(existsSync(marker)).toBe(false);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });
});

describe('kubernetes fault outcomes without kubectl', () => {
  const env: FaultEnv = { cwd: process.cwd(), env: {}, signal: new AbortController().signal, cancel: new AbortController().signal };
  it('a kubectl that cannot start is a failed step, not an exception', async () => {
    const step = await executeFault(planOf('{at: 1s, action: kubernetes, op: scale, deployment: web, replicas: 1, kubectl: /nonexistent/kubectl}'), env);
    expect(step.outcome).toBe('failed');
    expect(step.detail).toMatch(/^\/nonexistent\/kubectl --request-timeout=30s scale deployment\/web --replicas=1: could not start: .*ENOENT/);
  });

  it('a kubectl that outlives the fault\'s timeout is killed and recorded as a timeout', async () => {
    // A stand-in for a kubectl whose API server never answers: it ignores its arguments and sleeps.
    const slow = join(mkdtempSync(join(tmpdir(), 'k8s-slow-')), 'kubectl');
    writeFileSync(slow, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    const started = performance.now();
    const step = await executeFault(planOf(`{at: 1s, action: kubernetes, op: cordon-node, node: n1, timeout: 0.3s, kubectl: ${slow}}`), env);
    expect(step.outcome).toBe('timeout');
    expect(step.detail).toMatch(/cordon n1: no answer within \S+: killed$/);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('kubernetes fault validation', () => {
  it('lists every problem with its path', () => {
    const problems = problemsOf(
      [
        '  - {at: 1s, action: kubernetes}',
        '  - {at: 1s, action: kubernetes, op: delete-pod, selector: "$(reboot)", count: some}',
        '  - {at: 1s, action: kubernetes, op: scale, deployment: Web_1, replicas: -1, node: n1}',
        '  - {at: 1s, duration: 5s, action: kubernetes, op: delete-pod, selector: app=x, namespace: "Not A Label", context: "--kubeconfig=/etc/x"}',
        '  - {at: 1s, action: kubernetes, op: restart, timeout: 0s}',
        '  - {at: 1s, action: kubernetes, op: cordon-node, latency_ms: 5}',
      ].join('\n') + '\n',
    ).join('\n');
    for (const want of [
      /faults\[0\]\.op: is required \(one of delete-pod, cordon-node, scale\)/,
      /faults\[1\]\.selector: must be a label selector/,
      /faults\[1\]\.count: must be a whole number or all, got "some"/,
      /faults\[2\]\.deployment: must be a Deployment name/,
      /faults\[2\]\.replicas: must be >= 0/,
      /faults\[2\]\.node: is a field of op cordon-node, not of scale/,
      /faults\[3\]\.duration: only cordon-node lasts/,
      /faults\[3\]\.namespace: must be a DNS label/,
      /faults\[3\]\.context: must not start with -/,
      /faults\[4\]\.op: must be one of delete-pod, cordon-node, scale, got "restart"/,
      /faults\[4\]\.timeout: must be > 0/,
      /faults\[5\]\.latency_ms: is a parameter of network faults, not of kubernetes/,
      /faults\[5\]\.node: is required/,
    ]) expect(problems).toMatch(want);
  });

  it('reads defaults: count 1, kubectl on PATH, a 30 s timeout, the kubeconfig\'s namespace and context', () => {
    expect(planOf('{at: 2s, action: kubernetes, op: delete-pod, selector: app=x}')).toEqual({ atS: 2, action: 'kubernetes', params: { op: 'delete-pod', selector: 'app=x', count: 1, kubectl: 'kubectl', timeoutS: 30 } });
  });
});
