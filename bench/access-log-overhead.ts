/**
 * What `gauntlet serve --access-log` costs: two `gauntlet serve` processes on the bundled mlp (fp32, its dynamic
 * batching), one with the access log and one without, measured in turns (interleaved rounds, because this machine
 * is noisy) by a closed-loop load process over HTTP-binary and gRPC. Prints each one's throughput, the ratio
 * with/without (target >= 0.95) overall and as the median of the rounds' back-to-back pairs, and the server's CPU
 * time per request, all threads and the main thread's alone (where the log's work is done; less sensitive to the
 * machine's other load than throughput); then checks that the log holds one line per request sent and dropped none.
 * Run: `npm run build && node dist/bench/access-log-overhead.js` (BENCH_SECONDS=N per measurement, BENCH_ROUNDS=N,
 * BENCH_CONCURRENCY=N, BENCH_PROTOCOLS=grpc; BENCH_AA=1 runs both servers without the log, to see what two identical servers differ by).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exitWithParent } from '../reference-server/core/parent-watch.js';
import os from 'node:os';
import path from 'node:path';
import { defaultModelRepository, ensureModelRepository } from '../reference-server/models/build.js';
import { processCpuSeconds } from '../src/util/proc-stat.js';
import { type LoadSpec, runClosedLoop } from './lib/closed-loop.js';
import { delayedMlpRepository } from './lib/delayed-models.js';
import { type Served, startServe } from './lib/serve-process.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 6);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
const PROTOCOLS = (process.env['BENCH_PROTOCOLS']?.split(',') ?? ['http-binary', 'grpc']) as ('http-binary' | 'grpc')[];
const VARIANTS = ['without', 'with'] as const;

/** Tally is what one variant and protocol did over every round. */
interface Tally {
  completed: number;
  errors: number;
  elapsedS: number;
  cpuS: number;
  mainCpuS: number;
}

/** Counted is what a load process reports back: counts only (its latencies are not needed here). */
interface Counted {
  completed: number;
  errors: number;
  elapsedS: number;
}

/** measureInChild runs one closed-loop measurement in a child process of this file, which reports over IPC. */
function measureInChild(spec: LoadSpec): Promise<Counted> {
  return new Promise((resolve, reject) => {
    const self = fileURLToPath(import.meta.url);
    const child = fork(self, ['--load', JSON.stringify(spec)], { execArgv: self.endsWith('.ts') ? ['--import', 'tsx'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: Counted | undefined;
    child.on('message', (m) => (result = m as Counted));
    child.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`load process exited with code ${code}`))));
  });
}

/** mainThreadCpuSeconds is the CPU time of a process's main thread (the event loop, where the log's work is done), 10 ms resolution. */
function mainThreadCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

