/**
 * Punctuality benchmark (issue 10): how punctual is the load generator when another process takes a core?
 *
 * `gauntlet run` of a BENCH_RPS (default 200) rps scenario, BENCH_SECONDS (default 20) s, against the embedded
 * reference server (the bundled mlp), once with a CPU hog beside it (one busy loop at nice 0, bench/lib/cpu-hog.ts)
 * and once without, BENCH_ROUNDS (default 3) times, interleaved, the order alternating from round to round. With
 * BENCH_BASELINE_CLI (another build's `dist/src/cli/main.js`) that build is measured too, interleaved in the same
 * rounds, so "before" and "after" see the same machine. Each run prints the share of sends more than 1 ms late
 * (after the first second, as the validity check counts), the send lag's percentiles, the machine stalls the run
 * recorded (`generator.stalls`, where the build has them) and how busy the whole machine was (all cores, /proc/stat).
 * The summary gives each setting's median and range, and the ratios hog ÷ no hog. Goal: under 0.5 % of sends more
 * than 1 ms late beside the hog.
 * Run: `npm run build && node dist/bench/punctuality.js` (about 2 minutes per round and build).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCpuHog } from './lib/cpu-hog.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const RPS = Number(process.env['BENCH_RPS'] ?? 200);
const GOAL = 0.005;
const here = fileURLToPath(import.meta.url);
const CLI = path.resolve(path.dirname(here), here.endsWith('.ts') ? '../src/cli/main.ts' : '../src/cli/main.js');
/** A setting is a build (its CLI) and the environment its runs get. */
interface Setting {
  name: string;
  cli: string;
  env: Record<string, string>;
}
const builds: Setting[] = [{ name: 'this build', cli: CLI, env: {} }];
if (process.env['BENCH_BASELINE_CLI']) builds.push({ name: 'baseline', cli: path.resolve(process.env['BENCH_BASELINE_CLI']), env: {} });
// BENCH_VARIANTS="name:VAR=value,VAR2=value;name2:VAR=value" adds this build run with those environment variables.
for (const v of (process.env['BENCH_VARIANTS'] ?? '').split(';').filter(Boolean)) {
  const [name, vars = ''] = v.split(':');
  builds.push({ name: name!, cli: CLI, env: Object.fromEntries(vars.split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) });
}
// BENCH_HOG: both (default), only (just the runs beside the hog) or none.
const HOG = process.env['BENCH_HOG'] ?? 'both';
const hogSettings = HOG === 'only' ? [true] : HOG === 'none' ? [false] : [false, true];

interface Run {
  build: string;
  hog: boolean;
  late: number;
  lagP50: number;
  lagP99: number;
  lagP999: number;
  lagMax: number;
  latencyP99: number;
  scheduling: string;
  /** Watchdog wake-ups over 1 ms late, and the longest, where the build records them. */
  stalls?: { count: number; maxUs: number; lateSendsInStalls: number };
  busy: number;
  load: string;
}

/** cpuTimes reads the machine's busy and total jiffies from /proc/stat. */
function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/** gauntletRun runs `gauntlet run` to completion and resolves with its exit code. */
function gauntletRun(s: Setting, scenario: string, out: string): Promise<number | null> {
  const execArgv = s.cli.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const env = { ...process.env, ...s.env };
  const child = spawn(process.execPath, [...execArgv, s.cli, 'run', scenario, '--out', out, '--exit-zero'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  const kill = (): boolean => child.kill('SIGKILL');
  process.once('exit', kill);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', kill);
      if (code !== 0) process.stderr.write(err);
      resolve(code);
    }),
  );
}

