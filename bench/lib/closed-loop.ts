/**
 * A minimal closed-loop load client for the server benchmarks: `concurrency` loops, each sending the next
 * request as soon as the previous one answers, for a fixed time, over HTTP (JSON or binary) or gRPC.
 * It runs as its own process (see load-process.ts) so it never shares an event loop with the server.
 */
import http from 'node:http';
import { callUnary, createInferenceClient } from '../../reference-server/grpc/client.js';

/** LoadSpec describes one closed-loop measurement. */
export interface LoadSpec {
  protocol: 'http-json' | 'http-binary' | 'grpc';
  host: string;
  port: number;
  model: string;
  inputName: string;
  /** Elements per request row (the model's input width). */
  width: number;
  /** Rows per request (the request's batch dimension). */
  rows: number;
  concurrency: number;
  seconds: number;
}

/** LoadResult is what a measurement saw: completed requests, errors and client-side latencies (µs, sorted). */
export interface LoadResult {
  completed: number;
  errors: number;
  elapsedS: number;
  latenciesUs: number[];
}

/** runClosedLoop runs the measurement and resolves with its result. */
export async function runClosedLoop(spec: LoadSpec): Promise<LoadResult> {
  const send = makeSender(spec);
  const latencies: number[] = [];
  let completed = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + spec.seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const ok = await send().then(() => true, () => false);
      if (ok) {
        completed++;
        latencies.push(Math.round((performance.now() - t0) * 1000));
      } else errors++;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, loop));
  return { completed, errors, elapsedS: (performance.now() - start) / 1000, latenciesUs: latencies.sort((a, b) => a - b) };
}

function makeSender(spec: LoadSpec): () => Promise<void> {
  const n = spec.width * spec.rows;
  const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
  const raw = Buffer.from(values.buffer);
  const shape = [spec.rows, spec.width];
  if (spec.protocol === 'grpc') {
    const client = createInferenceClient(`${spec.host}:${spec.port}`);
    const req = { model_name: spec.model, inputs: [{ name: spec.inputName, datatype: 'FP32', shape }], raw_input_contents: [raw] };
    return () => callUnary(client, 'ModelInfer', req).then(() => undefined);
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  let body: Buffer;
  const headers: Record<string, string | number> = {};
  if (spec.protocol === 'http-json') {
    body = Buffer.from(JSON.stringify({ inputs: [{ name: spec.inputName, datatype: 'FP32', shape, data: Array.from(values) }] }));
    headers['content-type'] = 'application/json';
  } else {
    const json = Buffer.from(
      JSON.stringify({
        inputs: [{ name: spec.inputName, datatype: 'FP32', shape, parameters: { binary_data_size: raw.length } }],
        outputs: [{ name: 'output', parameters: { binary_data: true } }],
      }),
    );
    body = Buffer.concat([json, raw]);
    headers['inference-header-content-length'] = json.length;
    headers['content-type'] = 'application/octet-stream';
  }
  headers['content-length'] = body.length;
  const path = `/v2/models/${spec.model}/infer`;
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request({ host: spec.host, port: spec.port, method: 'POST', path, agent, headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
}
