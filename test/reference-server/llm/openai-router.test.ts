/**
 * The cluster's HTTP router in front of an LLM replica (an in-process reference server on the test engine,
 * scheduler-test-engine.ts): a token stream longer than the router's attempt timeout gets through whole (the
 * timeout bounds only its start), and a stream cut by the replica mid-way is cut for the client, not retried.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalancer } from '../../../reference-server/cluster/balancer.js';
import type { HealthChecker } from '../../../reference-server/cluster/health.js';
import { RetryBudget } from '../../../reference-server/cluster/retry-budget.js';
import { type HttpRouter, startHttpRouter } from '../../../reference-server/cluster/router-http.js';
import type { RouterMetrics } from '../../../reference-server/cluster/router-metrics.js';
import { Routing } from '../../../reference-server/cluster/routing.js';
import type { ReplicaProcess } from '../../../reference-server/cluster/replica-process.js';
import { Replica, type Supervisor } from '../../../reference-server/cluster/supervisor.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { testFactory } from './scheduler-test-engine.js';

const ATTEMPT_MS = 200;
let server: TestServer;
let router: HttpRouter;
let routing: Routing;
const codes: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ 'test-llm': { name: 'test-llm', backend: 'llm' } }, { llmFactory: testFactory({ fixedMs: 3 }) });
  ({ router, routing } = await startRouter(server.httpPort));
});
afterAll(async () => {
  await router?.close(0);
  routing?.close();
  await server?.close(0);
});

/** startRouter puts a router with the test settings in front of one replica listening on `port`. */
async function startRouter(port: number): Promise<{ router: HttpRouter; routing: Routing }> {
  const replica = new Replica('r0');
  replica.state = 'ready';
  replica.process = { ports: { httpPort: port } } as unknown as ReplicaProcess;
  const metrics = { countRequest: (_r: unknown, _p: unknown, code: string) => codes.push(code), countRetry() {}, countBudgetExhausted() {}, countShed() {} } as unknown as RouterMetrics;
  const health = { connectionFailed() {} } as unknown as HealthChecker;
  const routing = new Routing({ replicas: [replica] } as unknown as Supervisor, createBalancer('round-robin'), new RetryBudget(), health, metrics, { maxRetries: 1, attemptTimeoutMs: ATTEMPT_MS });
  return { routing, router: await startHttpRouter(routing, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20 }) };
}

/** stream posts a streaming completion through the router and collects the SSE text and how it ended. */
function stream(port: number, body: object): Promise<{ status: number; text: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/completions', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, complete: true }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, text, complete: false }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, text, complete: false }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('the router in front of an LLM replica', () => {
  it('passes a token stream longer than the attempt timeout through whole', async () => {
    const started = performance.now();
    const r = await stream(router.port, { model: 'test-llm', prompt: 't1', max_tokens: 100, ignore_eos: true, stream: true });
    expect(performance.now() - started).toBeGreaterThan(ATTEMPT_MS);
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
    expect(r.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(r.text.match(/"finish_reason":"length"/g)).toHaveLength(1);
    expect(codes.at(-1)).toBe('200');
  });

  it('cuts the client\'s stream when the replica dies mid-stream, and does not retry it', async () => {
    let hits = 0;
    // A replica that sends its role chunk and one token, then dies.
    const dying = http.createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"index":0,"text":" t2","finish_reason":null}]}\n\n', () => setTimeout(() => res.socket?.destroy(), 20));
    });
    await new Promise<void>((r) => dying.listen(0, '127.0.0.1', r));
    const cut = await startRouter((dying.address() as { port: number }).port);
    try {
      const r = await stream(cut.router.port, { model: 'test-llm', prompt: 't1', stream: true });
      expect(r.status).toBe(200);
      expect(r.text).toContain('t2');
      expect(r.text).not.toContain('[DONE]');
      expect(r.complete).toBe(false);
      expect(hits).toBe(1);
      expect(codes.at(-1)).toBe('reset');
    } finally {
      await cut.router.close(0);
      cut.routing.close();
      dying.closeAllConnections();
      await new Promise((r) => dying.close(r));
    }
  });
});
