/**
 * One request of an Http1Pool from send() until its end is delivered: a Job, and the two ways it ends. A counted
 * or kept job (send, fetch) resolves with an Outcome or an HttpResponse once the response is whole; a streamed job
 * hands its response to a StreamHandler as it arrives (head, then body chunks, then one end), and its handler owns
 * its timeouts (it may end the job at any time with the pool's withdraw or abort).
 */
import { nowUs, type Outcome } from './client.js';

/** HttpResponse is an outcome with its response kept, as `fetch` returns it (used by `check()`). */
export interface HttpResponse {
  outcome: Outcome;
  status: number;
  /** The status line and headers, CRLF-separated ('' when no response arrived). */
  head: string;
  body: Buffer;
  /** Why no response arrived, for failures without one ('' otherwise). */
  error: string;
}

/** StreamEnd is how a streamed job ended: a complete response (with the kept body of a non-2xx one), or a failure. */
export type StreamEnd = { kind: 'complete'; errorBody?: Buffer } | { kind: 'failed'; code: string; message: string };

/** StreamHandler receives a streamed response; each callback is called at most once, except onBody. */
export interface StreamHandler {
  /** onSent: the request was written (the first time, for a resent request). */
  onSent(): void;
  /** onHead: the final status and the response head (status line and headers), when they arrived at `atUs`. */
  onHead(status: number, head: string, atUs: number): void;
  /** onBody: body bytes of a 2xx response (decoded from chunked framing) that arrived at `atUs`; valid only during the call. */
  onBody(chunk: Buffer, atUs: number): void;
  /** onEnd: the response is complete, malformed, or its connection closed or failed, or the pool was closed. */
  onEnd(end: StreamEnd): void;
}

/** Body bytes kept for `fetch`: all of them. */
export const KEEP_ALL = Number.MAX_SAFE_INTEGER;

/** Job is one request, from send() until its outcome is delivered (possibly through the wait queue or a retry). */
export class Job {
  sentUs = 0;
  /** When the job began waiting for a free connection (0: it never waited). */
  queuedUs = 0;
  /** Fails the job as TIMEOUT if it is still waiting for a connection timeoutMs after it began to wait. */
  waitTimer: NodeJS.Timeout | null = null;
  retried = false;
  resolve: (v: Outcome | HttpResponse) => void = noop;
  constructor(
    readonly payload: Buffer,
    readonly noBody: boolean,
    readonly keep: boolean,
    /** With `keep`: the most body bytes kept (the rest is counted in `bytes`, not kept). */
    readonly keepBytes: number = KEEP_ALL,
    /** Where a streamed response goes as it arrives (null: the response is counted or kept whole). */
    readonly stream: StreamHandler | null = null,
  ) {}
}

function noop(): void {}

/** failure is the outcome of a job that got no (complete) response. */
export function failure(job: Job, code: string, firstByteUs = 0, bytes = 0): Outcome {
  const sentUs = job.sentUs === 0 ? nowUs() : job.sentUs;
  return { code, sentUs, firstByteUs: firstByteUs === 0 ? undefined : firstByteUs, doneUs: nowUs(), bytes };
}

/** deliver resolves a job: with the outcome, or with the kept response for `fetch`. */
export function deliver(job: Job, outcome: Outcome, kept: HttpResponse | null, error = ''): void {
  if (!job.keep) return job.resolve(outcome);
  job.resolve(kept ?? { outcome, status: 0, head: '', body: Buffer.alloc(0), error });
}

/** failJob ends a job that got no complete response: its handler's onEnd for a streamed job, else its failure outcome. */
export function failJob(job: Job, code: string, message: string, firstByteUs = 0, bytes = 0): void {
  if (job.stream !== null) return job.stream.onEnd({ kind: 'failed', code, message });
  deliver(job, failure(job, code, firstByteUs, bytes), null, message);
}
