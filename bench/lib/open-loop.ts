/**
 * The load process of the overload benchmark: gauntlet's own KServe clients (the lean HTTP/1.1 pool and the
 * HTTP/2 gRPC channel) driven closed-loop (`concurrency` loops, to measure capacity) or open-loop (`rps` sends a
 * second at their intended times, whatever the answers; latency counted from the intended time, as gauntlet
 * does). It runs as its own process (runInChild) so that it never shares an event loop with a server, stops
 * sending after `seconds`, waits at most the client timeout for the last answers, and exits with its parent.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nowUs, type Outcome } from '../../src/targets/client.js';
import { createClient } from '../../src/targets/registry.js';
import type { TargetSpec } from '../../src/targets/target-spec.js';

/** LoopSpec describes one measurement. */
export interface LoopSpec {
  protocol: 'kserve-http' | 'kserve-grpc';
  /** http://host:port, or host:port for gRPC. */
  url: string;
  model: string;
  inputName: string;
  width: number;
  /** Rows per request (its batch dimension). */
  rows: number;
  /** HTTP: the binary tensor extension (true) or JSON tensors. */
  binary: boolean;
  /** Closed loop with this many loops, or open loop at `rps`. */
  concurrency?: number;
  rps?: number;
  seconds: number;
  /** Client timeout per request (a request unanswered this long counts as TIMEOUT). */
  timeoutMs: number;
  /** Open loop: most requests outstanding; a send due beyond it is DROPPED (as gauntlet's max_in_flight). */
  maxInFlight: number;
  /** An answer (200 or 503) that arrives within this many ms of its intended send time counts as prompt. */
  budgetMs: number;
}

/** LoopResult is what the measurement saw; latencies in µs from the intended send time. */
export interface LoopResult {
  sent: number;
  byCode: Record<string, number>;
  /** Successful answers per second of the sending window. */
  goodputRps: number;
  /** Requests answered 200 or 503 / UNAVAILABLE within budgetMs, over every request due. */
  promptShare: number;
  okP50Us: number;
  okP99Us: number;
  rejectedP99Us: number;
  /** Sends that left more than 5 ms after their intended time (the load process itself fell behind). */
  lateSends: number;
}

/** RawResult is one load process's record, merged with the others' by summarize. */
export interface RawResult {
  sent: number;
  seconds: number;
  byCode: Record<string, number>;
  prompt: number;
  lateSends: number;
  /** Latencies of the 200s and of the 503s, µs (integers). */
  okUs: number[];
  rejectedUs: number[];
}

const REJECTED = new Set(['HTTP_503', 'GRPC_UNAVAILABLE']);

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

/** summarize merges the records of the load processes of one measurement. */
export function summarize(raws: RawResult[]): LoopResult {
  const byCode: Record<string, number> = {};
  for (const r of raws) for (const [c, n] of Object.entries(r.byCode)) byCode[c] = (byCode[c] ?? 0) + n;
  const ok = raws.flatMap((r) => r.okUs).sort((a, b) => a - b);
  const rejected = raws.flatMap((r) => r.rejectedUs).sort((a, b) => a - b);
  const sent = raws.reduce((n, r) => n + r.sent, 0);
  return {
    sent,
    byCode,
    goodputRps: ok.length / raws[0]!.seconds,
    promptShare: sent ? raws.reduce((n, r) => n + r.prompt, 0) / sent : NaN,
    okP50Us: pct(ok, 0.5),
    okP99Us: pct(ok, 0.99),
    rejectedP99Us: pct(rejected, 0.99),
    lateSends: raws.reduce((n, r) => n + r.lateSends, 0),
  };
}

