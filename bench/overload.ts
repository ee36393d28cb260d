/**
 * Overload benchmark (issue 9, item 4): does the reference stack shed load at 5× its capacity, answering every
 * request promptly, 200 or 503, instead of letting requests wait until they time out?
 *
 * For each case (the single server or the router with replicas; a protocol and encoding) it starts
 * `gauntlet serve` on the bundled mlp (its own config: dynamic batching, 2 instances, max_queue_size 256, queue
 * timeout 1 s), measures capacity with a closed loop (128 loops), then offers 5× that rate open-loop for
 * BENCH_SECONDS, with admission control on (the default) and off (`--no-admission`: no admission control; the
 * listen backlog, the gRPC windows and the replicas' lower priority stay), and prints against the goal:
 * - share of requests answered (200 or 503) within the queue timeout + 100 ms (goal >= 99 %);
 * - accepted (200) p99 against the queue timeout (goal <=);
 * - client timeouts (10 s; goal 0) and sends dropped at the client's in-flight limit;
 * - goodput ÷ capacity (goal >= 0.9), and the on/off ratios.
 * The load comes from separate processes (BENCH_LOADERS, default 2, sharing the rate; gauntlet's own clients,
 * up to 512 HTTP connections or 4 HTTP/2 sessions each, client timeout 10 s, at most 4096 requests outstanding in
 * all: a send due beyond that is DROPPED, as gauntlet's max_in_flight does). Latency counts from each request's
 * intended send time. Requests carry 64 rows (BENCH_ROWS) of binary tensors, so that the server's work per
 * request outweighs the load processes' and 5× can be offered from the same two cores: with single-row requests
 * the load processes cost about as much as the server, with 16 rows they fall behind at 5× whenever the machine
 * is quiet, and 16-row JSON bodies (80 KB each) are more than they can write at 5× (the case `server:http-json`
 * is there for larger machines). A run whose load processes fell behind says so.
 * Run: `npm run build && node dist/bench/overload.js` (about 4 minutes; BENCH_SECONDS=N per 5× run, default 10;
 * BENCH_CASES=server:http-json,router:grpc,… to choose; BENCH_REPLICAS, default 2; BENCH_SERVE_ARGS for extra
 * `gauntlet serve` options).
 */
import os from 'node:os';
import { defaultModelRepository, ensureModelRepository } from '../reference-server/models/build.js';
import { type LoopResult, type LoopSpec, runSpread } from './lib/open-loop.js';
import { type Served, startServe } from './lib/serve-process.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const ROWS = Number(process.env['BENCH_ROWS'] ?? 64);
const REPLICAS = Number(process.env['BENCH_REPLICAS'] ?? 2);
const FACTOR = Number(process.env['BENCH_FACTOR'] ?? 5);
/** Loops of the closed loop that measures capacity: enough to keep the router's replicas busy too. */
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 128);
/** Load processes sharing each measurement (one process's single thread cannot send 5× of a fast server). */
const LOADERS = Number(process.env['BENCH_LOADERS'] ?? 2);
const CASES = (process.env['BENCH_CASES'] ?? 'server:http-binary,server:grpc,router:http-binary,router:grpc').split(',');
/** The bundled mlp's queue timeout (default_timeout_microseconds), and the goal's margin on top of it. */
const QUEUE_TIMEOUT_MS = 1000;
const BUDGET_MS = QUEUE_TIMEOUT_MS + 100;
const CLIENT_TIMEOUT_MS = 10_000;
/** The whole benchmark stops (and kills its children) after this long, whatever happens. */
const DEADLINE_MS = 10 * 60_000;

type Encoding = 'http-json' | 'http-binary' | 'grpc';

interface Row {
  name: string;
  capacity: number;
  offered: number;
  on: LoopResult;
  off: LoopResult;
  /** What the stack counted while admission was on: refusals by reason. */
  shed: string;
}

/** shedCounts scrapes the refusals a server (or router) counted, as `reason n` pairs. */
async function shedCounts(served: Served): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${served.metricsPort}/metrics`)).text();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(gauntlet_inference_shed_total|gauntlet_router_shed_total)\{(.*)\} (\d+)$/.exec(line) ?? /^(nv_inference_request_failure)\{(.*reason="REJECTED".*)\} (\d+)$/.exec(line);
    if (!m || m[3] === '0') continue;
    const reason = /reason="([^"]+)"/.exec(m[2]!)?.[1];
    const protocol = /protocol="([^"]+)"/.exec(m[2]!)?.[1];
    if (m[1] === 'nv_inference_request_failure') out.push(`REJECTED (Triton's counter, shed or not) ${m[3]}`);
    else out.push(`${m[1] === 'gauntlet_router_shed_total' ? 'router' : 'server'} ${protocol} ${reason} ${m[3]}`);
  }
  return out.join(', ') || '-';
}

function spec(served: Served, encoding: Encoding): Omit<LoopSpec, 'seconds'> {
  const grpc = encoding === 'grpc';
  return {
    protocol: grpc ? 'kserve-grpc' : 'kserve-http',
    url: grpc ? `127.0.0.1:${served.grpcPort}` : `http://127.0.0.1:${served.httpPort}`,
    binary: encoding !== 'http-json',
    model: 'mlp',
    inputName: 'input',
    width: 256,
    rows: ROWS,
    timeoutMs: CLIENT_TIMEOUT_MS,
    maxInFlight: 4096,
    budgetMs: BUDGET_MS,
  };
}

