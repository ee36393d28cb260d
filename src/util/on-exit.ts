/**
 * onProcessExit registers a last, synchronous clean-up (killing a child process or process group) that runs on
 * any exit of this process that runs 'exit' handlers: the end of main, process.exit() after a second Ctrl-C or
 * the interrupt deadline. One 'exit' listener serves every registration, so any number of children can register.
 * A SIGKILL runs nothing: for that, children watch their parent (reference-server/core/parent-watch.ts).
 */
const cleanUps = new Set<() => void>();
let listening = false;

/** onProcessExit runs `fn` when the process exits, until the returned function unregisters it. */
export function onProcessExit(fn: () => void): () => void {
  if (!listening) {
    listening = true;
    process.on('exit', () => {
      for (const f of cleanUps) {
        try {
          f();
        } catch {
          // The next clean-up must still run.
        }
      }
    });
  }
  cleanUps.add(fn);
  return () => cleanUps.delete(fn);
}
