/**
 * Benchmark of gauntlet's load generator (issue targets in parentheses), ratios measured in the same run:
 * 1. closed-loop throughput against a fixed, fast HTTP target in another process, gauntlet vs autocannon with the
 *    same connection count, each pinned to one core, the target on the other (>= 1.0x), alternated A/B;
 * 2. open loop at 50 % and 80 % of gauntlet's closed-loop maximum: send lag p50 and p99 (p99 < 1 ms at 80 %).
 * Run: `npm run build && node dist/bench/harness-throughput.js` (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS).
 * With BENCH_BASELINE_DIST=<another build's dist folder>, the closed loop alternates that build's gauntlet with this
 * one instead of autocannon (a change to the client measured against the code before it, in the same run), and the
 * open loop is left out.
 */
import { PARENT_PID_ENV } from '../reference-server/core/parent-watch.js';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 64);
const dist = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(dist, 'src/cli/main.js');
const BASELINE_DIST = process.env['BENCH_BASELINE_DIST'];
const OTHER = BASELINE_DIST === undefined ? 'autocannon' : 'baseline build';
const TARGET_CORE = '0';
const CLIENT_CORE = '1';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-hb-'));

interface Measured {
  rps: number;
  cpuS: number;
}

function startTarget(): Promise<{ port: number; stop(): void }> {
  const child = spawn('taskset', ['-c', TARGET_CORE, process.execPath, path.join(dist, 'bench/lib/fixed-target.js'), '0', '--raw'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) } });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve({ port: Number(m[1]), stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
  });
}

/** timed runs a command pinned to the client core and returns its stdout and its CPU seconds (GNU time). */
function timed(cmd: string[]): { stdout: string; cpuS: number } {
  const timeFile = path.join(tmp, 'time.txt');
  const stdout = execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, 'taskset', '-c', CLIENT_CORE, ...cmd], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { stdout, cpuS: user! + sys! };
}

function autocannon(port: number): Measured {
  const { stdout, cpuS } = timed([process.execPath, path.join(dist, 'bench/lib/autocannon-run.js'), `http://127.0.0.1:${port}/`, String(CONNECTIONS), String(SECONDS)]);
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as { rps: number; errors: number; non2xx: number };
  if (r.errors || r.non2xx) throw new Error(`autocannon saw errors: ${JSON.stringify(r)}`);
  return { rps: r.rps, cpuS };
}

function scenario(port: number, phase: string): string {
  const file = path.join(tmp, `s-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `name: bench\ntarget: {name: fixed, protocol: http, url: "http://127.0.0.1:${port}", method: GET, path: /, max_in_flight: 100000}\nphases:\n  - ${phase}\n`);
  return file;
}

function gauntlet(port: number, phase: string, cli = CLI): { results: { phases: { throughputRps: number; errors: Record<string, number>; sendLagUs: { p50: number; p99: number }; lateSends: number; sent: number }[] }; cpuS: number } {
  const out = path.join(tmp, `run-${Math.random().toString(36).slice(2)}`);
  const { cpuS } = timed([process.execPath, cli, 'run', scenario(port, phase), '--out', out, '--workers', '1', '--exit-zero']);
  return { results: JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')), cpuS };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** baseline is the closed loop of the baseline build's gauntlet (BENCH_BASELINE_DIST), measured like this one's. */
function baseline(port: number): Measured {
  const gr = gauntlet(port, `{name: closed, duration: ${SECONDS}s, concurrency: ${CONNECTIONS}}`, path.join(BASELINE_DIST!, 'src/cli/main.js'));
  const p = gr.results.phases[0]!;
  if (Object.keys(p.errors).length) throw new Error(`baseline gauntlet saw errors: ${JSON.stringify(p.errors)}`);
  return { rps: p.throughputRps, cpuS: gr.cpuS };
}

async function main(): Promise<void> {
  const target = await startTarget();
  console.log(`harness-throughput: target pinned to core ${TARGET_CORE}, clients to core ${CLIENT_CORE}; ${CONNECTIONS} connections, ${SECONDS} s, ${ROUNDS} rounds A/B`);
  try {
    const g: Measured[] = [];
    const a: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const gr = gauntlet(target.port, `{name: closed, duration: ${SECONDS}s, concurrency: ${CONNECTIONS}}`);
      const p = gr.results.phases[0]!;
      if (Object.keys(p.errors).length) throw new Error(`gauntlet saw errors: ${JSON.stringify(p.errors)}`);
      g.push({ rps: p.throughputRps, cpuS: gr.cpuS });
      a.push(BASELINE_DIST === undefined ? autocannon(target.port) : baseline(target.port));
      console.log(`round ${round + 1}: gauntlet ${g[round]!.rps.toFixed(0)}/s (${g[round]!.cpuS.toFixed(1)} CPU s), ${OTHER} ${a[round]!.rps.toFixed(0)}/s (${a[round]!.cpuS.toFixed(1)} CPU s)`);
    }
    const gRps = median(g.map((x) => x.rps));
    const aRps = median(a.map((x) => x.rps));
    const gPer = median(g.map((x) => x.rps * SECONDS / x.cpuS));
    const aPer = median(a.map((x) => x.rps * SECONDS / x.cpuS));
    console.log(`\n| comparison | gauntlet | ${OTHER} | ratio | target |\n|---|---|---|---|---|`);
    console.log(`| closed loop, ${CONNECTIONS} connections, one core each (median of ${ROUNDS}) | ${gRps.toFixed(0)}/s | ${aRps.toFixed(0)}/s | ${(gRps / aRps).toFixed(2)}x | ${BASELINE_DIST === undefined ? '>= 1.0' : ''} |`);
    console.log(`| requests per client CPU-second (whole process, start-up included) | ${gPer.toFixed(0)} | ${aPer.toFixed(0)} | ${(gPer / aPer).toFixed(2)}x | |`);
    if (BASELINE_DIST !== undefined) return;
    console.log('\n| open loop | rate | sent | send lag p50 µs | send lag p99 µs | sends > 1 ms late | target |\n|---|---|---|---|---|---|---|');
    for (const share of [0.5, 0.8]) {
      const rate = Math.round(gRps * share);
      const r = gauntlet(target.port, `{name: open, duration: ${SECONDS}s, rate: ${rate}}`).results.phases[0]!;
      console.log(`| ${share * 100} % of max | ${rate}/s | ${r.sent} | ${r.sendLagUs.p50} | ${r.sendLagUs.p99} | ${((r.lateSends / r.sent) * 100).toFixed(2)} % | ${share === 0.8 ? 'p99 < 1000 µs' : ''} |`);
    }
  } finally {
    target.stop();
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
