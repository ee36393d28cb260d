/**
 * `gauntlet demo`: starts the embedded reference server on free loopback ports, sends a short burst of real
 * requests over KServe v2 HTTP (JSON and binary) and gRPC, and prints what the server saw. (The scenario engine
 * will replace this with a full open-loop run of scenarios/demo.yaml.)
 */
import { callUnary, createInferenceClient } from '../../reference-server/grpc/client.js';
import { startServe } from './serve.js';

/** runDemo runs the demo and returns the exit code. */
export async function runDemo(print: (line: string) => void): Promise<number> {
  const server = await startServe(
    { host: '127.0.0.1', httpPort: 0, grpcPort: 0, metricsPort: 0, loadModel: ['mlp', 'mlp_int8'], maxBodyBytes: 64 << 20, strictReadiness: true, gracePeriod: 5 },
    print,
  );
  try {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const grpc = createInferenceClient(`127.0.0.1:${server.grpcPort}`);
    const values = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i));
    const raw = Buffer.from(values.buffer);
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 256], parameters: { binary_data_size: raw.length } }] }));
    const senders: Record<string, (model: string) => Promise<unknown>> = {
      'http-json': (m) => post(`${base}/v2/models/${m}/infer`, JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 256], data: Array.from(values) }] }), {}),
      'http-binary': (m) => post(`${base}/v2/models/${m}/infer`, Buffer.concat([header, raw]), { 'inference-header-content-length': String(header.length) }),
      grpc: (m) => callUnary(grpc, 'ModelInfer', { model_name: m, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 256] }], raw_input_contents: [raw] }),
    };
    print('\n| model | protocol | requests | concurrency | p50 ms | p99 ms | requests/s |\n|---|---|---|---|---|---|---|');
    for (const model of ['mlp', 'mlp_int8']) {
      for (const [protocol, send] of Object.entries(senders)) {
        const lat: number[] = [];
        const t0 = performance.now();
        await Promise.all(Array.from({ length: 16 }, async () => {
          for (let i = 0; i < 25; i++) {
            const s = performance.now();
            await send(model);
            lat.push(performance.now() - s);
          }
        }));
        const secs = (performance.now() - t0) / 1000;
        lat.sort((a, b) => a - b);
        print(`| ${model} | ${protocol} | ${lat.length} | 16 | ${lat[lat.length >> 1]!.toFixed(2)} | ${lat[Math.floor(lat.length * 0.99)]!.toFixed(2)} | ${(lat.length / secs).toFixed(0)} |`);
      }
    }
    const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    print('\nServer metrics (Triton names):');
    for (const line of metrics.split('\n')) if (/^nv_inference_(count|exec_count|request_success)\{/.test(line)) print(`  ${line}`);
    grpc.close();
  } finally {
    await server.close(5000);
  }
  return 0;
}

async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const out = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${Buffer.from(out).toString()}`);
  return out;
}