async function serve(where: string, admission: boolean): Promise<Served> {
  const args = ['--load-model', 'mlp', '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', '--grace-period', '1'];
  if (where === 'router') args.push('--replicas', String(REPLICAS), '--admin-port', '0', '--restart-delay', 'never');
  if (!admission) args.push('--no-admission');
  // BENCH_SERVE_ARGS: extra `gauntlet serve` options for both runs (e.g. to try other limits).
  args.push(...(process.env['BENCH_SERVE_ARGS'] ?? '').split(' ').filter(Boolean));
  return startServe(args);
}

async function runCase(name: string): Promise<Row> {
  const [where, encoding] = name.split(':') as [string, Encoding];
  let served = await serve(where, true);
  let capacity: number;
  let on: LoopResult;
  let shed: string;
  try {
    await runSpread({ ...spec(served, encoding), concurrency: CONCURRENCY, seconds: 2 }, LOADERS); // warm-up
    capacity = (await runSpread({ ...spec(served, encoding), concurrency: CONCURRENCY, seconds: 5 }, LOADERS)).goodputRps;
    on = await runSpread({ ...spec(served, encoding), rps: capacity * FACTOR, seconds: SECONDS }, LOADERS);
    shed = await shedCounts(served);
  } finally {
    await served.stop();
  }
  served = await serve(where, false);
  let off: LoopResult;
  try {
    await runSpread({ ...spec(served, encoding), concurrency: CONCURRENCY, seconds: 2 }, LOADERS); // warm-up
    off = await runSpread({ ...spec(served, encoding), rps: capacity * FACTOR, seconds: SECONDS }, LOADERS);
  } finally {
    await served.stop();
  }
  return { name, capacity, offered: capacity * FACTOR, on, off, shed };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const ms = (us: number): string => (Number.isFinite(us) ? `${(us / 1000).toFixed(0)} ms` : '-');
const rejected = (r: LoopResult): number => (r.byCode['HTTP_503'] ?? 0) + (r.byCode['GRPC_UNAVAILABLE'] ?? 0);

function line(label: string, r: LoopResult, capacity: number): string {
  const other = Object.entries(r.byCode).filter(([c]) => !['OK', 'HTTP_503', 'GRPC_UNAVAILABLE', 'TIMEOUT', 'DROPPED'].includes(c));
  return `| ${label} | ${r.sent} | ${pct(r.promptShare)} | ${ms(r.okP99Us)} | ${ms(r.rejectedP99Us)} | ${pct(rejected(r) / r.sent)} | ${r.byCode['TIMEOUT'] ?? 0} | ${r.byCode['DROPPED'] ?? 0} | ${(r.goodputRps / capacity).toFixed(2)} | ${other.map(([c, n]) => `${c} ${n}`).join(', ') || '-'} | ${r.lateSends} |`;
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error(`overload: stopped after ${DEADLINE_MS / 1000} s`);
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  await ensureModelRepository(defaultModelRepository(), { models: ['mlp'], precisions: ['fp32'], log: (l) => console.log(`models: ${l}`) });
  console.log(`overload: ${os.availableParallelism()} cores, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; mlp, ${ROWS} rows per request, ${FACTOR}× capacity for ${SECONDS} s from ${LOADERS} load processes, router with ${REPLICAS} replicas`);
  const rows: Row[] = [];
  for (const name of CASES) {
    const row = await runCase(name.trim());
    rows.push(row);
    console.log(`${row.name}: capacity ${row.capacity.toFixed(0)}/s, offered ${row.offered.toFixed(0)}/s`);
  }
  console.log(`\nGoal: answered (200 or 503) within ${BUDGET_MS} ms >= 99 %; accepted p99 <= ${QUEUE_TIMEOUT_MS} ms; 0 client timeouts; goodput ÷ capacity >= 0.9.`);
  console.log('(sent: requests due in the open loop; dropped: due while the client had 4096 outstanding; late sends: the load process fell over 5 ms behind)\n');
  console.log('| case, admission | sent | answered in time | accepted p99 | 503 p99 | 503 share | timeouts | dropped | goodput ÷ capacity | other | late sends |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(line(`${r.name} (capacity ${r.capacity.toFixed(0)}/s, offered ${r.offered.toFixed(0)}/s), on`, r.on, r.capacity));
    console.log(line(`${r.name}, off (--no-admission)`, r.off, r.capacity));
  }
  console.log('\n| case | answered in time, on ÷ off | goodput, on ÷ off | goal met (on) | refusals counted (on, whole run) |\n|---|---|---|---|---|');
  for (const r of rows) {
    const met = r.on.promptShare >= 0.99 && r.on.okP99Us <= QUEUE_TIMEOUT_MS * 1000 && (r.on.byCode['TIMEOUT'] ?? 0) === 0 && r.on.goodputRps >= 0.9 * r.capacity;
    console.log(`| ${r.name} | ${(r.on.promptShare / r.off.promptShare).toFixed(2)}x | ${(r.on.goodputRps / r.off.goodputRps).toFixed(2)}x | ${met ? 'yes' : 'no'} | ${r.shed} |`);
  }
  for (const r of rows) {
    for (const [label, x] of [['on', r.on], ['off', r.off]] as const) {
      if (x.lateSends > 0.01 * x.sent) console.log(`note: ${r.name} ${label}: ${pct(x.lateSends / x.sent)} of the sends left over 5 ms late: the load processes could not keep up, so less than ${FACTOR}× was offered on time`);
    }
  }
  console.log(`\nload average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
