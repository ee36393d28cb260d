/**
 * Latency histograms kept beside a model version's counters (ModelStats) and exported under Triton's histogram
 * name `nv_inference_first_response_histogram_ms` (Triton's optional histogram latencies, `--metrics-config
 * histogram_latencies=true`; labels `model`, `version`; milliseconds). The counts live in ModelStats, not in the
 * prom-client registry, so a model version loaded after the server started is exported from its first request on,
 * like its counters.
 */
import { Histogram, type Registry } from 'prom-client';

/**
 * LATENCY_BUCKETS_MS are the upper bounds (ms) of the exported latency histograms: 1-2-3-5 steps per decade from
 * 0.1 ms to 60 s, so that histogram_quantile is off by at most one step (less than 2×) anywhere in that range.
 * Triton's own default buckets (100, 500, 2000, 5000 ms) cannot resolve a CPU model's millisecond latencies;
 * Triton lets a model override them, which is what these are.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = [0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10_000, 20_000, 30_000, 60_000];

/** LatencyBuckets counts observations (ms) per bucket of LATENCY_BUCKETS_MS, plus one past the last, and their sum. */
export class LatencyBuckets {
  /** Per bucket (not cumulative); the last entry counts what is above the largest bound. */
  readonly counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  sumMs = 0;
  count = 0;

  /** observe counts one latency in milliseconds. */
  observe(ms: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
    this.counts[i]!++;
    this.sumMs += ms;
    this.count++;
  }
}

/** LabelledBuckets is one labelled series of a histogram family. */
export interface LabelledBuckets {
  labels: Record<string, string>;
  buckets: LatencyBuckets;
}

/**
 * registerLatencyHistogram adds a histogram family to `registry` whose series are read at scrape time from
 * `read()` (each call lists every series with its current counts).
 */
export function registerLatencyHistogram(registry: Registry, name: string, help: string, labelNames: readonly string[], read: () => LabelledBuckets[]): void {
  new ScrapedHistogram({ name, help, labelNames, buckets: [...LATENCY_BUCKETS_MS], registers: [registry] }, read);
}

type Exported = Awaited<ReturnType<Histogram['get']>>;

/**
 * ScrapedHistogram is a prom-client Histogram whose values come from LatencyBuckets instead of its own observe().
 * prom-client's registry renders a metric through getForPromString() when it has one (else get()); both are
 * replaced, and both return the shape Histogram.get() documents.
 */
class ScrapedHistogram extends Histogram {
  private readonly family: { name: string; help: string };

  constructor(
    config: ConstructorParameters<typeof Histogram>[0],
    private readonly read: () => LabelledBuckets[],
  ) {
    super(config);
    this.family = { name: config.name, help: config.help };
  }

  override async get(): Promise<Exported> {
    const { name, help } = this.family;
    const values: Exported['values'] = [];
    for (const { labels, buckets } of this.read()) {
      let cumulative = 0;
      LATENCY_BUCKETS_MS.forEach((le, i) => {
        cumulative += buckets.counts[i]!;
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: buckets.count });
      values.push({ metricName: `${name}_sum`, labels, value: buckets.sumMs });
      values.push({ metricName: `${name}_count`, labels, value: buckets.count });
    }
    return { name, help, type: 'histogram', values, aggregator: 'sum' } as unknown as Exported;
  }

  getForPromString(): Promise<Exported> {
    return this.get();
  }
}