/** runLoop runs a measurement in this process. */
export async function runLoop(spec: LoopSpec): Promise<RawResult> {
  const target: TargetSpec = {
    name: 'overload',
    protocol: spec.protocol,
    url: spec.url,
    model: spec.model,
    binary: spec.binary,
    timeoutMs: spec.timeoutMs,
    maxInFlight: spec.maxInFlight,
    connections: spec.protocol === 'kserve-grpc' ? 4 : 0,
  };
  const client = createClient(target, { inputs: [{ name: spec.inputName, datatype: 'FP32', shape: [spec.rows, spec.width], data: { kind: 'random' } }], payloads: 16 }, { seed: 1 });
  const byCode: Record<string, number> = {};
  const ok: number[] = [];
  const rejected: number[] = [];
  let prompt = 0;
  let sent = 0;
  let lateSends = 0;
  let outstanding = 0;
  const budgetUs = spec.budgetMs * 1000;
  const record = (o: Outcome, intendedUs: number): void => {
    byCode[o.code] = (byCode[o.code] ?? 0) + 1;
    const latency = Math.round(o.doneUs - intendedUs);
    if (o.code === 'OK') ok.push(latency);
    else if (REJECTED.has(o.code)) rejected.push(latency);
    if ((o.code === 'OK' || REJECTED.has(o.code)) && latency <= budgetUs) prompt++;
  };
  const start = nowUs();
  const endUs = start + spec.seconds * 1e6;
  let settled: Promise<void>;
  if (spec.rps === undefined) {
    const loop = async (): Promise<void> => {
      while (nowUs() < endUs) {
        const t = nowUs();
        sent++;
        record(await client.send(), t);
      }
    };
    settled = Promise.all(Array.from({ length: spec.concurrency ?? 64 }, loop)).then(() => undefined);
  } else {
    const interval = 1e6 / spec.rps;
    const pending = new Set<Promise<void>>();
    await new Promise<void>((done) => {
      const tick = (): void => {
        const now = nowUs();
        const due = Math.min(endUs, now);
        for (let t = start + sent * interval; t <= due; t = start + sent * interval) {
          sent++;
          if (now - t > 5000) lateSends++;
          if (outstanding >= spec.maxInFlight) {
            byCode['DROPPED'] = (byCode['DROPPED'] ?? 0) + 1;
            continue;
          }
          outstanding++;
          const p = client.send().then((o) => {
            outstanding--;
            record(o, t);
            pending.delete(p);
          });
          pending.add(p);
        }
        if (now >= endUs) done();
        else setTimeout(tick, 1);
      };
      tick();
    });
    settled = Promise.all([...pending]).then(() => undefined);
  }
  await settled;
  await client.close();
  return { sent, seconds: spec.seconds, byCode, prompt, lateSends, okUs: ok, rejectedUs: rejected };
}

/**
 * runSpread runs a measurement from `processes` load processes at once, each with its share of the rate (or of
 * the loops) and of the in-flight limit, so that one process's single thread does not limit what is offered.
 */
export async function runSpread(spec: LoopSpec, processes: number): Promise<LoopResult> {
  const share = (x: number | undefined): number | undefined => (x === undefined ? undefined : x / processes);
  const part: LoopSpec = { ...spec, rps: share(spec.rps), concurrency: spec.concurrency && Math.ceil(spec.concurrency / processes), maxInFlight: Math.ceil(spec.maxInFlight / processes) };
  return summarize(await Promise.all(Array.from({ length: processes }, () => runInChild(part))));
}

/**
 * runInChild runs a measurement in a separate Node process and resolves with its record; the child is killed if
 * it outlives the measurement, the client timeout and a margin.
 */
export function runInChild(spec: LoopSpec): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const self = fileURLToPath(import.meta.url);
    const execArgv = self.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = fork(self, [JSON.stringify(spec)], { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), spec.seconds * 1000 + spec.timeoutMs + 30_000);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`load process exited with ${signal ?? `code ${code}`}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as RawResult);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

if (process.argv[2] && process.send) {
  process.once('disconnect', () => process.exit(1)); // the benchmark died: do not go on sending
  runLoop(JSON.parse(process.argv[2]) as LoopSpec).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0));
    },
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
