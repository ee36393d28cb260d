/**
 * Runs one closed-loop measurement in a child process: the spec arrives as argv[2] (JSON), the LoadResult
 * leaves on stdout as one JSON line. The child exits as soon as its parent is gone.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exitWithParent } from '../../reference-server/core/parent-watch.js';
import { type LoadResult, type LoadSpec, runClosedLoop } from './closed-loop.js';

/** measureInChild runs a LoadSpec in a separate Node process and resolves with its result. */
export function measureInChild(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const self = fileURLToPath(import.meta.url);
    const execArgv = self.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = fork(self, [JSON.stringify(spec)], { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load process exited with code ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

if (process.argv[2] && process.send) {
  // A bench that is killed must not leave its load running.
  exitWithParent();
  runClosedLoop(JSON.parse(process.argv[2]) as LoadSpec).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
