/**
 * formBatch decides, from the head of a queue, how many requests to send to a free instance now, or until when
 * to wait for more. It follows Triton's dynamic batcher:
 * - a batch grows in queue order while the next request fits in max_batch_size and has the same non-batch shapes;
 * - it is sent at once, whole, when it cannot grow further (full, or the next request does not fit or has other
 *   shapes), or when it reaches the largest preferred batch size;
 * - otherwise it waits until max_queue_delay after the oldest request, then sends the largest preferred size it
 *   reached, or everything it gathered when it reached none (so with a delay of 0 it sends at once).
 */

/** Candidate is what formBatch needs to know of a queued request. */
export interface Candidate {
  batchSize: number;
  /** Requests batch together only when their non-batch input shapes are equal; this key encodes them. */
  shapeKey: string;
  enqueuedNs: bigint;
}

/** BatchPolicy is the part of the model's configuration that shapes batches. */
export interface BatchPolicy {
  maxBatchSize: number;
  /** Ascending, deduplicated. */
  preferred: readonly number[];
  maxQueueDelayNs: bigint;
}

/** Decision is to send the first `take` requests, or to wait until `untilNs` (unless more arrive first). */
export type Decision = { take: number } | { waitUntilNs: bigint } | { idle: true };

/** formBatch decides what to send from `queue[start..]` (oldest first) at time `nowNs`. */
export function formBatch(queue: readonly Candidate[], start: number, nowNs: bigint, policy: BatchPolicy): Decision {
  const first = queue[start];
  if (!first) return { idle: true };
  const largestPreferred = policy.preferred.length ? policy.preferred[policy.preferred.length - 1]! : 0;
  let total = 0;
  let count = 0;
  let preferredCount = 0;
  let canGrow = true;
  for (let i = start; i < queue.length; i++) {
    const c = queue[i]!;
    if (c.shapeKey !== first.shapeKey || total + c.batchSize > policy.maxBatchSize) {
      canGrow = false;
      break;
    }
    total += c.batchSize;
    count++;
    if (policy.preferred.includes(total)) preferredCount = count;
    if (total === policy.maxBatchSize) {
      canGrow = false;
      break;
    }
    if (largestPreferred && total === largestPreferred) return { take: count };
  }
  const deadline = first.enqueuedNs + policy.maxQueueDelayNs;
  if (!canGrow) return { take: count };
  if (nowNs < deadline) return { waitUntilNs: deadline };
  return { take: preferredCount || count };
}
