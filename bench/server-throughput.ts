/**
 * Benchmark of the reference server (issue targets in parentheses), every ratio against a baseline measured in
 * the same run, because this machine is noisy:
 * 1. saturation throughput of `gauntlet serve` on the bundled mlp over HTTP-binary, HTTP-JSON and gRPC, against
 *    raw in-process ONNX Runtime running the batch sizes the server formed (>= 0.85x for binary HTTP and gRPC);
 * 2. dynamic batching on vs off at concurrency 64 (>= 3x);
 * 3. per-request overhead at low load: server time per request minus the raw batch-1 run time (< 200 µs).
 * Run: `npm run build && node dist/bench/server-throughput.js` (BENCH_SECONDS=N to change the measuring time).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { defaultModelRepository, ensureModelRepository } from '../reference-server/models/build.js';
import type { LoadResult, LoadSpec } from './lib/closed-loop.js';
import { measureInChild } from './lib/load-process.js';
import { measureRaw } from './lib/raw-ort.js';
import { type EmbeddedServer, startEmbeddedServer } from '../src/run/embedded-server.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const WIDTH = 256;
const INSTANCES = 2;
const CORES = os.availableParallelism();

interface Stats {
  inference_count: number;
  execution_count: number;
  inference_stats: { success: { count: number; ns: number } };
}

async function stats(port: number, model: string): Promise<Stats> {
  const r = (await (await fetch(`http://127.0.0.1:${port}/v2/models/${model}/stats`)).json()) as { model_stats: Stats[] };
  return r.model_stats[0]!;
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

/** prepareRepository writes a repository with the bundled mlp twice: with dynamic batching, and without. */
function prepareRepository(bundled: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bench-'));
  const base = parse(readFileSync(path.join(bundled, 'mlp', 'config.yaml'), 'utf8')) as Record<string, unknown>;
  for (const [name, batching] of [['mlp', true], ['mlp_nobatch', false]] as const) {
    mkdirSync(path.join(dir, name, '1'), { recursive: true });
    copyFileSync(path.join(bundled, 'mlp', '1', 'model.onnx'), path.join(dir, name, '1', 'model.onnx'));
    const config: Record<string, unknown> = { ...base, name, instance_group: [{ count: INSTANCES, kind: 'KIND_CPU' }] };
    delete config['accuracy'];
    if (!batching) delete config['dynamic_batching'];
    writeFileSync(path.join(dir, name, 'config.yaml'), stringify(config));
  }
  return dir;
}

interface Measured {
  load: LoadResult;
  meanBatch: number;
  serverUsPerRequest: number;
  /** Cores the server process used on average during the measurement. */
  serverCores: number;
}

async function measure(server: EmbeddedServer, port: number, spec: Omit<LoadSpec, 'host' | 'port'>): Promise<Measured> {
  const statsPort = server.httpPort;
  await measureInChild({ ...spec, host: '127.0.0.1', port, seconds: Math.min(2, SECONDS) }); // warm-up
  const before = await stats(statsPort, spec.model);
  const cpu0 = server.cpuSeconds();
  const load = await measureInChild({ ...spec, host: '127.0.0.1', port });
  const serverCores = (server.cpuSeconds() - cpu0) / load.elapsedS;
  const after = await stats(statsPort, spec.model);
  const execs = after.execution_count - before.execution_count;
  const inferences = after.inference_count - before.inference_count;
  const ok = after.inference_stats.success.count - before.inference_stats.success.count;
  const ns = after.inference_stats.success.ns - before.inference_stats.success.ns;
  return { load, meanBatch: execs ? inferences / execs : 0, serverUsPerRequest: ok ? ns / ok / 1000 : NaN, serverCores };
}

