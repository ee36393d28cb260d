/**
 * The closed-loop cost of TLS against plain HTTP on the same target: `gauntlet run` (a child process) keeps
 * BENCH_CONCURRENCY (default 8) kserve-http requests outstanding for BENCH_SECONDS (default 10) against the bundled
 * mlp on `gauntlet serve` (another child process), once through a plain TCP proxy and once through a
 * TLS-terminating proxy (TLS 1.3, a CA made here by openssl, the target checking it with ca_file and server_name),
 * both in this process and otherwise alike, BENCH_ROUNDS (default 3) times, the order alternating. It prints
 * throughput and latency per run and the ratios TLS ÷ plain of the medians.
 *
 * Run: `npm run build && node dist/bench/tls-cost.js` (about 30 s per round).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServe } from './lib/serve-process.js';
import { makeCerts, startPipeProxy } from './lib/tls-fixtures.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const NAME = 'bench.gauntlet.test';
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-tls-cost-'));
const file = (n: string): string => path.join(dir, n);

interface RunFigures {
  okPerS: number;
  p50Ms: number;
  p99Ms: number;
}

function run(kind: 'plain' | 'tls', port: number, round: number): Promise<RunFigures> {
  const target =
    kind === 'plain'
      ? `{name: plain, protocol: kserve-http, url: "http://127.0.0.1:${port}"}`
      : `{name: tls, protocol: kserve-http, url: "https://127.0.0.1:${port}", tls: {ca_file: ca.pem, server_name: ${NAME}}}`;
  const scenario = file(`${kind}-${round}.yaml`);
  writeFileSync(scenario, `name: tls-cost\ntarget: ${target}\nrequest: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 256]}]}\nphases:\n  - {name: warm, duration: 1s, concurrency: ${CONCURRENCY}, slo: off}\n  - {name: closed, duration: ${SECONDS}s, concurrency: ${CONCURRENCY}}\n`);
  const out = file(`${kind}-${round}-run`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'run', scenario, '--out', out, '--exit-zero'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`run exited ${code}: ${err}`));
      const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
      const p = r.phases.find((x: { name: string }) => x.name === 'closed');
      resolve({ okPerS: p.throughputRps, p50Ms: p.latencyUs.p50 / 1000, p99Ms: p.latencyUs.p99 / 1000 });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  makeCerts(dir, NAME);
  const served = await startServe(['--load-model', 'mlp', '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0']);
  const plain = await startPipeProxy(served.httpPort);
  const secure = await startPipeProxy(served.httpPort, { key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')) });
  const figures: Record<'plain' | 'tls', RunFigures[]> = { plain: [], tls: [] };
  console.log(`tls-cost: closed loop, ${CONCURRENCY} outstanding, ${SECONDS} s per run, ${ROUNDS} round(s), bundled mlp; ${os.availableParallelism()} cores`);
  console.log('run    round  ok/s     p50 ms  p99 ms');
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['plain', 'tls'] as const) : (['tls', 'plain'] as const);
      for (const kind of order) {
        const f = await run(kind, kind === 'plain' ? plain.port : secure.port, round);
        figures[kind].push(f);
        console.log(`${kind.padEnd(6)} ${String(round + 1).padEnd(6)} ${f.okPerS.toFixed(1).padStart(7)}  ${f.p50Ms.toFixed(2).padStart(6)}  ${f.p99Ms.toFixed(2).padStart(6)}`);
      }
    }
  } finally {
    await plain.close();
    await secure.close();
    await served.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const m = (k: 'plain' | 'tls', f: keyof RunFigures): number => median(figures[k].map((x) => x[f]));
  console.log(`\nmedians: plain ${m('plain', 'okPerS').toFixed(1)} ok/s, p50 ${m('plain', 'p50Ms').toFixed(2)} ms, p99 ${m('plain', 'p99Ms').toFixed(2)} ms; tls ${m('tls', 'okPerS').toFixed(1)} ok/s, p50 ${m('tls', 'p50Ms').toFixed(2)} ms, p99 ${m('tls', 'p99Ms').toFixed(2)} ms`);
  console.log(`tls ÷ plain: throughput ${(m('tls', 'okPerS') / m('plain', 'okPerS')).toFixed(2)}x, p50 ${(m('tls', 'p50Ms') / m('plain', 'p50Ms')).toFixed(2)}x, p99 ${(m('tls', 'p99Ms') / m('plain', 'p99Ms')).toFixed(2)}x; handshakes: ${secure.connections()} TLS connections over ${ROUNDS} runs (keep-alive)`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
