/**
 * The server exports Triton's first-response histogram (nv_inference_first_response_histogram_ms) per model and
 * version, fed where the counters are fed: its count equals nv_inference_request_success, its sum the request
 * duration counter, and histogram_quantile over its scraped buckets agrees with the latency a client measured
 * for the same requests, within the buckets' resolution. The router sums it over replicas like the counters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Replica } from '../../reference-server/cluster/supervisor.js';
import { TritonSums } from '../../reference-server/cluster/triton-sums.js';
import { LATENCY_BUCKETS_MS } from '../../reference-server/metrics/latency-histogram.js';
import { httpRequest, infer, inputRows, startTestServer, type TestServer } from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

const FAMILY = 'nv_inference_first_response_histogram_ms';

/** bucketsOf reads a histogram's cumulative buckets for one model from the exposition text, in `le` order. */
function bucketsOf(text: string, family: string, model: string): { le: number; count: number }[] {
  const out: { le: number; count: number }[] = [];
  for (const m of text.matchAll(new RegExp(`^${family}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (labels['model'] !== model) continue;
    out.push({ le: labels['le'] === '+Inf' ? Infinity : Number(labels['le']), count: Number(m[2]) });
  }
  return out.sort((a, b) => a.le - b.le);
}

/** histogramQuantile is Prometheus's histogram_quantile: linear interpolation within the bucket holding the rank. */
function histogramQuantile(q: number, buckets: { le: number; count: number }[]): number {
  const total = buckets.at(-1)!.count;
  const rank = q * total;
  let i = buckets.findIndex((b) => b.count >= rank);
  const b = buckets[i]!;
  if (b.le === Infinity) return buckets[i - 1]!.le;
  const lower = i === 0 ? 0 : buckets[i - 1]!.le;
  const below = i === 0 ? 0 : buckets[i - 1]!.count;
  return lower + ((b.le - lower) * (rank - below)) / (b.count - below);
}

const sample = (text: string, name: string, model: string): number => {
  const m = new RegExp(`^${name}\\{model="${model}",version="1"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
};

/** bucketWidthAt is the width of the bucket holding `ms` (the resolution of a quantile there). */
const bucketWidthAt = (ms: number): number => {
  const i = LATENCY_BUCKETS_MS.findIndex((le) => ms <= le);
  return LATENCY_BUCKETS_MS[i]! - (i > 0 ? LATENCY_BUCKETS_MS[i - 1]! : 0);
};

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ slow: tinyMlpConfig('slow', { artificial_delay_us: 25_000 }), fast: tinyMlpConfig('fast') });
});

afterAll(async () => {
  await server?.close();
});

describe('nv_inference_first_response_histogram_ms', () => {
  it('counts every successful request, sums their durations, and its p50/p99 agree with the client\'s within a bucket', async () => {
    const clientMs: number[] = [];
    const rows = inputRows(3);
    // 60 requests, 4 at a time: some queue behind others, so latencies spread over more than one bucket.
    for (let round = 0; round < 15; round++) {
      await Promise.all(
        [0, 1, 2, 3].map(async () => {
          const t0 = performance.now();
          await infer(server.httpPort, 'slow', rows);
          clientMs.push(performance.now() - t0);
        }),
      );
    }
    await infer(server.httpPort, 'fast', rows);
    const text = (await httpRequest(server.metricsPort, { path: '/metrics' })).body.toString('utf8');
    expect(text).toContain(`# TYPE ${FAMILY} histogram`);
    const buckets = bucketsOf(text, FAMILY, 'slow');
    expect(buckets).toHaveLength(LATENCY_BUCKETS_MS.length + 1);
    expect(buckets.at(-1)!.count).toBe(60);
    expect(sample(text, `${FAMILY}_count`, 'slow')).toBe(sample(text, 'nv_inference_request_success', 'slow'));
    // The sum (ms) is the duration counter (µs, rounded) in ms.
    expect(sample(text, `${FAMILY}_sum`, 'slow')).toBeCloseTo(sample(text, 'nv_inference_request_duration_us', 'slow') / 1000, 0);
    expect(bucketsOf(text, FAMILY, 'fast').at(-1)!.count).toBe(1);
    clientMs.sort((a, b) => a - b);
    for (const q of [0.5, 0.99]) {
      const client = clientMs[Math.ceil(q * clientMs.length) - 1]!;
      const server = histogramQuantile(q, buckets);
      // The server's time is within the client's (no network, no parsing on the client side), and one bucket off at most.
      expect(server).toBeLessThanOrEqual(client + bucketWidthAt(client));
      expect(server).toBeGreaterThanOrEqual(client - 2 * bucketWidthAt(client));
    }
  });

  it('is summed over replicas by the router, bucket by bucket, and survives a replica\'s death', async () => {
    const text = (await httpRequest(server.metricsPort, { path: '/metrics' })).body.toString('utf8');
    const sums = new TritonSums();
    const a = new Replica('r0');
    const b = new Replica('r1');
    sums.update(a, 1, text);
    sums.update(b, 1, text);
    const one = bucketsOf(text, FAMILY, 'slow');
    let out = sums.render();
    expect(out.match(new RegExp(`# TYPE ${FAMILY} histogram`, 'g'))).toHaveLength(1);
    expect(bucketsOf(out, FAMILY, 'slow')).toEqual(one.map((x) => ({ le: x.le, count: 2 * x.count })));
    sums.retire(a);
    out = sums.render();
    expect(bucketsOf(out, FAMILY, 'slow')).toEqual(one.map((x) => ({ le: x.le, count: 2 * x.count })));
  });

  it('the router passes the GPU gauges on averaged per GPU (replicas on one GPU all report that GPU), not summed', () => {
    const sums = new TritonSums();
    const gpu = (util: number): string => `# HELP nv_gpu_utilization GPU utilization rate [0.0 - 1.0)\n# TYPE nv_gpu_utilization gauge\nnv_gpu_utilization{gpu_uuid="GPU-1"} ${util}\n`;
    sums.update(new Replica('r0'), 1, gpu(0.6));
    sums.update(new Replica('r1'), 1, gpu(0.8));
    expect(sums.render()).toContain('nv_gpu_utilization{gpu_uuid="GPU-1"} 0.7');
  });
});
