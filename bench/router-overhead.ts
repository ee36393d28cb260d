/**
 * Latency the cluster router adds per request at low load: `gauntlet serve --replicas 2` on the bundled mlp
 * (without dynamic batching, whose queue delay is not overhead), one request at a time from a separate load
 * process, straight to replica r0 and through the router, interleaved over several rounds because this machine
 * is noisy. Prints p50/p90/p99, the router's added p50 and p90, and the router process's CPU time per request
 * (which scheduling noise does not inflate).
 * Run: `npm run build && node dist/bench/router-overhead.js` (BENCH_SECONDS=N per measurement, BENCH_ROUNDS=N).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { defaultModelRepository, ensureModelRepository } from '../reference-server/models/build.js';
import { processCpuSeconds } from '../src/util/proc-stat.js';
import type { LoadSpec } from './lib/closed-loop.js';
import { measureInChild } from './lib/load-process.js';
import { startServe } from './lib/serve-process.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

function prepareRepository(bundled: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bench-'));
  const config = parse(readFileSync(path.join(bundled, 'mlp', 'config.yaml'), 'utf8')) as Record<string, unknown>;
  delete config['dynamic_batching'];
  delete config['accuracy'];
  mkdirSync(path.join(dir, 'mlp', '1'), { recursive: true });
  copyFileSync(path.join(bundled, 'mlp', '1', 'model.onnx'), path.join(dir, 'mlp', '1', 'model.onnx'));
  writeFileSync(path.join(dir, 'mlp', 'config.yaml'), stringify({ ...config, instance_group: [{ count: 1, kind: 'KIND_CPU' }] }));
  return dir;
}

async function main(): Promise<void> {
  const bundled = defaultModelRepository();
  await ensureModelRepository(bundled, { models: ['mlp'], precisions: ['fp32'], log: (l) => console.log(`models: ${l}`) });
  const repo = prepareRepository(bundled);
  const server = await startServe(['--model-repository', repo, '--replicas', '2', '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', '--admin-port', '0', '--restart-delay', 'never']);
  try {
    const list = (await (await fetch(`http://127.0.0.1:${server.adminPort!}/admin/replicas`, { headers: { authorization: `Bearer ${server.adminToken!}` } })).json()) as {
      replicas: { id: string; httpPort: number; grpcPort: number; coldStartMs: { totalMs: number } }[];
    };
    const r0 = list.replicas[0]!;
    console.log(`router-overhead: ${os.availableParallelism()} cores, ${ROUNDS} rounds × ${SECONDS} s, mlp (256 → 3×1024 → 64, fp32), concurrency 1`);
    console.log(`cold starts (ms): ${list.replicas.map((r) => `${r.id} ${r.coldStartMs.totalMs}`).join(', ')}`);
    const samples: Record<string, number[]> = {};
    const routerCpuUs: Record<string, { cpuS: number; requests: number }> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const protocol of ['http-binary', 'grpc'] as const) {
        for (const via of ['direct', 'router'] as const) {
          const port = via === 'direct' ? (protocol === 'grpc' ? r0.grpcPort : r0.httpPort) : protocol === 'grpc' ? server.grpcPort : server.httpPort;
          const spec: LoadSpec = { protocol, host: '127.0.0.1', port, model: 'mlp', inputName: 'input', width: 256, rows: 1, concurrency: 1, seconds: SECONDS };
          const cpu0 = processCpuSeconds(server.pid);
          const r = await measureInChild(spec);
          const into = (samples[`${protocol} ${via}`] ??= []);
          for (const us of r.latenciesUs) into.push(us);
          if (via === 'router') {
            const c = (routerCpuUs[protocol] ??= { cpuS: 0, requests: 0 });
            c.cpuS += processCpuSeconds(server.pid) - cpu0;
            c.requests += r.completed;
          }
        }
      }
    }
    console.log('\n| path | requests | p50 µs | p90 µs | p99 µs |\n|---|---|---|---|---|');
    for (const [k, v] of Object.entries(samples)) {
      v.sort((a, b) => a - b);
      console.log(`| ${k} | ${v.length} | ${pct(v, 0.5)} | ${pct(v, 0.9)} | ${pct(v, 0.99)} |`);
    }
    for (const protocol of ['http-binary', 'grpc']) {
      const d = samples[`${protocol} direct`]!;
      const r = samples[`${protocol} router`]!;
      const c = routerCpuUs[protocol]!;
      console.log(
        `${protocol}: the router adds ${pct(r, 0.5) - pct(d, 0.5)} µs at p50, ${pct(r, 0.9) - pct(d, 0.9)} µs at p90; router CPU ${((c.cpuS / c.requests) * 1e6).toFixed(0)} µs per request`,
      );
    }
  } finally {
    await server.stop();
    rmSync(repo, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
