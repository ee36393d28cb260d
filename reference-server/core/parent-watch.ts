/**
 * Exiting when the parent process dies, whatever killed it (Node has no PR_SET_PDEATHSIG). A child learns of it in
 * two ways: its IPC channel to the parent closes ('disconnect', at once), or it is reparented, which a poll of
 * process.ppid notices within PARENT_POLL_MS. A parent that is gone before the watch starts is noticed too: a
 * closed channel is checked at the start, and an expected parent pid (PARENT_PID_ENV) is compared, not merely
 * remembered (the default, the parent at the call, is only right while the parent is alive).
 *
 * Who watches: replicas (forked by the supervisor), GPU instance processes, the benches' load processes, and a
 * `gauntlet serve` started by the harness (which passes its own pid in PARENT_PID_ENV). A `gauntlet serve` that a
 * user started from a shell does not watch: it keeps running when the shell goes, as a server should.
 */

/** PARENT_POLL_MS is how often a watching process compares its parent's pid with the expected one. */
export const PARENT_POLL_MS = 200;

/** PARENT_PID_ENV names the variable through which a parent asks a `gauntlet serve` it starts to die with it. */
export const PARENT_PID_ENV = 'GAUNTLET_PARENT_PID';

/** ParentWatch is a started watch; stop() ends it (the process then outlives its parent again). */
export interface ParentWatch {
  stop(): void;
}

/**
 * watchParent calls `onGone` once, as soon as the parent process is gone: the parent with pid `parentPid` (default:
 * the parent at the call). Its timer is unref'd: the watch alone keeps no process alive.
 */
export function watchParent(onGone: () => void, parentPid: number = process.ppid): ParentWatch {
  let fired = false;
  const fire = (): void => {
    if (fired) return;
    fired = true;
    stop();
    onGone();
  };
  const check = (): void => {
    if (process.ppid !== parentPid) fire();
  };
  const timer = setInterval(check, PARENT_POLL_MS);
  timer.unref();
  const hasChannel = typeof process.send === 'function';
  if (hasChannel) process.once('disconnect', fire);
  const stop = (): void => {
    clearInterval(timer);
    if (hasChannel) process.off('disconnect', fire);
  };
  // The parent died before the watch began (reparented, or the channel already closed): at once, after the caller's setup.
  if (process.ppid !== parentPid || (hasChannel && !process.connected)) setImmediate(fire);
  return { stop };
}

/**
 * exitWithParent makes the process exit (code 1) once its parent is gone: `cleanUp` may run first, but never for
 * longer than `cleanUpMs` (default 1000 ms).
 */
export function exitWithParent(opts: { parentPid?: number; cleanUp?: () => Promise<unknown> | void; cleanUpMs?: number; log?: (line: string) => void } = {}): ParentWatch {
  return watchParent(() => {
    opts.log?.('the parent process is gone: exiting');
    const exit = (): never => process.exit(1);
    setTimeout(exit, opts.cleanUpMs ?? 1000).unref();
    if (!opts.cleanUp) return exit();
    Promise.resolve()
      .then(opts.cleanUp)
      .then(exit, exit);
  }, opts.parentPid);
}

/**
 * parentPidFromEnv reads (and removes, so the process's own children do not inherit it) the pid a parent passed in
 * PARENT_PID_ENV; undefined when absent or not a pid.
 */
export function parentPidFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[PARENT_PID_ENV];
  delete env[PARENT_PID_ENV];
  const pid = Number(raw);
  return raw !== undefined && Number.isInteger(pid) && pid > 1 ? pid : undefined;
}
