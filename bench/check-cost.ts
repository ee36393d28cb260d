/**
 * The load generator's cost of checking answers (request.expect): a kserve-http client, as a load worker builds it,
 * keeps BENCH_CONCURRENCY (default 16) requests outstanding for BENCH_SECONDS (default 5) against a canned KServe
 * server in a child process (it answers every infer at once with BENCH_OUTPUTS, default 64, FP32 values: the
 * bundled mlp's output), once sending unchecked (only the status is read) and once with every response decoded
 * and its values compared with the expected ones (tolerance 1e-5 + 1e-4 × |expected|), in JSON and with the binary
 * tensor extension, BENCH_ROUNDS (default 3) times, the order alternating. It prints the client process's CPU time
 * per request and its throughput, and the ratios checked ÷ unchecked of the medians.
 *
 * Run: `npm run build && node dist/bench/check-cost.js` (about 10 s per round and encoding).
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { KserveHttpClient } from '../src/targets/kserve-http-client.js';
import type { RequestSpec, TargetSpec } from '../src/targets/target-spec.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const OUTPUTS = Number(process.env['BENCH_OUTPUTS'] ?? 64);
const VALUES = Array.from({ length: OUTPUTS }, (_, i) => Math.fround(Math.sin(i) * 3));

/** serve answers every request with the canned output, in JSON or binary as the request asks (the child process). */
function serve(): void {
  const json = Buffer.from(JSON.stringify({ model_name: 'm', outputs: [{ name: 'output', datatype: 'FP32', shape: [1, OUTPUTS], data: VALUES }] }));
  const head = Buffer.from(JSON.stringify({ model_name: 'm', outputs: [{ name: 'output', datatype: 'FP32', shape: [1, OUTPUTS], parameters: { binary_data_size: OUTPUTS * 4 } }] }));
  const binary = Buffer.concat([head, Buffer.from(new Float32Array(VALUES).buffer)]);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers['inference-header-content-length'] !== undefined) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'inference-header-content-length': head.length, 'content-length': binary.length });
        res.end(binary);
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length });
        res.end(json);
      }
    });
  });
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on('disconnect', () => process.exit(0));
}

interface Figures {
  cpuUsPerRequest: number;
  perS: number;
  bad: number;
}

async function measure(port: number, binary: boolean, checked: boolean): Promise<Figures> {
  const target: TargetSpec = { name: 'canned', protocol: 'kserve-http', url: `http://127.0.0.1:${port}`, binary, timeoutMs: 10_000, maxInFlight: CONCURRENCY, connections: CONCURRENCY };
  const input = { name: 'input', datatype: 'FP32', shape: [1, 16], data: { kind: 'values' as const, values: Array.from({ length: 16 }, (_, i) => i / 16) } };
  const request: RequestSpec = {
    model: 'm',
    inputs: [input],
    payloads: 1,
    mix: [
      {
        name: 'a',
        weight: 1,
        inputs: [input],
        ...(checked && {
          expect: { outputs: [{ name: 'output', datatype: 'FP32', shape: [1, OUTPUTS] }], tolerance: { absolute: 1e-5, relative: 1e-4 } },
          samples: [{ inputs: [input], expected: [{ name: 'output', values: VALUES }] }],
        }),
      },
    ],
  };
  const client = new KserveHttpClient(target, request, { seed: 1 });
  await client.check();
  let done = 0;
  let bad = 0;
  const end = performance.now() + SECONDS * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const o = await client.send();
        done++;
        if (o.code !== 'OK') bad++;
      }
    }),
  );
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await client.close();
  return { cpuUsPerRequest: (cpu.user + cpu.system) / done, perS: done / elapsedS, bad };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  console.log(`check-cost: kserve-http client, ${CONCURRENCY} outstanding, ${SECONDS} s per run, ${ROUNDS} round(s), ${OUTPUTS} FP32 outputs checked; ${os.availableParallelism()} cores`);
  console.log('encoding  run        round  client CPU µs/request  requests/s');
  try {
    for (const binary of [false, true]) {
      const figures: Record<'unchecked' | 'checked', Figures[]> = { unchecked: [], checked: [] };
      const enc = binary ? 'binary' : 'json';
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? (['unchecked', 'checked'] as const) : (['checked', 'unchecked'] as const);
        for (const kind of order) {
          const f = await measure(port, binary, kind === 'checked');
          if (f.bad > 0) throw new Error(`${kind} ${enc}: ${f.bad} requests failed`);
          figures[kind].push(f);
          console.log(`${enc.padEnd(9)} ${kind.padEnd(10)} ${String(round + 1).padEnd(6)} ${f.cpuUsPerRequest.toFixed(1).padStart(20)}  ${f.perS.toFixed(0).padStart(10)}`);
        }
      }
      const m = (k: 'unchecked' | 'checked', f: keyof Figures): number => median(figures[k].map((x) => x[f]));
      console.log(
        `${enc}: checked ÷ unchecked: client CPU per request ${(m('checked', 'cpuUsPerRequest') / m('unchecked', 'cpuUsPerRequest')).toFixed(2)}x ` +
          `(${m('unchecked', 'cpuUsPerRequest').toFixed(1)} → ${m('checked', 'cpuUsPerRequest').toFixed(1)} µs), throughput ${(m('checked', 'perS') / m('unchecked', 'perS')).toFixed(2)}x`,
      );
    }
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes('--serve')) serve();
else
  main().catch((err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  });
