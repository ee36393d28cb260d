/**
 * The fault scheduler and actions against a fake admin API that follows docs/cluster.md (on port 0), a fake
 * proxy control, and real commands: faults fire at their times, timed faults are undone, outcomes and details
 * are recorded (failures as data), cold starts are collected, and faults not yet due are skipped at the end.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdminClient, type Replica } from '../../../src/faults/admin-client.js';
import type { ProxyControl } from '../../../src/faults/proxy-thread.js';
import { FaultScheduler } from '../../../src/faults/scheduler.js';
import type { ProxyDelay } from '../../../src/faults/tcp-proxy.js';
import type { FaultPlan } from '../../../src/scenario/plan.js';

const TOKEN = 'test-token-0123456789abcdef';
const COLD = { spawnToLoadedMs: 800, loadedToReadyMs: 150, totalMs: 950 };

/** FakeStack is the admin API's state: three replicas, r1 chosen by `any`. */
class FakeStack {
  replicas: Replica[] = [];
  requests: string[] = [];
  reset(): void {
    this.requests = [];
    this.replicas = ['r0', 'r1', 'r2'].map((id, i) => ({ id, state: 'ready', pid: 1000 + i, restarts: 0, coldStartMs: COLD, downSince: null }));
  }
  /** supervisorRestart brings a replica back as the supervisor would, with a new cold start. */
  supervisorRestart(id: string, cold = COLD): void {
    const r = this.replicas.find((x) => x.id === id)!;
    Object.assign(r, { state: 'ready', restarts: r.restarts + 1, pid: 2000 + Number(id.slice(1)), downSince: null, coldStartMs: cold });
  }
}

const stack = new FakeStack();
const server = http.createServer((req, res) => {
  const send = (status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  stack.requests.push(`${req.method} ${req.url}`);
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: 'missing or wrong token' });
  if (req.method === 'GET' && req.url === '/admin/replicas') return send(200, { replicas: stack.replicas });
  const m = /^\/admin\/replicas\/([^/]+)\/(kill|stop|restore)$/.exec(req.url ?? '');
  if (req.method !== 'POST' || !m) return send(404, { error: 'no such route' });
  const [, id, action] = m;
  const down = (r: Replica): boolean => r.state === 'dead' || r.state === 'stopped';
  const r = id === 'any' ? (action === 'restore' ? stack.replicas.find(down) : stack.replicas.find((x) => x.id === 'r1' && x.state === 'ready')) : stack.replicas.find((x) => x.id === id);
  if (!r) return send(id === 'any' ? 409 : 404, { error: id === 'any' ? (action === 'restore' ? 'no replica is down' : 'no replica is ready') : `no replica ${id}` });
  if (action === 'restore') {
    if (!down(r)) return send(409, { error: `${r.id} is ${r.state}` });
    stack.supervisorRestart(r.id);
    return send(200, { replica: r });
  }
  if (down(r)) return send(409, { error: `${r.id} is ${r.state}` });
  Object.assign(r, { state: action === 'kill' ? 'dead' : 'stopped', pid: null, downSince: new Date().toISOString() });
  return send(200, { replica: r });
});

let admin: AdminClient;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  admin = new AdminClient({ host: '127.0.0.1', port, token: TOKEN });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => stack.reset());

