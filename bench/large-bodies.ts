/**
 * Large JSON bodies benchmark (issue 9, item 5): do health checks keep answering while the server receives
 * several very large JSON infer bodies, and what does it cost in memory?
 *
 * `gauntlet serve` on the bundled mlp (from bench/lib/serve-process.ts) gets BENCH_BODIES (default 6) JSON bodies
 * of BENCH_MB (default 66) MB at once: `data` holds 33 M numbers for a [1, 256] input, so each is a 400 once
 * parsed, as in the issue. Meanwhile `GET /v2/health/ready` runs in a loop, one request at a time, from this
 * process. Two settings: the defaults (the JSON limit, 8 MiB, refuses the bodies from their headers: 413) and
 * `--max-json-body-bytes 67108864` (the bodies are read and parsed, on the parsing threads). The baseline is the
 * health loop of the same server with nothing else to do, measured in the same run; the ratios divide the longest
 * health wait during the bodies by the idle p99. The server's RSS is sampled every 50 ms (/proc).
 * Run: `npm run build && node dist/bench/large-bodies.js` (about a minute).
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { defaultModelRepository, ensureModelRepository } from '../reference-server/models/build.js';
import { startServe, type Served } from './lib/serve-process.js';

const BODIES = Number(process.env['BENCH_BODIES'] ?? 6);
const MB = Number(process.env['BENCH_MB'] ?? 66);
const IDLE_MS = 3000;

/** rssMb is a process's resident memory in MB (0 when it cannot be read). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** request sends one request on a fresh connection and resolves with its status and how long it took (ms). */
function request(port: number, method: string, path: string, body?: Buffer): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

/** healthLoop checks readiness one request at a time until `until` resolves; it returns every check's time. */
async function healthLoop(port: number, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.then(() => (done = true));
  const times: number[] = [];
  while (!done) times.push((await request(port, 'GET', '/v2/health/ready')).ms);
  return times;
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

interface Row {
  setting: string;
  statuses: string;
  idleP99Ms: number;
  longestWaitMs: number;
  rssBeforeMb: number;
  rssPeakMb: number;
}

async function measure(setting: string, served: Served, body: Buffer): Promise<Row> {
  const idle = await healthLoop(served.httpPort, new Promise((r) => setTimeout(r, IDLE_MS)));
  const rssBeforeMb = rssMb(served.pid);
  let rssPeakMb = rssBeforeMb;
  const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb(served.pid))), 50);
  const bodies = Promise.all(Array.from({ length: BODIES }, () => request(served.httpPort, 'POST', '/v2/models/mlp/infer', body)));
  const during = await healthLoop(served.httpPort, bodies);
  clearInterval(sampler);
  const counts = new Map<number, number>();
  for (const r of await bodies) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return {
    setting,
    statuses: [...counts].map(([s, n]) => `${n} × ${s}`).join(', '),
    idleP99Ms: pct(idle, 0.99),
    longestWaitMs: during.reduce((m, x) => Math.max(m, x), 0),
    rssBeforeMb,
    rssPeakMb,
  };
}

async function main(): Promise<void> {
  const repo = defaultModelRepository();
  await ensureModelRepository(repo, { models: ['mlp'], precisions: ['fp32'], log: (l) => console.log(`models: ${l}`) });
  const elements = Math.floor((MB * 1e6) / 2);
  const body = Buffer.from(`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,256],"data":[${'0,'.repeat(elements - 1)}0]}]}`);
  console.log(`large-bodies: ${BODIES} JSON bodies of ${(body.length / 1e6).toFixed(0)} MB (${elements} numbers) at once, health checks in a loop`);
  const rows: Row[] = [];
  for (const [setting, extra] of [
    ['defaults (JSON limit 8 MiB)', []],
    ['--max-json-body-bytes 67108864', ['--max-json-body-bytes', String(64 * 1024 * 1024)]],
  ] as const) {
    const served = await startServe(['--model-repository', repo, '--load-model', 'mlp', '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', ...extra]);
    try {
      rows.push(await measure(setting, served, body));
    } finally {
      await served.stop();
    }
  }
  console.log('\n| setting | statuses | idle health p99 | longest health wait during the bodies | ratio | server RSS before → peak |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.setting} | ${r.statuses} | ${r.idleP99Ms.toFixed(1)} ms | ${r.longestWaitMs.toFixed(0)} ms | ${(r.longestWaitMs / r.idleP99Ms).toFixed(0)}x | ${r.rssBeforeMb.toFixed(0)} → ${r.rssPeakMb.toFixed(0)} MB |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
