/**
 * Benchmark for scale planning (issue 15, docs/scale.md): the highest open-loop rate one gauntlet process (one
 * shard, one load worker) sends on one core with a measurement that gauntlet itself judges valid.
 *
 * A fixed HTTP target (bench/lib/fixed-target.js --raw) that answers each request BENCH_TARGET_DELAY_MS (10) after
 * it read it, as a model server with a fixed service time and room for every request does, runs pinned to core 0;
 * `gauntlet run --workers 1` runs pinned to core 1 (taskset). The delay matters: validity judges each latency
 * figure by how much of it the generator's own lag could be, so against a target that answers in 0.3 ms a 1 ms lag
 * is most of the figure and no rate is valid, while against one that answers in 10 ms, as inference does, the same
 * lag is a tenth of it. First its closed-loop maximum on that core (the baseline, same run), then
 * Poisson phases of BENCH_SECONDS at rising rates — doubling from BENCH_FROM_RPS until a run is invalid, then
 * BENCH_BISECT steps of bisection — each judged by the run's own validity verdict (results.json `valid`). Prints
 * each step (sent, send lag p99, late share, CPU seconds, valid) and the answer: the valid rate per core, its
 * ratio to the closed-loop maximum, and the client CPU per 1,000 requests.
 * Run: `npm run build && node dist/bench/shard-rate.js` (BENCH_SECONDS=6, BENCH_FROM_RPS=1000, BENCH_BISECT=3,
 * BENCH_TARGET_DELAY_MS=10).
 */
import { PARENT_PID_ENV } from '../reference-server/core/parent-watch.js';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 6);
const FROM_RPS = Number(process.env['BENCH_FROM_RPS'] ?? 1000);
const BISECT = Number(process.env['BENCH_BISECT'] ?? 3);
const DELAY_MS = Number(process.env['BENCH_TARGET_DELAY_MS'] ?? 10);
/** The rate at which the doubling stops even if every run was valid (the target's own limit is near). */
const CEILING_RPS = 256_000;
const dist = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(dist, 'src/cli/main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-shard-rate-'));

interface Step {
  rate: number;
  sent: number;
  throughputRps: number;
  lagP99Us: number;
  lateShare: number;
  cpuS: number;
  rssMb: number;
  valid: boolean;
  reasons: string[];
}

function startTarget(): Promise<{ port: number; stop(): void }> {
  const child = spawn('taskset', ['-c', '0', process.execPath, path.join(dist, 'bench/lib/fixed-target.js'), '0', '--raw', '--delay-ms', String(DELAY_MS)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) } });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve({ port: Number(m[1]), stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
  });
}

/** run runs one phase with gauntlet pinned to core 1 and returns its results and the CPU seconds it used. */
function run(port: number, phase: string): { r: ResultsLike; cpuS: number; rssMb: number } {
  const file = path.join(tmp, `s-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `name: shard-rate\ntarget: {name: fixed, protocol: http, url: "http://127.0.0.1:${port}", method: GET, path: /, max_in_flight: 100000}\nphases:\n  - ${phase}\n`);
  const out = path.join(tmp, `run-${Math.random().toString(36).slice(2)}`);
  const timeFile = path.join(tmp, 'time.txt');
  execFileSync('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, 'taskset', '-c', '1', process.execPath, CLI, 'run', file, '--out', out, '--workers', '1', '--exit-zero'], { stdio: 'ignore' });
  const [user, sys, maxKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsLike;
  rmSync(out, { recursive: true, force: true });
  return { r, cpuS: user! + sys!, rssMb: maxKb! / 1024 };
}

interface ResultsLike {
  valid: boolean;
  invalidReasons: string[];
  phases: { sent: number; throughputRps: number; lateSends: number; sendLagUs: { p99: number }; errors: Record<string, number> }[];
}

function step(port: number, rate: number): Step {
  const { r, cpuS, rssMb } = run(port, `{name: open, duration: ${SECONDS}s, rate: ${rate}, arrival: poisson}`);
  const p = r.phases[0]!;
  const s: Step = { rate, sent: p.sent, throughputRps: p.throughputRps, lagP99Us: p.sendLagUs.p99, lateShare: p.sent ? p.lateSends / p.sent : 0, cpuS, rssMb, valid: r.valid && Object.keys(p.errors).length === 0, reasons: r.invalidReasons };
  console.log(`| ${rate} | ${s.sent} | ${s.throughputRps.toFixed(0)} | ${s.lagP99Us} | ${(s.lateShare * 100).toFixed(2)} % | ${cpuS.toFixed(1)} | ${rssMb.toFixed(0)} | ${s.valid ? 'valid' : `INVALID: ${[...s.reasons, ...Object.keys(p.errors)].join('; ').slice(0, 120)}`} |`);
  return s;
}

async function main(): Promise<void> {
  const target = await startTarget();
  try {
    console.log(`shard-rate: target (answers ${DELAY_MS} ms after each request) pinned to core 0, gauntlet (--workers 1) to core 1; ${SECONDS} s per step`);
    // Enough in flight to keep the client busy through the target's delay: its rate, not the delay, is the limit.
    const inFlight = Math.max(64, Math.ceil(DELAY_MS * 100));
    const closed = run(target.port, `{name: closed, duration: ${SECONDS}s, concurrency: ${inFlight}}`).r.phases[0]!;
    console.log(`closed-loop maximum on one core (${inFlight} in flight): ${closed.throughputRps.toFixed(0)}/s\n`);
    console.log('| offered rps | sent | ok/s | send lag p99 µs | sends > 1 ms late | client CPU s | peak RSS MB | verdict |\n|---|---|---|---|---|---|---|---|');
    let good: Step | undefined;
    let bad: Step | undefined;
    for (let rate = FROM_RPS; rate <= CEILING_RPS; rate *= 2) {
      const s = step(target.port, rate);
      if (!s.valid) {
        bad = s;
        break;
      }
      good = s;
    }
    for (let i = 0; i < BISECT && good && bad; i++) {
      const s = step(target.port, Math.round((good.rate + bad.rate) / 2));
      if (s.valid) good = s;
      else bad = s;
    }
    if (!good) {
      console.log(`\nno valid run at ${FROM_RPS} rps: lower BENCH_FROM_RPS`);
      return;
    }
    console.log(`\n| figure | value |\n|---|---|`);
    console.log(`| highest valid open-loop rate, one core | ${good.rate} rps${bad ? ` (invalid at ${bad.rate})` : ' (the ceiling was not reached)'} |`);
    console.log(`| that rate ÷ the closed-loop maximum on the same core | ${(good.rate / closed.throughputRps).toFixed(2)}x |`);
    console.log(`| peak RSS of the shard at that rate | ${good.rssMb.toFixed(0)} MB |`);
    console.log(`| client CPU per 1,000 requests at that rate | ${((good.cpuS / Math.max(1, good.sent)) * 1000 * 1000).toFixed(1)} ms |`);
  } finally {
    target.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
