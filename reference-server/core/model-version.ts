/**
 * ModelVersion is one served model version: its instances, its scheduler and its statistics. It validates each
 * request, queues it, assembles batches into one buffer per input, runs them on a free instance and splits the
 * outputs back per request (as views, without copying).
 */
import os from 'node:os';
import type { ModelConfig } from '../config/model-config.js';
import { toDatatype } from '../config/validate-model-config.js';
import { Instance, type RunResult } from '../instances/instance.js';
import type { SessionSpec, WireTensor } from '../instances/protocol.js';
import { Scheduler, type Job } from '../scheduler/scheduler.js';
import { checkSession } from './check-session.js';
import { InferError, internal, unavailable } from './errors.js';
import { ModelStats } from './model-stats.js';
import { OrderGate } from './order-gate.js';
import type { Tensor } from './tensor.js';
import type { InferRequest, InferResponse, LoadedModel, ModelMetadata, ModelStatistics, QueueState } from './types.js';
import { type ValidatedRequest, validateRequest } from './validate-request.js';

interface ModelJob extends Job, ValidatedRequest {
  id?: string;
  receivedNs: bigint;
  resolve(r: InferResponse): void;
}

/** ModelVersionOptions are server-wide settings a model version needs. */
export interface ModelVersionOptions {
  /** Cores to share among instances when intra_op_threads is 0 (default: os.availableParallelism()). */
  cores?: number;
}

/** ModelVersion implements LoadedModel for one version folder. */
export class ModelVersion implements LoadedModel {
  readonly stats: ModelStats;
  private readonly label: string;
  private instances: Instance[] = [];
  private scheduler!: Scheduler<ModelJob>;
  private readonly gate?: OrderGate;
  private state: 'loading' | 'ready' | 'unavailable' | 'closed' = 'loading';
  private spec!: SessionSpec;
  private isolation: 'thread' | 'process' = 'thread';
  /** Why the model is not ready, when it is not. */
  reason = '';

  private constructor(
    readonly name: string,
    readonly version: string,
    private cfg: ModelConfig,
    readonly modelPath: string,
  ) {
    this.label = `'${name}' version ${version}`;
    this.stats = new ModelStats(name, version);
    if (cfg.dynamic_batching?.preserve_ordering) this.gate = new OrderGate();
  }

  /** load starts every instance of the model version and resolves once all are ready; rejects with the reason otherwise. */
  static async load(config: ModelConfig, version: string, modelPath: string, opts: ModelVersionOptions = {}): Promise<ModelVersion> {
    const m = new ModelVersion(config.name, version, config, modelPath);
    await m.start(opts);
    return m;
  }

  private async start(opts: ModelVersionOptions): Promise<void> {
    const c = this.config;
    const count = c.instance_group.reduce((n, g) => n + g.count, 0);
    const cores = opts.cores ?? os.availableParallelism();
    this.spec = {
      modelPath: this.modelPath,
      executionProvider: c.execution_provider,
      fallbackToCpu: c.fallback_to_cpu,
      intraOpThreads: c.intra_op_threads || Math.max(1, Math.floor(cores / count)),
      graphOptimizationLevel: c.graph_optimization_level,
      artificialDelayUs: c.artificial_delay_us ?? 0,
    };
    this.isolation = c.execution_provider === 'cpu' ? 'thread' : 'process';
    this.instances = Array.from({ length: count }, (_, i) => new Instance(`${this.name}_${i}`, this.spec, this.isolation));
    try {
      const infos = await Promise.all(this.instances.map((i) => i.start()));
      const problems = checkSession(c, infos[0]!);
      if (problems.length) throw new Error(`the ONNX model does not match config.yaml: ${problems.join('; ')}`);
    } catch (err) {
      await Promise.all(this.instances.map((i) => i.close()));
      const why = (err as Error).message;
      const ep = c.execution_provider;
      throw new Error(ep === 'cpu' ? why : `execution provider '${ep}' is unavailable: ${why}`);
    }
    const b = c.dynamic_batching;
    this.scheduler = new Scheduler<ModelJob>(
      {
        modelLabel: this.label,
        instances: count,
        batching: b && {
          maxBatchSize: c.max_batch_size,
          preferred: [...new Set(b.preferred_batch_size)].sort((x, y) => x - y),
          maxQueueDelayNs: BigInt(b.max_queue_delay_microseconds) * 1000n,
        },
        maxQueueSize: b?.default_queue_policy.max_queue_size ?? 0,
        timeoutAction: b?.default_queue_policy.timeout_action ?? 'REJECT',
      },
      (batch, instance, release) => this.runBatch(batch, instance, release),
    );
    this.stats.pendingSource = () => this.scheduler.pending;
    this.state = 'ready';
  }

