/**
 * withInterrupt runs a command that stops early on SIGINT or SIGTERM: the first signal aborts `signal` (the
 * command stops what it is doing, writes its results and returns, which every stage does within about a second);
 * a second signal exits at once with 130. Should the process still be alive HARD_STOP_MS after the first signal
 * (a stage that did not hear it), it exits with 3 on its own. Either way the children go with it: the embedded
 * server and command faults are killed by 'exit' handlers, and watch for our death besides.
 */

/** HARD_STOP_MS is how long after the first signal the process exits (code 3) whatever it is still doing. */
export const HARD_STOP_MS = 1800;

/** withInterrupt runs `work` with a signal that SIGINT and SIGTERM abort. */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<T> {
  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
    // Unref'd: it keeps nothing alive, and fires only if the process has not ended by then.
    setTimeout(() => {
      log(`interrupted: still not stopped ${HARD_STOP_MS / 1000} s after the signal: exiting now`);
      process.exit(3);
    }, HARD_STOP_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
