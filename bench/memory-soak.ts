/**
 * Memory benchmark of the harness: a long open-loop run (default 10 minutes at 1,000 rps) against the fixed
 * target in another process; the harness's RSS is sampled every 10 s and the growth from the first minute to
 * the end is printed. Histograms, not per-request arrays, keep it flat.
 * Run: `npm run build && node dist/bench/memory-soak.js` (SOAK_SECONDS, SOAK_RPS).
 */
import { PARENT_PID_ENV } from '../reference-server/core/parent-watch.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 600);
const RPS = Number(process.env['SOAK_RPS'] ?? 1000);
const dist = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-soak-'));

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function main(): Promise<void> {
  const target = spawn(process.execPath, [path.join(dist, 'bench/lib/fixed-target.js'), '0', '--raw'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) } });
  const port = await new Promise<number>((resolve) => target.stdout.on('data', (d: Buffer) => resolve(Number(/listening (\d+)/.exec(d.toString())![1]))));
  const scenario = path.join(tmp, 'soak.yaml');
  writeFileSync(scenario, `name: soak\ntarget: {name: fixed, protocol: http, url: "http://127.0.0.1:${port}", method: GET, path: /}\nphases:\n  - {name: soak, duration: ${SECONDS}s, rate: ${RPS}}\n`);
  const run = spawn(process.execPath, [path.join(dist, 'src/cli/main.js'), 'run', scenario, '--out', path.join(tmp, 'run'), '--exit-zero'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const samples: [number, number][] = [];
  const t0 = Date.now();
  const timer = setInterval(() => {
    try {
      samples.push([Math.round((Date.now() - t0) / 1000), rssMiB(run.pid!)]);
    } catch {
      // the run has just ended
    }
  }, 10_000);
  await new Promise((r) => run.once('exit', r));
  clearInterval(timer);
  target.kill('SIGTERM');
  const results = JSON.parse(readFileSync(path.join(tmp, 'run', 'results.json'), 'utf8')) as { phases: { sent: number; ok: number }[] };
  const atMinute = samples.find(([t]) => t >= 60) ?? samples[0]!;
  const last = samples[samples.length - 1]!;
  const peak = samples.reduce((m, [, r]) => Math.max(m, r), -Infinity);
  console.log(`memory-soak: ${SECONDS} s at ${RPS} rps, ${results.phases[0]!.sent} sent, ${results.phases[0]!.ok} ok`);
  console.log('| t (s) | harness RSS (MiB) |\n|---|---|');
  for (const [t, r] of samples.filter((_, i) => i % 6 === 0 || i === samples.length - 1)) console.log(`| ${t} | ${r.toFixed(1)} |`);
  console.log(`RSS at ${atMinute[0]} s: ${atMinute[1].toFixed(1)} MiB; at ${last[0]} s: ${last[1].toFixed(1)} MiB (x${(last[1] / atMinute[1]).toFixed(2)}); peak ${peak.toFixed(1)} MiB`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
