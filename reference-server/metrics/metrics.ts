/**
 * Prometheus metrics with Triton's names and meanings, read at scrape time from each model version's ModelStats
 * (the same numbers the statistics extension reports), plus a batch-size histogram, process CPU and memory,
 * and GPU utilisation and memory when `nvidia-smi` is present.
 */
import os from 'node:os';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type Admission, SHED_REASONS } from '../core/admission.js';
import type { ModelVersion } from '../core/model-version.js';
import { GpuSampler } from './gpu-sampler.js';
import { registerLatencyHistogram } from './latency-histogram.js';

/** Metrics owns one server's metric registry. */
export class Metrics {
  readonly registry = new Registry();
  private readonly gpu = new GpuSampler();
  private lastCpu = cpuTimes();

  constructor(
    private readonly models: () => ModelVersion[],
    admission?: Admission,
  ) {
    const r = [this.registry];
    const labelNames = ['model', 'version'] as const;
    const perModel = (name: string, help: string, value: (m: ModelVersion) => number): void => {
      const list = this.models;
      new Counter({
        name,
        help,
        labelNames,
        registers: r,
        collect() {
          this.reset();
          for (const m of list()) this.inc({ model: m.name, version: m.version }, value(m));
        },
      });
    };
    perModel('nv_inference_request_success', 'Number of successful inference requests, all batch sizes', (m) => m.stats.success.count);
    perModel('nv_inference_count', 'Number of inferences performed (a request of batch size N counts N)', (m) => m.stats.inferenceCount);
    perModel('nv_inference_exec_count', 'Number of model executions performed (batches)', (m) => m.stats.executionCount);
    perModel('nv_inference_request_duration_us', 'Cumulative inference request duration in microseconds', (m) => us(m.stats.success.ns));
    perModel('nv_inference_queue_duration_us', 'Cumulative inference queuing duration in microseconds', (m) => us(m.stats.queue.ns));
    perModel('nv_inference_compute_input_duration_us', 'Cumulative compute input duration in microseconds', (m) => us(m.stats.computeInput.ns));
    perModel('nv_inference_compute_infer_duration_us', 'Cumulative compute inference duration in microseconds', (m) => us(m.stats.computeInfer.ns));
    perModel('nv_inference_compute_output_duration_us', 'Cumulative inference compute output duration in microseconds', (m) => us(m.stats.computeOutput.ns));
    const list = this.models;
    new Counter({
      name: 'nv_inference_request_failure',
      help: 'Number of failed inference requests, all batch sizes',
      labelNames: ['model', 'version', 'reason'],
      registers: r,
      collect() {
        this.reset();
        for (const m of list()) {
          for (const reason of ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER']) {
            this.inc({ model: m.name, version: m.version, reason }, m.stats.failures.get(reason) ?? 0);
          }
        }
      },
    });
    new Gauge({
      name: 'nv_inference_pending_request_count',
      help: 'Instantaneous number of pending requests awaiting execution per model',
      labelNames,
      registers: r,
      collect() {
        this.reset();
        for (const m of list()) this.set({ model: m.name, version: m.version }, m.stats.pendingSource());
      },
    });
    // Triton's optional histogram (histogram_latencies=true), always on here. Triton exports it for decoupled
    // models only; a model that sends one response per request has its first response at its end, so it is the
    // request's whole time in the server.
    registerLatencyHistogram(this.registry, 'nv_inference_first_response_histogram_ms', 'Duration from request to first response in milliseconds', labelNames, () =>
      list().map((m) => ({ labels: { model: m.name, version: m.version }, buckets: m.stats.firstResponse })),
    );
    if (admission) registerAdmission(r, admission);
    const batches = new Histogram({
      name: 'gauntlet_inference_batch_size',
      help: 'Batch size of each model execution (inferences per execution)',
      labelNames,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers: r,
    });
    for (const m of this.models()) m.stats.onExecution((size) => batches.observe({ model: m.name, version: m.version }, size));
    const self = this;
    new Gauge({
      name: 'nv_cpu_utilization',
      help: 'CPU utilization rate [0.0 - 1.0] since the last scrape',
      registers: r,
      collect() {
        const now = cpuTimes();
        const busy = now.busy - self.lastCpu.busy;
        const total = now.total - self.lastCpu.total;
        self.lastCpu = now;
        this.set(total > 0 ? busy / total : 0);
      },
    });
    new Gauge({ name: 'nv_cpu_memory_total_bytes', help: 'CPU total memory (RAM), in bytes', registers: r, collect() { this.set(os.totalmem()); } });
    new Gauge({ name: 'nv_cpu_memory_used_bytes', help: 'CPU used memory (RAM), in bytes', registers: r, collect() { this.set(os.totalmem() - os.freemem()); } });
    this.gpu.register(this.registry);
    collectDefaultMetrics({ register: this.registry });
  }

  /** text renders the metrics in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** close stops background sampling. */
  close(): void {
    this.gpu.stop();
  }
}

/** registerAdmission adds the admission-control series: requests shed before parsing, and what is in flight. */
function registerAdmission(registers: Registry[], admission: Admission): void {
  new Counter({
    name: 'gauntlet_inference_shed_total',
    help: 'Inference requests refused by admission control before their body was read (503 / UNAVAILABLE), by the limit that refused them',
    labelNames: ['reason', 'protocol'],
    registers,
    collect() {
      this.reset();
      for (const reason of SHED_REASONS) {
        for (const protocol of ['http', 'grpc']) this.inc({ reason, protocol }, admission.shed.get(`${reason}|${protocol}`) ?? 0);
      }
    },
  });
  new Gauge({ name: 'gauntlet_inference_in_flight', help: 'Inference requests admitted and not yet answered (being read, queued or executing)', registers, collect() { this.set(admission.inflightRequests); } });
  new Gauge({ name: 'gauntlet_inference_in_flight_bytes', help: 'Request body bytes held by admitted inference requests', registers, collect() { this.set(admission.inflightBytes); } });
}

function us(ns: number): number {
  return Math.round(ns / 1000);
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}