async function measure(build: Setting, hog: boolean, scenario: string, dir: string, n: number): Promise<Run | undefined> {
  const out = path.join(dir, `run-${n}`);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const h = hog ? startCpuHog() : undefined;
  const before = cpuTimes();
  const code = await gauntletRun(build, scenario, out);
  const after = cpuTimes();
  await h?.stop();
  if (code !== 0) return undefined;
  const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as {
    generator: { checkedLateFraction: number; scheduling?: string[]; sendLagUs: Record<string, number>; stalls?: { stalls: number; maxUs: number; lateSendsInStalls: number } };
    phases: { latencyUs: { p99: number } }[];
  };
  const g = r.generator;
  return {
    build: build.name,
    hog,
    late: g.checkedLateFraction,
    lagP50: g.sendLagUs['p50'] ?? NaN,
    lagP99: g.sendLagUs['p99'] ?? NaN,
    lagP999: g.sendLagUs['p999'] ?? NaN,
    lagMax: g.sendLagUs['max'] ?? NaN,
    latencyP99: r.phases[0]?.latencyUs.p99 ?? NaN,
    scheduling: (g.scheduling ?? []).join(','),
    ...(g.stalls && { stalls: { count: g.stalls.stalls, maxUs: g.stalls.maxUs, lateSendsInStalls: g.stalls.lateSendsInStalls } }),
    busy: (after.busy - before.busy) / Math.max(1, after.total - before.total),
    load,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};
const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
const range = (xs: number[], f: (x: number) => string): string => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-punctuality-'));
const scenario = path.join(dir, 'punctuality.yaml');
writeFileSync(
  scenario,
  [
    'name: punctuality',
    'seed: 1',
    'request:',
    '  model: mlp',
    '  inputs:',
    '    - {name: input, datatype: FP32, shape: [1, 256]}',
    'slo: {p99_ms: 100, error_rate: 0.01}',
    'phases:',
    `  - {name: steady, duration: ${SECONDS}s, rate: ${RPS}}`,
    '',
  ].join('\n'),
);
console.log(`punctuality: ${RPS} rps for ${SECONDS} s against the embedded reference server, ${ROUNDS} round(s), settings: ${builds.map((b) => b.name).join(', ')}; ${os.availableParallelism()} cores`);
console.log('build       hog  late>1ms  lag p50  lag p99  lag p99.9  lag max  latency p99  stalls>1ms (max, late sends in them)  machine busy  load avg  scheduling');
const runs: Run[] = [];
let n = 0;
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = builds.flatMap((b) => hogSettings.map((hog) => ({ b, hog })));
    if (round % 2) order.reverse();
    for (const { b, hog } of order) {
      const r = await measure(b, hog, scenario, dir, n++);
      if (!r) {
        console.log(`${b.name.padEnd(11)} ${hog ? 'yes' : 'no '}  run failed`);
        continue;
      }
      runs.push(r);
      const stalls = r.stalls ? `${r.stalls.count} (${(r.stalls.maxUs / 1000).toFixed(1)} ms, ${r.stalls.lateSendsInStalls})` : 'n/a';
      console.log(
        `${r.build.padEnd(11)} ${hog ? 'yes' : 'no '}  ${pct(r.late).padStart(8)}  ${String(r.lagP50).padStart(5)} µs  ${String(r.lagP99).padStart(5)} µs  ${String(r.lagP999).padStart(7)} µs  ${String(r.lagMax).padStart(5)} µs  ${(r.latencyP99 / 1000).toFixed(2).padStart(8)} ms  ${stalls.padStart(36)}  ${pct(r.busy).padStart(12)}  ${r.load}  ${r.scheduling}`,
      );
    }
  }
} finally {
  if (!process.env['BENCH_KEEP']) rmSync(dir, { recursive: true, force: true });
}

console.log('\nsummary (median, range):');
for (const b of builds) {
  const of = (hog: boolean): Run[] => runs.filter((r) => r.build === b.name && r.hog === hog);
  const [quiet, hogged] = [of(false), of(true)];
  const us = (x: number): string => `${Math.round(x)} µs`;
  if (quiet.length) console.log(`${b.name}: no hog: late ${range(quiet.map((r) => r.late), pct)}, lag p99 ${range(quiet.map((r) => r.lagP99), us)}`);
  if (hogged.length) console.log(`${b.name}: hog:    late ${range(hogged.map((r) => r.late), pct)}, lag p99 ${range(hogged.map((r) => r.lagP99), us)}`);
  if (!quiet.length || !hogged.length) continue;
  // No late send at all without the hog makes the ratio meaningless: say so rather than print infinity.
  const ratio = (a: number, q: number): string => (q > 0 ? `${(a / q).toFixed(2)}x` : a > 0 ? 'n/a (none without the hog)' : '1.00x');
  console.log(
    `${b.name}: hog ÷ no hog: late ${ratio(median(hogged.map((r) => r.late)), median(quiet.map((r) => r.late)))}, lag p99 ${ratio(median(hogged.map((r) => r.lagP99)), median(quiet.map((r) => r.lagP99)))}; goal < ${pct(GOAL)} late beside the hog: ${median(hogged.map((r) => r.late)) < GOAL ? 'met' : 'NOT met'} (median), worst run ${pct(Math.max(...hogged.map((r) => r.late)))}`,
  );
}
