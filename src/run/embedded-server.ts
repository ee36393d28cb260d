/**
 * Starts the reference server as a child process on free loopback ports (`gauntlet serve --http-port 0 ...`)
 * and waits for the start-up lines Triton also prints. gauntlet talks to it over the wire only, as to any target.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processCpuSeconds } from '../util/proc-stat.js';

/** EmbeddedServer is a running reference server child process. */
export interface EmbeddedServer {
  child: ChildProcess;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  /** The admin API's port and token, when the server runs replicas (`--replicas N`, N > 1; docs/cluster.md). */
  adminPort?: number;
  adminToken?: string;
  /** Everything the server printed so far. */
  output(): string;
  /** cpuSeconds is the CPU time the server process used so far (Linux /proc; 0 elsewhere). */
  cpuSeconds(): number;
  /** stop sends SIGTERM (graceful drain) and resolves with the exit code. */
  stop(): Promise<number | null>;
}

const here = import.meta.url;
const fromSource = here.endsWith('.ts');
const CLI = fileURLToPath(new URL(fromSource ? '../cli/main.ts' : '../cli/main.js', here));

/**
 * EMBEDDED_NICE is the CPU priority the embedded server runs at. It shares the machine with the load generator,
 * whose sends must leave on time to the millisecond: at nice 0 a busy server's threads delay the generator's
 * wake-ups by several milliseconds; a lower priority lets the mostly sleeping generator run the moment it
 * wakes, while the server still gets every cycle the generator leaves idle.
 */
export const EMBEDDED_NICE = 5;

/** startEmbeddedServer runs `gauntlet serve` with extra arguments and resolves once it reports ready. */
export function startEmbeddedServer(args: string[], timeoutMs = 180_000): Promise<EmbeddedServer> {
  const execArgv = fromSource ? ['--import', 'tsx'] : [];
  const argv = [...execArgv, CLI, 'serve', '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', ...args];
  // Through nice(1), so every thread the server starts inherits the priority.
  const nice = existsSync('/usr/bin/nice') ? '/usr/bin/nice' : undefined;
  const child = nice
    ? spawn(nice, ['-n', String(EMBEDDED_NICE), process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const ports: Record<string, number> = {};
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the reference server did not become ready in ${timeoutMs / 1000} s:\n${out}`));
    }, timeoutMs);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`the reference server exited (code ${code}) before it was ready:\n${out}`));
    };
    const onData = (d: Buffer): void => {
      out += d.toString();
      for (const m of out.matchAll(/Started (GRPCInferenceService|HTTPService|Metrics Service) at .*:(\d+)/g)) ports[m[1]!] = Number(m[2]);
      if (/Server is ready/.test(out)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        const admin = /^Started Admin API at .*:(\d+) \(token: (\S+)\)$/m.exec(out);
        resolve({
          child,
          httpPort: ports['HTTPService']!,
          grpcPort: ports['GRPCInferenceService']!,
          metricsPort: ports['Metrics Service']!,
          ...(admin ? { adminPort: Number(admin[1]), adminToken: admin[2]! } : {}),
          output: () => out,
          cpuSeconds: () => processCpuSeconds(child.pid),
          stop: () =>
            new Promise((r) => {
              if (child.exitCode !== null) return r(child.exitCode);
              child.once('exit', (code) => r(code));
              child.kill('SIGTERM');
            }),
        });
      } else if (/NOT ready/.test(out)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.kill('SIGKILL');
        reject(new Error(`the reference server started but is not ready:\n${out}`));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}