  ready(): boolean {
    return this.state === 'ready';
  }

  /** executionProvider is what the instances actually run on (after any permitted CPU fallback). */
  get executionProvider(): string {
    return this.instances[0]?.info?.executionProvider ?? this.config.execution_provider;
  }

  metadata(): ModelMetadata {
    const batched = this.config.max_batch_size > 0;
    const meta = (list: ModelConfig['input']) =>
      list.map((t) => ({ name: t.name, datatype: toDatatype(t.data_type), shape: batched ? [-1, ...t.dims] : [...t.dims] }));
    return { name: this.name, versions: [this.version], platform: this.config.platform, inputs: meta(this.config.input), outputs: meta(this.config.output) };
  }

  statistics(): ModelStatistics {
    return this.stats.snapshot();
  }

  recordRejected(): void {
    this.stats.recordFailure('REJECTED', 0);
  }

  queueState(): QueueState {
    const policy = this.config.dynamic_batching?.default_queue_policy;
    const oldest = this.scheduler?.oldestEnqueuedNs;
    return {
      maxQueueSize: policy?.max_queue_size ?? 0,
      executing: this.scheduler?.executingJobs ?? 0,
      startable: (this.scheduler?.idleInstances ?? 0) * Math.max(1, this.config.max_batch_size),
      oldestWaitMs: oldest === undefined ? 0 : Number(process.hrtime.bigint() - oldest) / 1e6,
      // DELAY asks for late requests to be served anyway: its queue is never called standing.
      targetWaitMs: policy && policy.timeout_action === 'REJECT' ? policy.default_timeout_microseconds / 10_000 : 0,
    };
  }

  infer(request: InferRequest): Promise<InferResponse> {
    const ticket = this.gate?.ticket();
    const settle = <T>(fn: () => T): void => {
      if (this.gate && ticket !== undefined) this.gate.complete(ticket, fn);
      else fn();
    };
    return new Promise<InferResponse>((resolve, reject) => {
      const fail = (err: Error): void => {
        const e = err instanceof InferError ? err : internal(err.message);
        this.stats.recordFailure(e.reason, Number(process.hrtime.bigint() - request.receivedNs));
        settle(() => reject(e));
      };
      try {
        if (this.state !== 'ready') throw unavailable(`model ${this.label} is not ready${this.reason ? `: ${this.reason}` : ''}`);
        const v = validateRequest(this.config, this.label, request);
        const now = process.hrtime.bigint();
        const job: ModelJob = {
          ...v,
          receivedNs: request.receivedNs,
          enqueuedNs: now,
          fail,
          resolve: (r) => settle(() => resolve(r)),
        };
        if (request.id !== undefined) job.id = request.id;
        if (v.timeoutUs !== undefined) job.deadlineNs = now + BigInt(v.timeoutUs) * 1000n;
        this.scheduler.submit(job);
      } catch (err) {
        fail(err as Error);
      }
    });
  }

  /** config is the version's effective configuration (what `/config` returns). */
  get config(): ModelConfig {
    return this.cfg;
  }

  /** adoptConfig takes the configuration of a later load that keeps this version; it may differ only in version_policy. */
  adoptConfig(config: ModelConfig): void {
    this.cfg = config;
  }

