/**
 * Bounded, abortable waiting for a run's stages: a stage that waits on another process or the network gives up
 * when the run's signal aborts (SIGINT/SIGTERM) or its deadline passes, so an interrupt is always heard promptly.
 */

/** InterruptedError is thrown by a run's setup when its signal aborts before there are results to write. */
export class InterruptedError extends Error {
  constructor(readonly stage: string) {
    super(`interrupted while ${stage}`);
    this.name = 'InterruptedError';
  }
}

/** isInterrupt tells whether an error is (or was caused by) an interrupt of this signal. */
export function isInterrupt(err: unknown, signal: AbortSignal | undefined): boolean {
  return err instanceof InterruptedError || (signal?.aborted === true && err === signal.reason);
}

/** throwIfInterrupted throws an InterruptedError naming the stage when the signal has aborted. */
export function throwIfInterrupted(signal: AbortSignal | undefined, stage: string): void {
  if (signal?.aborted) throw new InterruptedError(stage);
}

/**
 * bounded settles as `work` does, or rejects with an InterruptedError once the signal aborts, or with
 * Error(`${what}: no answer in ${timeoutMs} ms`) once the deadline passes; the caller cleans up what work was doing.
 */
export function bounded<T>(work: Promise<T>, opts: { signal?: AbortSignal; timeoutMs?: number; what: string }): Promise<T> {
  const { signal, timeoutMs, what } = opts;
  if (signal?.aborted) {
    work.catch(() => {});
    return Promise.reject(new InterruptedError(what));
  }
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(new InterruptedError(what));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
    }
    work.then(
      (v) => (done(), resolve(v)),
      (e: unknown) => (done(), reject(e)),
    );
  });
}
