/**
 * A model load keeps the versions it does not change: loading v2 beside v1 starts sessions for v2 only (v1's
 * instances, and so its statistics, carry on), narrowing the version policy keeps v2 and retires v1 after its
 * requests, a changed model file is loaded anew, and requests sent during each load all succeed.
 */
import { utimesSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, infer, inferBody, inputRows, json, startTestServer, type TestServer } from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

let server: TestServer;
const lines: string[] = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const base = (policy: Record<string, unknown>) => tinyMlpConfig('tiny', { version_policy: policy });
const load = (policy: Record<string, unknown>) =>
  httpRequest(server.httpPort, { method: 'POST', path: '/v2/repository/models/tiny/load', body: { parameters: { config: JSON.stringify(base(policy)) } } });
const count = async (version: string): Promise<number> =>
  json(await httpRequest(server.httpPort, { path: `/v2/models/tiny/versions/${version}/stats` }))['model_stats'][0]['inference_count'];
const linesSince = (from: number, version: string) => lines.slice(from).filter((l) => l.startsWith(`model tiny version ${version}:`));

/** duringLoad runs `work` while 4 clients send requests one after another (at most 2000 in all); it returns their statuses. */
async function duringLoad<T>(work: () => Promise<T>): Promise<{ result: T; statuses: number[] }> {
  const statuses: number[] = [];
  let done = false;
  const client = async (seed: number) => {
    for (let i = 0; !done && statuses.length < 2000; i++) {
      const r = await httpRequest(server.httpPort, { path: '/v2/models/tiny/infer', body: inferBody(inputRows(seed + i)), agent });
      statuses.push(r.status);
    }
  };
  const clients = [1, 2, 3, 4].map((k) => client(k * 1000));
  const result = await work().finally(() => (done = true));
  await Promise.all(clients);
  return { result, statuses };
}

beforeAll(async () => {
  server = await startTestServer({ tiny: base({ specific: { versions: [1] } }) }, { modelControl: 'explicit', models: ['tiny'], versions: [1, 2], log: (l) => lines.push(l) });
});
afterAll(async () => {
  agent.destroy();
  await server?.close(1000);
});

describe('a load keeps the versions it does not change', () => {
  it('loads v2 beside v1 with sessions for v2 only, and no request fails meanwhile', async () => {
    for (let i = 0; i < 5; i++) await infer(server.httpPort, 'tiny', inputRows(i));
    const v1Before = await count('1');
    const from = lines.length;
    const { result, statuses } = await duringLoad(() => load({ specific: { versions: [1, 2] } }));
    expect(result.status, result.body.toString()).toBe(200);
    expect(linesSince(from, '1')).toEqual([expect.stringMatching(/kept \(model file and config unchanged/)]);
    expect(linesSince(from, '2')).toEqual([expect.stringMatching(/: ready \(1 instance/)]);
    // v1's instances serve on: its counts were not reset by the load (a rebuilt v1 would count from 0).
    expect(v1Before).toBeGreaterThanOrEqual(5);
    expect(await count('1')).toBeGreaterThanOrEqual(v1Before);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const cfg = json(await httpRequest(server.httpPort, { path: '/v2/models/tiny/versions/1/config' }));
    expect(cfg['version_policy']).toEqual({ specific: { versions: [1, 2] } });
  });

  it('narrows the policy to latest 1: v2 is kept, v1 retires, and no request fails', async () => {
    await infer(server.httpPort, 'tiny', inputRows(9));
    const v2Before = await count('2');
    expect(v2Before).toBeGreaterThan(0);
    const from = lines.length;
    const { result, statuses } = await duringLoad(() => load({ latest: { num_versions: 1 } }));
    expect(result.status, result.body.toString()).toBe(200);
    expect(linesSince(from, '2')).toEqual([expect.stringMatching(/kept/)]);
    expect(linesSince(from, '1')).toEqual([]);
    expect(await count('2')).toBeGreaterThanOrEqual(v2Before + statuses.length);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect((await httpRequest(server.httpPort, { path: '/v2/models/tiny/versions/1/ready' })).status).not.toBe(200);
  });

  it('loads a version anew when its model file changed, and its counts start again', async () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(server.repo, 'tiny', '2', 'model.onnx'), later, later);
    const from = lines.length;
    expect((await load({ latest: { num_versions: 1 } })).status).toBe(200);
    expect(linesSince(from, '2')).toEqual([expect.stringMatching(/: ready \(1 instance/)]);
    expect(await count('2')).toBe(0);
  });
});
