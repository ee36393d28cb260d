/**
 * ModelStats accumulates one model version's statistics with Triton's meanings; it feeds both the statistics
 * extension (`/v2/models/{m}/stats`, gRPC ModelStatistics) and the Prometheus metrics, so the two always agree.
 *
 * As in Triton, per-request durations attribute a batch's compute time to every request in it, while batch
 * statistics count each execution once.
 */
import { LatencyBuckets } from '../metrics/latency-histogram.js';
import type { BatchStats, ModelStatistics, StatDuration } from './types.js';

/** RequestTiming is one successful request's time in each stage, in nanoseconds. */
export interface RequestTiming {
  /** From receipt by the front end to the response being ready. */
  totalNs: number;
  queueNs: number;
  inputNs: number;
  inferNs: number;
  outputNs: number;
}

/** ExecutionListener hears about every execution (used for the batch-size histogram). */
export type ExecutionListener = (batchSize: number) => void;

const zero = (): StatDuration => ({ count: 0, ns: 0 });

/** ModelStats holds the counters for one model version. */
export class ModelStats {
  inferenceCount = 0;
  executionCount = 0;
  lastInferenceMs = 0;
  /** Reads how many requests are queued and not yet executing (nv_inference_pending_request_count). */
  pendingSource: () => number = () => 0;
  readonly success = zero();
  readonly fail = zero();
  readonly queue = zero();
  readonly computeInput = zero();
  readonly computeInfer = zero();
  readonly computeOutput = zero();
  /** Failed requests by reason label (REJECTED, CANCELED, BACKEND, OTHER). */
  readonly failures = new Map<string, number>();
  /** Successful requests' times from receipt to response (ms): nv_inference_first_response_histogram_ms. */
  readonly firstResponse = new LatencyBuckets();
  private readonly batches = new Map<number, BatchStats>();
  private readonly listeners: ExecutionListener[] = [];

  constructor(
    readonly name: string,
    readonly version: string,
  ) {}

  /** onExecution subscribes to executions. */
  onExecution(listener: ExecutionListener): void {
    this.listeners.push(listener);
  }

  /** recordSuccess counts one successful request of `batchSize` inferences. */
  recordSuccess(batchSize: number, t: RequestTiming): void {
    this.inferenceCount += batchSize;
    this.lastInferenceMs = Date.now();
    add(this.success, t.totalNs);
    this.firstResponse.observe(t.totalNs / 1e6);
    add(this.queue, t.queueNs);
    add(this.computeInput, t.inputNs);
    add(this.computeInfer, t.inferNs);
    add(this.computeOutput, t.outputNs);
  }

  /** recordFailure counts one failed request. */
  recordFailure(reason: string, totalNs: number): void {
    add(this.fail, totalNs);
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
  }

  /** recordExecution counts one execution of a batch of `batchSize` inferences. */
  recordExecution(batchSize: number, inputNs: number, inferNs: number, outputNs: number): void {
    this.executionCount++;
    let b = this.batches.get(batchSize);
    if (!b) {
      b = { batch_size: batchSize, compute_input: zero(), compute_infer: zero(), compute_output: zero() };
      this.batches.set(batchSize, b);
    }
    add(b.compute_input, inputNs);
    add(b.compute_infer, inferNs);
    add(b.compute_output, outputNs);
    for (const l of this.listeners) l(batchSize);
  }

  /** snapshot returns the statistics in Triton's ModelStatistics form. */
  snapshot(): ModelStatistics {
    const copy = (d: StatDuration): StatDuration => ({ count: d.count, ns: d.ns });
    return {
      name: this.name,
      version: this.version,
      last_inference: this.lastInferenceMs,
      inference_count: this.inferenceCount,
      execution_count: this.executionCount,
      inference_stats: {
        success: copy(this.success),
        fail: copy(this.fail),
        queue: copy(this.queue),
        compute_input: copy(this.computeInput),
        compute_infer: copy(this.computeInfer),
        compute_output: copy(this.computeOutput),
        cache_hit: zero(),
        cache_miss: zero(),
      },
      batch_stats: [...this.batches.values()]
        .sort((a, b) => a.batch_size - b.batch_size)
        .map((b) => ({ batch_size: b.batch_size, compute_input: copy(b.compute_input), compute_infer: copy(b.compute_infer), compute_output: copy(b.compute_output) })),
    };
  }
}

function add(d: StatDuration, ns: number): void {
  d.count++;
  d.ns += ns;
}
