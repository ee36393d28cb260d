/**
 * Admission control: whether the server takes an inference request at all, decided as soon as its headers are
 * read and before its body is read, parsed or decoded, so that refusing one costs almost nothing. A request is
 * refused (503 / UNAVAILABLE, "shed") when:
 * - the event loop runs more than `maxEventLoopDelayMs` late, twice in a row (see LoopDelay): requests are then
 *   waiting in the kernel's socket buffers, where no queue policy sees them, and only cheap refusals let the
 *   loop catch up;
 * - its model's queue is full, counting the requests still being read or parsed: the model holds
 *   `max_queue_size` requests that are not executing (plus what its free instances would start at once), so
 *   the queue could not take this one after parsing it;
 * - its model's queue is standing: the request at its head has waited more than a tenth of the queue timeout
 *   (REJECT models with a timeout only). Under sustained overload this keeps the queue at about a tenth of the
 *   timeout's worth of work, so accepted requests wait little and clients' connections turn over fast; a burst
 *   that arrives at once is still taken whole, since its requests find the queue young;
 * - the server already holds `maxInflightRequests` inference requests (all models together; 0 = no such limit);
 * - the request bodies held would exceed `maxInflightBytes`.
 * Every admitted request holds a Ticket until it is answered.
 */
import type { ModelConfig } from '../config/model-config.js';
import { LoopDelay } from './loop-delay.js';
import type { LoadedModel } from './types.js';

/** AdmissionOptions are the server-wide limits; 0 turns a limit off. */
export interface AdmissionOptions {
  /** false turns admission control off: every request is admitted (only the models' queue policies refuse). */
  enabled?: boolean;
  /** Inference requests in the server at once, every model together (default 0: only the per-model limits). */
  maxInflightRequests?: number;
  /** Request body bytes held by admitted requests at once (default 256 MiB). */
  maxInflightBytes?: number;
  /** Event-loop delay in milliseconds above which inference requests are shed (default 100). */
  maxEventLoopDelayMs?: number;
}

/** DEFAULT_MAX_INFLIGHT_BYTES is the default budget of request body bytes in flight. */
export const DEFAULT_MAX_INFLIGHT_BYTES = 256 * 1024 * 1024;
/** DEFAULT_MAX_EVENT_LOOP_DELAY_MS is the default event-loop delay beyond which requests are shed. */
export const DEFAULT_MAX_EVENT_LOOP_DELAY_MS = 100;
/** RETRY_AFTER_SECONDS is the Retry-After of a shed HTTP request (and the gRPC retry pushback, in ms × 1000). */
export const RETRY_AFTER_SECONDS = 1;

/** ShedReason says which limit refused a request (the `reason` label of gauntlet_inference_shed_total). */
export type ShedReason = 'event_loop_delay' | 'model_queue_full' | 'model_queue_delay' | 'in_flight' | 'bytes_in_flight';

/** SHED_REASONS lists every ShedReason. */
export const SHED_REASONS: readonly ShedReason[] = ['event_loop_delay', 'model_queue_full', 'model_queue_delay', 'in_flight', 'bytes_in_flight'];

/** Ticket is an admitted request's place; `release` (idempotent) gives it back once the request is answered. */
export interface Ticket {
  /** grow adds body bytes learnt while reading (a body without Content-Length); false when over the budget. */
  grow(bytes: number): boolean;
  release(): void;
}

/** Shed is a refusal: why, and the message for the client. */
export interface Shed {
  reason: ShedReason;
  message: string;
}

/**
 * modelAdmissionLimit is the most requests a model holds at once: its queue plus what its instances execute when
 * every request has batch size 1 (0 = no bound: the queue is unbounded). The router sizes its default limit per
 * replica with it.
 */
export function modelAdmissionLimit(config: ModelConfig): number {
  const queue = config.dynamic_batching?.default_queue_policy.max_queue_size ?? 0;
  if (queue <= 0) return 0; // an unbounded queue (Triton's default) asks for no bound
  const instances = config.instance_group.reduce((n, g) => n + g.count, 0);
  return queue + instances * Math.max(1, config.max_batch_size);
}

/** Admission counts admitted requests and bytes, and decides each new request. */
export class Admission {
  readonly maxInflightRequests: number;
  readonly maxInflightBytes: number;
  readonly maxEventLoopDelayMs: number;
  readonly enabled: boolean;
  /** Requests refused, by reason and protocol. */
  readonly shed = new Map<string, number>();
  private requests = 0;
  private bytes = 0;
  private readonly perModel = new Map<LoadedModel, number>();
  private readonly loop: LoopDelay;