async function main(): Promise<void> {
  await ensureModelRepository(defaultModelRepository(), { models: ['mlp'], precisions: ['fp32'], log: (l) => console.log(`models: ${l}`) });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bench-access-log-'));
  const repo = delayedMlpRepository(path.join(dir, 'models'), { mlp: 0 });
  const logFile = path.join(dir, 'access.jsonl');
  const ports = ['--http-port', '0', '--grpc-port', '0', '--metrics-port', '0'];
  const servers: Record<(typeof VARIANTS)[number], Served> = {
    without: await startServe(['--model-repository', repo, ...ports]),
    // BENCH_AA=1 starts both without the log: the difference two identical servers show on this machine.
    with: await startServe(['--model-repository', repo, ...ports, ...(process.env['BENCH_AA'] === '1' ? [] : ['--access-log', logFile])]),
  };
  try {
    console.log(`access-log-overhead: ${os.availableParallelism()} cores, ${ROUNDS} rounds × ${SECONDS} s, mlp (256 → 3×1024 → 64, fp32), concurrency ${CONCURRENCY}`);
    const tallies: Record<string, Tally> = {};
    let sentToLogged = 0;
    /** Per round, the ratios with/without of the two measurements taken back to back. */
    const rounds: Record<string, { rps: number; cpu: number }[]> = {};
    for (const protocol of PROTOCOLS) {
      for (const variant of VARIANTS) {
        const s = servers[variant];
        const warm = await measureInChild({ protocol, host: '127.0.0.1', port: protocol === 'grpc' ? s.grpcPort : s.httpPort, model: 'mlp', inputName: 'input', width: 256, rows: 1, concurrency: CONCURRENCY, seconds: 1 }); // warm-up
        if (variant === 'with') sentToLogged += warm.completed + warm.errors;
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const protocol of PROTOCOLS) {
        // Alternate which goes first, so that a drift of the machine's speed within a round favours neither.
        const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
        const pair: Partial<Record<(typeof VARIANTS)[number], { rps: number; cpuUs: number }>> = {};
        for (const variant of order) {
          const s = servers[variant];
          const spec: LoadSpec = { protocol, host: '127.0.0.1', port: protocol === 'grpc' ? s.grpcPort : s.httpPort, model: 'mlp', inputName: 'input', width: 256, rows: 1, concurrency: CONCURRENCY, seconds: SECONDS };
          const cpu0 = processCpuSeconds(s.pid);
          const main0 = mainThreadCpuSeconds(s.pid);
          const r = await measureInChild(spec);
          const t = (tallies[`${protocol} ${variant}`] ??= { completed: 0, errors: 0, elapsedS: 0, cpuS: 0, mainCpuS: 0 });
          t.mainCpuS += mainThreadCpuSeconds(s.pid) - main0;
          t.completed += r.completed;
          t.errors += r.errors;
          t.elapsedS += r.elapsedS;
          const cpuS = processCpuSeconds(s.pid) - cpu0;
          t.cpuS += cpuS;
          pair[variant] = { rps: r.completed / r.elapsedS, cpuUs: (cpuS / r.completed) * 1e6 };
          if (variant === 'with') sentToLogged += r.completed + r.errors;
        }
        (rounds[protocol] ??= []).push({ rps: pair.with!.rps / pair.without!.rps, cpu: pair.with!.cpuUs / pair.without!.cpuUs });
      }
    }
    console.log('\n| protocol | access log | requests | errors | req/s | server CPU µs/request | main thread CPU µs/request |\n|---|---|---|---|---|---|---|');
    for (const [k, t] of Object.entries(tallies)) {
      const [protocol, variant] = k.split(' ');
      console.log(`| ${protocol} | ${variant} | ${t.completed} | ${t.errors} | ${(t.completed / t.elapsedS).toFixed(0)} | ${((t.cpuS / t.completed) * 1e6).toFixed(0)} | ${((t.mainCpuS / t.completed) * 1e6).toFixed(1)} |`);
    }
    for (const protocol of PROTOCOLS) {
      const w = tallies[`${protocol} with`]!;
      const wo = tallies[`${protocol} without`]!;
      const ratio = w.completed / w.elapsedS / (wo.completed / wo.elapsedS);
      const cpu = w.cpuS / w.completed / (wo.cpuS / wo.completed);
      const r = rounds[protocol]!;
      const mainUs = ((w.mainCpuS / w.completed) - (wo.mainCpuS / wo.completed)) * 1e6;
      console.log(
        `${protocol}: throughput with/without the access log ${ratio.toFixed(3)} overall, median of rounds ${median(r.map((x) => x.rps)).toFixed(3)} (target >= 0.95); server CPU per request with/without ${cpu.toFixed(3)} overall, median ${median(r.map((x) => x.cpu)).toFixed(3)}; the event loop's CPU per request ${mainUs >= 0 ? '+' : ''}${mainUs.toFixed(1)} µs`,
      );
    }
    if (process.env['BENCH_AA'] === '1') return;
    const dropped = await metric(servers.with.metricsPort, 'gauntlet_access_log_dropped_total');
    await servers.with.stop(); // flushes the log
    const lines = readFileSync(logFile, 'utf8').split('\n').length - 1;
    console.log(`access log: ${lines} lines for ${sentToLogged} requests sent (warm-up included), ${dropped} dropped`);
  } finally {
    await Promise.all(VARIANTS.map((v) => servers[v].stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--load' && process.send) {
  exitWithParent();
  const r = await runClosedLoop(JSON.parse(process.argv[3]!) as LoadSpec);
  process.send({ completed: r.completed, errors: r.errors, elapsedS: r.elapsedS }, undefined, {}, () => process.exit(0));
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