/** FakeProxy records the delays it is given. */
class FakeProxy implements ProxyControl {
  readonly delays: (ProxyDelay | null)[] = [];
  async setDelay(delay: ProxyDelay | null): Promise<void> {
    this.delays.push(delay);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function schedule(faults: FaultPlan[], o: { admin?: AdminClient; proxy?: ProxyControl } = {}): { scheduler: FaultScheduler; lines: string[] } {
  const lines: string[] = [];
  const scheduler = new FaultScheduler(faults, { ...o, cwd: process.cwd(), env: { GAUNTLET_TARGET_URL: 'http://127.0.0.1:1' } }, (l) => lines.push(l));
  scheduler.start(Date.now());
  return { scheduler, lines };
}

describe('FaultScheduler', () => {
  it('kills a replica, restores it, and gives the kill the replacement\'s cold start', async () => {
    const { scheduler, lines } = schedule(
      [
        { atS: 0.1, action: 'kill-replica', params: { replica: 'any' } },
        { atS: 0.3, action: 'restore-replica', params: { replica: 'any' } },
      ],
      { admin },
    );
    expect(scheduler.records.map((r) => r.outcome)).toEqual(['pending', 'pending']);
    await sleep(600);
    await scheduler.finish();
    await scheduler.collectColdStarts();
    const [kill, restore] = scheduler.records;
    expect(kill).toMatchObject({ index: 0, action: 'kill-replica', params: { replica: 'any' }, atS: 0.1, outcome: 'ok', detail: 'killed r1', replica: 'r1', coldStartMs: 950, coldStart: COLD });
    expect(restore).toMatchObject({ outcome: 'ok', replica: 'r1', coldStartMs: 950, detail: 'restored r1 (pid 2001), ready after a 0.95 s cold start' });
    expect(kill!.startedAtS).toBeGreaterThanOrEqual(0.1);
    expect(kill!.startedAtS).toBeLessThan(0.25);
    expect(restore!.startedAtS).toBeGreaterThanOrEqual(0.3);
    expect(kill!.endedAtS).toBeGreaterThanOrEqual(kill!.startedAtS!);
    expect(stack.requests).toEqual(['POST /admin/replicas/any/kill', 'POST /admin/replicas/any/restore']);
    expect(lines).toEqual(['fault 1 (kill-replica any) at 0.1 s: ok, killed r1', 'fault 2 (restore-replica any) at 0.3 s: ok, restored r1 (pid 2001), ready after a 0.95 s cold start']);
  });

  it('undoes a timed kill after its duration by restoring that replica', async () => {
    const { scheduler } = schedule([{ atS: 0, durationS: 0.3, action: 'kill-replica', params: { replica: 'r2' } }], { admin });
    await sleep(100);
    expect(scheduler.records[0]!.outcome).toBe('running');
    await sleep(400);
    await scheduler.finish();
    const [kill] = scheduler.records;
    expect(kill).toMatchObject({ outcome: 'ok', replica: 'r2', coldStartMs: 950, detail: 'killed r2; then restored r2 (pid 2002), ready after a 0.95 s cold start' });
    expect(kill!.endedAtS! - kill!.startedAtS!).toBeGreaterThanOrEqual(0.29);
    expect(stack.requests).toEqual(['POST /admin/replicas/r2/kill', 'POST /admin/replicas/r2/restore']);
  });

  it('records refusals and errors as outcomes: nothing to restore is skipped, a wrong token failed, no admin API failed', async () => {
    const wrong = new AdminClient({ ...admin.endpoint, token: 'wrong' });
    const { scheduler } = schedule([{ atS: 0, action: 'restore-replica', params: { replica: 'any' } }], { admin });
    const { scheduler: denied } = schedule([{ atS: 0, action: 'kill-replica', params: { replica: 'r0' } }], { admin: wrong });
    const { scheduler: none } = schedule([{ atS: 0, action: 'stop-replica', params: { replica: 'r0' } }]);
    await sleep(200);
    await Promise.all([scheduler.finish(), denied.finish(), none.finish()]);
    expect(scheduler.records[0]).toMatchObject({ outcome: 'skipped', detail: 'nothing to restore: no replica is down' });
    expect(denied.records[0]).toMatchObject({ outcome: 'failed', detail: 'kill r0: HTTP 401: missing or wrong token' });
    expect(none.records[0]).toMatchObject({ outcome: 'failed', detail: 'no admin API: replica faults need the replicated embedded stack' });
    expect(stack.replicas.every((r) => r.state === 'ready')).toBe(true);
  });

  it('takes the cold start of a supervisor restart from the replica list after the run', async () => {
    const { scheduler } = schedule([{ atS: 0, action: 'kill-replica', params: { replica: 'r0' } }], { admin });
    await sleep(100);
    stack.supervisorRestart('r0', { spawnToLoadedMs: 1000, loadedToReadyMs: 234, totalMs: 1234 });
    await scheduler.finish();
    await scheduler.collectColdStarts();
    expect(scheduler.records[0]).toMatchObject({ outcome: 'ok', replica: 'r0', coldStartMs: 1234 });
    // A replica that was never restarted has no replacement to time.
    const { scheduler: again } = schedule([{ atS: 0, action: 'kill-replica', params: { replica: 'r2' } }], { admin });
    await sleep(100);
    await again.finish();
    await again.collectColdStarts();
    expect(again.records[0]!.coldStartMs).toBeUndefined();
  });

  it('sets and lifts network delays through the proxy, and fails a network fault without one', async () => {
    const proxy = new FakeProxy();
    const { scheduler } = schedule([{ atS: 0.05, durationS: 0.2, action: 'network', params: { latencyMs: 50, jitterMs: 10 } }], { proxy });
    const { scheduler: bare } = schedule([{ atS: 0, durationS: 0.1, action: 'network', params: { latencyMs: 50, jitterMs: 0 } }]);
    await sleep(400);
    await Promise.all([scheduler.finish(), bare.finish()]);
    expect(proxy.delays).toEqual([{ latencyMs: 50, jitterMs: 10 }, null]);
    expect(scheduler.records[0]).toMatchObject({ outcome: 'ok', detail: 'proxy delays every chunk by 50 ms ± 10 ms; then delay lifted' });
    expect(scheduler.records[0]!.endedAtS! - scheduler.records[0]!.startedAtS!).toBeGreaterThanOrEqual(0.19);
    expect(bare.records[0]).toMatchObject({ outcome: 'failed', detail: 'no proxy in front of the target' });
  });

  it('runs commands with the run\'s environment, records exit codes, and kills one past its timeout', async () => {
    const { scheduler } = schedule([
      { atS: 0, action: 'command', params: { run: 'echo "target $GAUNTLET_TARGET_URL"', timeoutS: 10 } },
      { atS: 0, action: 'command', params: { run: 'echo broken >&2; exit 2', timeoutS: 10 } },
      { atS: 0, action: 'command', params: { run: 'sleep 30', timeoutS: 0.3 } },
    ]);
    await sleep(700);
    await scheduler.finish();
    const [ok, failed, slow] = scheduler.records;
    expect(ok).toMatchObject({ outcome: 'ok', exitCode: 0, output: ['target http://127.0.0.1:1'], detail: expect.stringMatching(/^exit 0 after \d+\.\d s$/) });
    expect(failed).toMatchObject({ outcome: 'failed', exitCode: 2, output: ['broken'], detail: expect.stringMatching(/^exit 2 after \d+\.\d s: broken$/) });
    expect(slow).toMatchObject({ outcome: 'timeout', exitCode: null, signal: 'SIGTERM', detail: 'ran past its 300ms timeout: process group killed' });
  });

  it('at the end of the run: skips faults not yet due, undoes timed faults in effect, ends running commands', async () => {
    const proxy = new FakeProxy();
    const { scheduler } = schedule(
      [
        { atS: 0, durationS: 60, action: 'network', params: { latencyMs: 5, jitterMs: 0 } },
        { atS: 0, action: 'command', params: { run: 'sleep 30', timeoutS: 60 } },
        { atS: 60, action: 'restore-replica', params: { replica: 'any' } },
      ],
      { proxy },
    );
    await sleep(200);
    const started = Date.now();
    await scheduler.finish();
    expect(Date.now() - started).toBeLessThan(5000);
    const [net, cmd, later] = scheduler.records;
    expect(net).toMatchObject({ outcome: 'ok', detail: expect.stringContaining('then delay lifted') });
    expect(proxy.delays.at(-1)).toBeNull();
    expect(cmd).toMatchObject({ outcome: 'timeout', detail: 'still running when the run ended: process group killed' });
    expect(later).toMatchObject({ outcome: 'skipped', startedAtS: null, endedAtS: null, detail: 'the run ended before it was due' });
  });
});