  /** close stops accepting requests, waits for queued and executing ones up to `graceMs`, then ends the instances. */
  async close(graceMs = 10_000): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.scheduler) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
      await Promise.race([this.scheduler.drain(), deadline]);
      clearTimeout(timer);
      this.scheduler.close(unavailable(`model ${this.label} is shutting down`));
    }
    await Promise.all(this.instances.map((i) => i.close()));
  }

  private async runBatch(batch: ModelJob[], slot: number, release: () => void): Promise<void> {
    const dispatchNs = process.hrtime.bigint();
    const total = batch.reduce((n, j) => n + j.batchSize, 0);
    const outputs = this.config.output.map((o) => o.name).filter((n) => batch.some((j) => j.outputs.includes(n)));
    let result: RunResult;
    try {
      const instance = this.instances[slot]!;
      result = await instance.run(assemble(batch, total, this.config.max_batch_size > 0, instance.sharedMemory), outputs);
    } catch (err) {
      const e = internal(`model ${this.label} failed to execute the batch: ${(err as Error).message}`);
      for (const j of batch) j.fail(e);
      if (!this.instances[slot]!.alive) await this.replace(slot);
      return;
    }
    release(); // the instance is free: let the next batch start before these responses are written
    const splitStart = process.hrtime.bigint();
    let split: Tensor[][];
    try {
      split = splitOutputs(result.outputs, batch, total, this.config.max_batch_size > 0);
    } catch (err) {
      for (const j of batch) j.fail(err as Error);
      return;
    }
    const splitNs = Number(process.hrtime.bigint() - splitStart);
    // The instance's own stage times, plus the main thread's assembly and hand-over around them.
    const roundTripNs = Number(splitStart - dispatchNs);
    const inputNs = result.inputNs + Math.max(0, roundTripNs - result.inputNs - result.inferNs - result.outputNs);
    const outputNs = result.outputNs + splitNs;
    this.stats.recordExecution(total, inputNs, result.inferNs, outputNs);
    const done = process.hrtime.bigint();
    batch.forEach((j, i) => {
      this.stats.recordSuccess(j.batchSize, {
        totalNs: Number(done - j.receivedNs),
        queueNs: Number(dispatchNs - j.enqueuedNs),
        inputNs,
        inferNs: result.inferNs,
        outputNs,
      });
      const response: InferResponse = { modelName: this.name, modelVersion: this.version, outputs: split[i]! };
      if (j.id !== undefined) response.id = j.id;
      j.resolve(response);
    });
  }

  /** replace starts a new instance in a slot whose thread or process died; the model goes unavailable if it cannot. */
  private async replace(slot: number): Promise<void> {
    const next = new Instance(`${this.name}_${slot}`, this.spec, this.isolation);
    try {
      await next.start();
      this.instances[slot] = next;
    } catch (err) {
      this.state = 'unavailable';
      this.reason = `instance ${slot} died and could not be restarted: ${(err as Error).message}`;
    }
  }
}

/** assemble concatenates the batch's inputs along the batch dimension into one fresh buffer per input. */
function assemble(batch: ModelJob[], total: number, batched: boolean, shared: boolean): WireTensor[] {
  const first = batch[0]!;
  return first.inputs.map((t0, k) => {
    const dims = batched ? [total, ...t0.shape.slice(1)] : t0.shape.slice();
    if (t0.datatype === 'BYTES') {
      const strings = batch.flatMap((j) => (j.inputs[k]!.data as Uint8Array[]).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')));
      return { name: t0.name, datatype: t0.datatype, dims, buffer: new ArrayBuffer(0), byteOffset: 0, byteLength: 0, strings };
    }
    const size = batch.reduce((n, j) => n + (j.inputs[k]!.data as Uint8Array).byteLength, 0);
    const buffer = shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
    const bytes = new Uint8Array(buffer);
    let off = 0;
    for (const j of batch) {
      const d = j.inputs[k]!.data as Uint8Array;
      bytes.set(d, off);
      off += d.byteLength;
    }
    return { name: t0.name, datatype: t0.datatype, dims, buffer, byteOffset: 0, byteLength: size };
  });
}

/** splitOutputs cuts each output along the batch dimension into one view per request, keeping requested outputs only. */
function splitOutputs(outputs: WireTensor[], batch: ModelJob[], total: number, batched: boolean): Tensor[][] {
  const per: Tensor[][] = batch.map(() => []);
  for (const o of outputs) {
    const rows = batched ? o.dims[0] ?? 0 : 1;
    if (batched && rows !== total) throw internal(`output '${o.name}' has batch dimension ${rows}, expected ${total}`);
    const rowBytes = rows ? o.byteLength / rows : 0;
    const rowElems = o.strings && rows ? o.strings.length / rows : 0;
    let row = 0;
    batch.forEach((j, i) => {
      const take = batched ? j.batchSize : 1;
      if (j.outputs.includes(o.name)) {
        const shape = batched ? [take, ...o.dims.slice(1)] : o.dims.slice();
        const data = o.strings
          ? o.strings.slice(row * rowElems, (row + take) * rowElems).map((s) => new Uint8Array(Buffer.from(s, 'utf8')))
          : new Uint8Array(o.buffer, o.byteOffset + row * rowBytes, take * rowBytes);
        per[i]!.push({ name: o.name, datatype: o.datatype, shape, data });
      }
      row += take;
    });
  }
  return per;
}
