/**
 * startFakeKubeApi serves, on loopback, the Kubernetes API calls kubectl makes for the kubernetes fault (discovery,
 * pods by label selector, node get/patch, deployment scale), records each request, and writes a kubeconfig that
 * points kubectl at it. Pods `server-b`, `server-a`, `server-c` exist in every namespace; nodes remember being cordoned; the Deployment
 * `forbidden` answers 403.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** ApiRequest is one request kubectl made. */
export interface ApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body: unknown;
}

/** FakeKubeApi is the running server: its requests, the env that points kubectl at it, and close. */
export interface FakeKubeApi {
  requests: ApiRequest[];
  /** KUBECONFIG (context `fake`) and HOME (kubectl's discovery cache) for the kubectl child. */
  env: Record<string, string>;
  close(): Promise<void>;
}

const PODS = ['server-b', 'server-a', 'server-c'];
const resource = (kind: string, name: string, namespaced: boolean, verbs: string[]): object => ({ name, singularName: '', namespaced, kind, verbs });

function answer(req: IncomingMessage, path: string, body: unknown, cordoned: Set<string>): [number, object] {
  const m = (re: RegExp): RegExpExecArray | null => re.exec(path);
  if (path === '/api') return [200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] }];
  if (path === '/apis') return [200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }] }];
  if (path === '/api/v1') return [200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [resource('Pod', 'pods', true, ['get', 'list', 'delete']), resource('Node', 'nodes', false, ['get', 'list', 'patch'])] }];
  if (path === '/apis/apps/v1') {
    return [200, { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [resource('Deployment', 'deployments', true, ['get', 'list', 'patch']), { name: 'deployments/scale', namespaced: true, kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }] }];
  }
  let g = m(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/);
  if (g && req.method === 'GET') return [200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: PODS.map((name) => ({ kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: g![1] } })) }];
  g = m(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/);
  if (g && req.method === 'DELETE') return [200, { kind: 'Pod', apiVersion: 'v1', metadata: { name: g[2], namespace: g[1] } }];
  g = m(/^\/api\/v1\/nodes\/([^/]+)$/);
  if (g && req.method === 'PATCH') {
    const unschedulable = (body as { spec?: { unschedulable?: boolean | null } } | undefined)?.spec?.unschedulable;
    if (unschedulable) cordoned.add(g[1]!);
    else cordoned.delete(g[1]!);
  }
  if (g) return [200, { kind: 'Node', apiVersion: 'v1', metadata: { name: g[1] }, spec: cordoned.has(g[1]!) ? { unschedulable: true } : {} }];
  g = m(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)(\/scale)?$/);
  if (g && g[2] === 'forbidden') return [403, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'deployments.apps "forbidden" is forbidden: no scaling for you' }];
  if (g) return [200, g[3] ? { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: g[2], namespace: g[1] }, spec: { replicas: 1 } } : { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: g[2], namespace: g[1] }, spec: { replicas: 1 } }];
  return [404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${path} not found` }];
}

/** startFakeKubeApi starts the server on a free loopback port. */
export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const requests: ApiRequest[] = [];
  const cordoned = new Set<string>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      const query = Object.fromEntries(url.searchParams);
      delete query.timeout;
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      requests.push({ method: req.method ?? '', path: url.pathname, query, ...(req.headers['content-type'] && { contentType: req.headers['content-type'] }), body: parsed });
      const [status, body] = answer(req, url.pathname, parsed, cordoned);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const home = mkdtempSync(join(tmpdir(), 'fake-kube-'));
  const kubeconfig = join(home, 'config');
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'fake',
    clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}` } }],
    users: [{ name: 'u', user: {} }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'u' } }],
  }));
  return { requests, env: { KUBECONFIG: kubeconfig, HOME: home }, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