  constructor(opts: AdmissionOptions = {}) {
    this.enabled = opts.enabled ?? true;
    this.maxInflightRequests = this.enabled ? (opts.maxInflightRequests ?? 0) : 0;
    this.maxInflightBytes = this.enabled ? (opts.maxInflightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES) : 0;
    this.maxEventLoopDelayMs = this.enabled ? (opts.maxEventLoopDelayMs ?? DEFAULT_MAX_EVENT_LOOP_DELAY_MS) : 0;
    this.loop = new LoopDelay(this.maxEventLoopDelayMs);
    if (this.maxEventLoopDelayMs > 0) this.loop.start();
  }

  /** inflightRequests is the number of admitted requests not yet answered. */
  get inflightRequests(): number {
    return this.requests;
  }

  /** inflightBytes is the body bytes the admitted requests hold. */
  get inflightBytes(): number {
    return this.bytes;
  }

  /** loopCalm is true when the event loop's last measurement was on time and not saturated. */
  get loopCalm(): boolean {
    return this.loop.calm;
  }

  /**
   * admit decides a request for `model` (undefined when not known yet) carrying `bytes` of body, from `protocol`;
   * a refusal is counted (also on the model, as Triton's REJECTED failure).
   */
  admit(model: LoadedModel | undefined, bytes: number, protocol: string): Ticket | Shed {
    const shed = this.check(model, bytes);
    if (shed !== undefined) {
      this.countShed(shed.reason, protocol, model);
      return shed;
    }
    this.requests++;
    this.bytes += bytes;
    if (model) this.perModel.set(model, (this.perModel.get(model) ?? 0) + 1);
    let held = bytes;
    let released = false;
    return {
      grow: (more) => {
        if (released) return true;
        held += more;
        this.bytes += more;
        return this.maxInflightBytes <= 0 || this.bytes === held || this.bytes <= this.maxInflightBytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.requests--;
        this.bytes -= held;
        if (model) this.perModel.set(model, this.perModel.get(model)! - 1);
      },
    };
  }

  /** countShed counts a refusal decided elsewhere (a body that outgrew the byte budget while being read). */
  countShed(reason: ShedReason, protocol: string, model?: LoadedModel): void {
    const key = `${reason}|${protocol}`;
    this.shed.set(key, (this.shed.get(key) ?? 0) + 1);
    model?.recordRejected();
  }

  /** close stops measuring the event loop. */
  close(): void {
    this.loop.stop();
  }

  private check(model: LoadedModel | undefined, bytes: number): Shed | undefined {
    if (this.loop.overloaded()) {
      const delay = Math.round(this.loop.delayMs());
      return { reason: 'event_loop_delay', message: `the server is overloaded: its event loop runs ${delay} ms late (limit ${this.maxEventLoopDelayMs} ms); retry later` };
    }
    if (model && this.enabled) {
      const q = model.queueState();
      const label = `inference request for model '${model.name}' version ${model.version} rejected`;
      if (q.maxQueueSize > 0 && (this.perModel.get(model) ?? 0) - q.executing >= q.maxQueueSize + q.startable) {
        // The same words as the scheduler's own refusal after parsing: to the client it is the same condition.
        return { reason: 'model_queue_full', message: `${label}: the queue is full (max_queue_size ${q.maxQueueSize})` };
      }
      if (q.targetWaitMs > 0 && q.oldestWaitMs > q.targetWaitMs) {
        return { reason: 'model_queue_delay', message: `${label}: the queue is overloaded (its oldest request has waited ${Math.round(q.oldestWaitMs)} ms, over a tenth of the queue timeout); retry later` };
      }
    }
    if (this.maxInflightRequests > 0 && this.requests >= this.maxInflightRequests) {
      return { reason: 'in_flight', message: `the server is at its limit of ${this.maxInflightRequests} inference requests in flight; retry later` };
    }
    // A request larger than the whole budget is still taken when nothing else is held, so it is never refused forever.
    if (this.maxInflightBytes > 0 && this.bytes > 0 && this.bytes + bytes > this.maxInflightBytes) {
      return { reason: 'bytes_in_flight', message: `the server holds ${this.bytes} bytes of requests; ${bytes} more would exceed its limit of ${this.maxInflightBytes}; retry later` };
    }
    return undefined;
  }
}

/** isShed tells a refusal from a ticket. */
export function isShed(x: Ticket | Shed): x is Shed {
  return 'reason' in x;
}
