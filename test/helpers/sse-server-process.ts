/**
 * The scheduled SSE test server (sse-server.ts) in a child process of its own, so that what the test process's
 * main thread does (a run's aggregation and results writing) cannot delay the server's reads and writes: its
 * records are then the truth the client's figures are held to. The child answers every request with one plan,
 * can be told to stall, reports what it served, and exits with its parent.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Served, SsePlan } from './sse-server.js';

/** SseProcess is a started server in a child process. */
export interface SseProcess {
  url: string;
  /** stall holds every stream's writes for `ms` once the server has received `afterRequests` requests in all. */
  served(): Promise<Served[]>;
  close(): Promise<void>;
}

type FromChild = { kind: 'ready'; url: string } | { kind: 'served'; served: Served[] };

/** startSseProcess starts the server with one plan for every request; `stallAt` stalls it for ms after n requests. */
export async function startSseProcess(plan: SsePlan, stallAt?: { requests: number; ms: number }): Promise<SseProcess> {
  const self = fileURLToPath(import.meta.url);
  const child: ChildProcess = fork(self, [JSON.stringify({ plan, stallAt })], { execArgv: self.endsWith('.ts') ? ['--import', 'tsx'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (kind: FromChild['kind']): Promise<FromChild> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: FromChild): void => {
        if (m.kind !== kind) return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`sse server process exited (${code})`)));
    });
  const ready = (await next('ready')) as Extract<FromChild, { kind: 'ready' }>;
  return {
    url: ready.url,
    served: async () => {
      const got = next('served');
      child.send('served');
      return ((await got) as Extract<FromChild, { kind: 'served' }>).served;
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill();
      await gone;
    },
  };
}

if (process.send && process.argv[2]) {
  const { plan, stallAt } = JSON.parse(process.argv[2]) as { plan: SsePlan; stallAt?: { requests: number; ms: number } };
  const { startSseServer } = await import('./sse-server.js');
  // A test that dies must not leave its server behind.
  process.on('disconnect', () => process.exit(0));
  let n = 0;
  const server = await startSseServer(() => {
    if (stallAt && ++n === stallAt.requests) server.stall(stallAt.ms);
    return plan;
  });
  process.on('message', (m) => {
    if (m === 'served') process.send!({ kind: 'served', served: server.served });
  });
  process.send({ kind: 'ready', url: server.url });
}