async function main(): Promise<void> {
  const bundled = defaultModelRepository();
  await ensureModelRepository(bundled, { models: ['mlp'], precisions: ['fp32'], log: (l) => console.log(`models: ${l}`) });
  const repo = prepareRepository(bundled);
  const modelPath = path.join(repo, 'mlp', '1', 'model.onnx');
  console.log(`server-throughput: ${CORES} cores, ${INSTANCES} instances, ${SECONDS} s per measurement, model mlp (256 → 3×1024 → 64, fp32)`);
  const server = await startEmbeddedServer(['--model-repository', repo]);
  const rows: { name: string; rps: number; meanBatch: number; p50: number; p99: number; errors: number; cores: number }[] = [];
  const results: Record<string, Measured> = {};
  try {
    for (const reqRows of [1, 16]) {
      for (const protocol of ['http-binary', 'http-json', 'grpc'] as const) {
        const port = protocol === 'grpc' ? server.grpcPort : server.httpPort;
        const r = await measure(server, port, { protocol, model: 'mlp', inputName: 'input', width: WIDTH, rows: reqRows, concurrency: 64, seconds: SECONDS });
        const key = reqRows === 1 ? protocol : `${protocol} rows=${reqRows}`;
        results[key] = r;
        rows.push({ name: `${key} c=64 batching`, rps: (r.load.completed * reqRows) / r.load.elapsedS, meanBatch: r.meanBatch, p50: pct(r.load.latenciesUs, 0.5), p99: pct(r.load.latenciesUs, 0.99), errors: r.load.errors, cores: r.serverCores });
      }
    }
    const off = await measure(server, server.httpPort, { protocol: 'http-binary', model: 'mlp_nobatch', inputName: 'input', width: WIDTH, rows: 1, concurrency: 64, seconds: SECONDS });
    results['off'] = off;
    rows.push({ name: 'http-binary c=64 no batching', rps: off.load.completed / off.load.elapsedS, meanBatch: off.meanBatch, p50: pct(off.load.latenciesUs, 0.5), p99: pct(off.load.latenciesUs, 0.99), errors: off.load.errors, cores: off.serverCores });
    // Low load on the model without batching: a batching model waits max_queue_delay by design, which is not overhead.
    for (const protocol of ['http-binary', 'grpc'] as const) {
      const port = protocol === 'grpc' ? server.grpcPort : server.httpPort;
      const r = await measure(server, port, { protocol, model: 'mlp_nobatch', inputName: 'input', width: WIDTH, rows: 1, concurrency: 1, seconds: SECONDS });
      results[`low-${protocol}`] = r;
      rows.push({ name: `${protocol} c=1 no batching`, rps: r.load.completed / r.load.elapsedS, meanBatch: r.meanBatch, p50: pct(r.load.latenciesUs, 0.5), p99: pct(r.load.latenciesUs, 0.99), errors: r.load.errors, cores: r.serverCores });
    }
  } finally {
    await server.stop();
  }
  console.log('\n| load | inferences/s | mean batch | client p50 µs | client p99 µs | errors | server cores used |\n|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.meanBatch.toFixed(1)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.cores.toFixed(2)} |`);

  // Raw ONNX Runtime at the batch sizes the server formed, with the server's instance count and threads.
  const intra = Math.max(1, Math.floor(CORES / INSTANCES));
  console.log('\n| comparison | server | baseline | ratio | target |\n|---|---|---|---|---|');
  console.log('(per core: inferences per second per core the process used; the load client shares this machine and its CPU is not counted)');
  for (const key of ['http-binary', 'http-json', 'grpc', 'http-binary rows=16', 'http-json rows=16', 'grpc rows=16']) {
    const r = results[key]!;
    const reqRows = key.endsWith('rows=16') ? 16 : 1;
    const batch = Math.max(1, Math.round(r.meanBatch));
    const raw = await measureRaw({ modelPath, instances: INSTANCES, intraOpThreads: intra, batch, width: WIDTH, seconds: SECONDS });
    const served = (r.load.completed * reqRows) / r.load.elapsedS;
    const target = key.startsWith('http-json') ? '(none)' : '>= 0.85';
    console.log(`| ${key} saturation vs raw ORT at batch ${batch} | ${served.toFixed(0)}/s | ${raw.samplesPerSecond.toFixed(0)}/s | ${(served / raw.samplesPerSecond).toFixed(2)}x | ${target} |`);
    const servedPerCore = served / r.serverCores;
    const rawPerCore = raw.samplesPerSecond / raw.coresUsed;
    console.log(`| ${key} per core vs raw ORT per core | ${servedPerCore.toFixed(0)}/s/core | ${rawPerCore.toFixed(0)}/s/core | ${(servedPerCore / rawPerCore).toFixed(2)}x | ${target} |`);
  }
  const on = results['http-binary']!;
  const onRps = on.load.completed / on.load.elapsedS;
  const offResult = results['off']!;
  const offRps = offResult.load.completed / offResult.load.elapsedS;
  console.log(`| batching on vs off, http-binary c=64 | ${onRps.toFixed(0)}/s | ${offRps.toFixed(0)}/s | ${(onRps / offRps).toFixed(2)}x | >= 3 |`);
  // What batching can gain at most on this CPU: raw ORT's throughput at batch 64 over batch 1, same threads.
  const rawB1 = await measureRaw({ modelPath, instances: INSTANCES, intraOpThreads: intra, batch: 1, width: WIDTH, seconds: SECONDS });
  const rawB64 = await measureRaw({ modelPath, instances: INSTANCES, intraOpThreads: intra, batch: 64, width: WIDTH, seconds: SECONDS });
  console.log(`| bound: raw ORT batch 64 vs batch 1 (${INSTANCES} threads) | ${rawB64.samplesPerSecond.toFixed(0)}/s | ${rawB1.samplesPerSecond.toFixed(0)}/s | ${(rawB64.samplesPerSecond / rawB1.samplesPerSecond).toFixed(2)}x | (the most batching can gain) |`);
  const raw1 = await measureRaw({ modelPath, instances: 1, intraOpThreads: intra, batch: 1, width: WIDTH, seconds: Math.min(SECONDS, 4) });
  const rawP50 = pct(raw1.runsUs, 0.5);
  for (const protocol of ['http-binary', 'grpc']) {
    const r = results[`low-${protocol}`]!;
    const clientP50 = pct(r.load.latenciesUs, 0.5);
    console.log(
      `| overhead at c=1, ${protocol}: server µs/request − raw batch-1 p50 | ${r.serverUsPerRequest.toFixed(0)} µs | ${rawP50} µs | ${(r.serverUsPerRequest - rawP50).toFixed(0)} µs (client p50 − raw: ${clientP50 - rawP50} µs) | < 200 µs |`,
    );
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
