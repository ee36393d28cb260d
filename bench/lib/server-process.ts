/**
 * Starts `gauntlet serve` (the compiled CLI) as a child process on free ports and waits for its
 * "Started ... at host:port" lines, as a user's script would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ServerProcess is a running `gauntlet serve` child. */
export interface ServerProcess {
  child: ChildProcess;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  /** stop sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** cpuSeconds is the CPU time the server process has used so far, all threads (Linux /proc). */
  cpuSeconds(): number;
}

const TICKS_PER_SECOND = 100;

function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** startServerProcess runs `gauntlet serve` with extra arguments and resolves once it is ready. */
export function startServerProcess(args: string[], timeoutMs = 120_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const ports: Record<string, number> = {};
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      for (const m of out.matchAll(/Started (GRPCInferenceService|HTTPService|Metrics Service) at .*:(\d+)/g)) ports[m[1]!] = Number(m[2]);
      if (/Server is ready/.test(out)) {
        clearTimeout(timer);
        resolve({
          child,
          httpPort: ports['HTTPService']!,
          grpcPort: ports['GRPCInferenceService']!,
          metricsPort: ports['Metrics Service']!,
          cpuSeconds: () => processCpuSeconds(child.pid!),
          stop: () =>
            new Promise((r) => {
              child.once('exit', (code) => r(code));
              child.kill('SIGTERM');
            }),
        });
      } else if (/NOT ready/.test(out)) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`server started but is not ready:\n${out}`));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before it was ready:\n${out}`));
    });
  });
}
