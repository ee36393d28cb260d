/**
 * characterize: the speed and memory bars of `gauntlet characterize` (issue 13) on this machine.
 * Usage: `npm run build && node dist/bench/characterize.js [--lines N]` (default 1,000,000).
 *  1. N nginx lines (a custom log_format with $request_time, $request_length and $msec; one hour of seeded
 *     traffic with bursts and three routes) are characterized — every output file written — in a child process
 *     of its own: wall time, lines/s (bar: N = 1M in under 10 s);
 *  2. the baseline, measured in the same run on the same file: a bare read of its lines (fs stream + split,
 *     nothing parsed), so the ratio says what parsing and analysis cost beyond reading;
 *  3. memory flat in the log's length: the child's peak RSS for N lines ÷ that for N/4 lines (bar: ≤ 1.3), and
 *     the N lines once more with V8's heap capped at HEAP_CAP_MIB (bar: it completes; a heap that grew with the
 *     log would run out).
 */
import { fork } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticLog, NGINX_SYNTHETIC_LOG_FORMAT, writeNginx } from './lib/synthetic-logs.js';

/** ChildResult is what one measuring child reports. */
interface ChildResult {
  ms: number;
  maxRssMiB: number;
  lines: number;
}

/** HEAP_CAP_MIB is the old-space cap of the capped run. */
const HEAP_CAP_MIB = 32;
const log = (l: string): void => void process.stdout.write(`${l}\n`);
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};

/** child runs one measurement ('characterize' or 'read') on a file and prints a ChildResult line. */
async function child(mode: string, file: string, outDir: string): Promise<void> {
  const t0 = performance.now();
  let lines = 0;
  if (mode === 'read') {
    let tail = '';
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const parts = (tail + (chunk as string)).split('\n');
      tail = parts.pop()!;
      lines += parts.length;
    }
  } else {
    const { characterizeLogs } = await import('../src/characterize/characterize.js');
    const { MLP_REQUEST } = await import('../src/characterize/write-scenario.js');
    const out = await characterizeLogs([file], {
      read: { format: 'nginx', logFormat: NGINX_SYNTHETIC_LOG_FORMAT },
      analyze: {},
      scenario: { request: MLP_REQUEST, phaseS: 60, seed: 1 },
      outDir,
      // As the command does: an interrupt signal is watched on every read.
      signal: new AbortController().signal,
    });
    lines = out.read.lines;
  }
  const ms = performance.now() - t0;
  const res: ChildResult = { ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, lines };
  process.stdout.write(`${JSON.stringify(res)}\n`);
}

/** measure runs a child and returns its result. */
function measure(mode: string, file: string, outDir: string, heapCapMiB?: number): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  const execArgv = [...(self.endsWith('.ts') ? ['--import', 'tsx'] : []), ...(heapCapMiB ? [`--max-old-space-size=${heapCapMiB}`] : [])];
  return new Promise((resolve, reject) => {
    const c = fork(self, ['--child', mode, file, outDir], { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${mode} child exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

/** writeLog writes about `lines` nginx lines of one hour's synthetic traffic, in chunks. */
function writeLog(file: string, lines: number): number {
  const durationS = 3600;
  const { records } = generateSyntheticLog({
    seed: 13,
    durationS,
    baseRps: lines / durationS / 1.04,
    bursts: [{ atS: 600, durationS: 20, factor: 3 }, { atS: 2400, durationS: 40, factor: 2.5 }],
    latency: { baseMs: 20, sigma: 0.3, kneeRps: (lines / durationS) * 1.2, slope: 2 },
  });
  const text = writeNginx(records);
  writeFileSync(file, `${text.join('\n')}\n`);
  return text.length;
}

async function main(): Promise<void> {
  const n = Number(arg('--lines') ?? 1_000_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bench-char-'));
  try {
    const big = path.join(dir, 'big.log');
    const small = path.join(dir, 'small.log');
    const bigLines = writeLog(big, n);
    const smallLines = writeLog(small, Math.round(n / 4));
    log(`characterize bench: ${bigLines} and ${smallLines} nginx lines (${(statSync(big).size / 2 ** 20).toFixed(0)} and ${(statSync(small).size / 2 ** 20).toFixed(0)} MiB), ${os.cpus().length} cores, Node ${process.version}`);
    const read = await measure('read', big, dir);
    const full = await measure('characterize', big, path.join(dir, 'out-big'));
    const quarter = await measure('characterize', small, path.join(dir, 'out-small'));
    const capped = await measure('characterize', big, path.join(dir, 'out-capped'), HEAP_CAP_MIB).then(
      (r) => `completed in ${(r.ms / 1000).toFixed(2)} s, peak RSS ${r.maxRssMiB.toFixed(0)} MiB  [bar: completes: MET]`,
      (err: Error) => `${err.message}  [bar: completes: MISSED]`,
    );
    const rate = (r: ChildResult): string => `${Math.round(r.lines / (r.ms / 1000)).toLocaleString('en-US')} lines/s`;
    log(`bare read of the ${bigLines}-line file (baseline): ${(read.ms / 1000).toFixed(2)} s (${rate(read)}), peak RSS ${read.maxRssMiB.toFixed(0)} MiB`);
    log(`characterize ${bigLines} lines: ${(full.ms / 1000).toFixed(2)} s (${rate(full)}), peak RSS ${full.maxRssMiB.toFixed(0)} MiB  [bar: < 10 s for 1M lines: ${full.ms < 10_000 || n < 1_000_000 ? 'MET' : 'MISSED'}]`);
    log(`characterize ${smallLines} lines: ${(quarter.ms / 1000).toFixed(2)} s (${rate(quarter)}), peak RSS ${quarter.maxRssMiB.toFixed(0)} MiB`);
    log(`ratio characterize / bare read: ${(full.ms / read.ms).toFixed(2)}`);
    const memRatio = full.maxRssMiB / quarter.maxRssMiB;
    log(`ratio peak RSS ${bigLines} / ${smallLines} lines: ${memRatio.toFixed(2)}  [bar: ≤ 1.3 (flat): ${memRatio <= 1.3 ? 'MET' : 'MISSED'}]`);
    log(`characterize ${bigLines} lines with the heap capped at ${HEAP_CAP_MIB} MiB: ${capped}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
} else await main();
