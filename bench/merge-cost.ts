/**
 * What `gauntlet merge` costs as shards grow: synthetic shard files of a realistic run (60 s, three phases of
 * 50, 200 and 400 rps per shard, skewed latencies, one .hlog line per second and phase, written by the project's
 * own recorder and writer) are merged for 1, 10 and 100 shards, each merge in a fresh process (read, merge, write
 * results.json and latency.hlog), BENCH_ROUNDS (default 3) times. It prints the median wall time, the peak RSS
 * and the heap in use after the merge, and their ratios against the 1-shard merge of the same run. Shards beyond
 * BENCH_DISTINCT (default 4) distinct ones are copies with their index changed (the merge does the same work).
 * Last, it times adding one histogram through decodeHistogram (a decoded copy, then add) against addEncoded (the
 * merge's way: decoded straight into the sum).
 *
 * Run: `npm run build && node dist/bench/merge-cost.js` (about a minute).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeShards, writeMerged } from '../src/merge/merge-results.js';
import { readShards } from '../src/merge/read-shards.js';
import { addEncoded, decodeHistogram, encodeHistogram, newHistogram, recordUs } from '../src/metrics/hdr.js';
import type { ResultsFile } from '../src/results/results-schema.js';
import { evenRequests, shardInfo, syntheticPlan, writeSyntheticShard } from './lib/synthetic-shards.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const DISTINCT = Number(process.env['BENCH_DISTINCT'] ?? 4);
const COUNTS = [1, 10, 100];

interface Cost {
  ms: number;
  rssMb: number;
  heapMb: number;
}

/** child merges the shard folders under `base` named shard-0 … shard-(n−1) and prints its cost as JSON. */
function child(base: string, n: number): void {
  const files = Array.from({ length: n }, (_, i) => path.join(base, `shard-${i}`, 'results.json'));
  const t0 = process.hrtime.bigint();
  const merged = mergeShards(readShards(files), 50);
  writeMerged(path.join(base, `merged-${n}`), merged);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  if (merged.results.totals.sent === 0 || merged.results.merged?.complete !== true) throw new Error('the merge lost its data');
  process.stdout.write(JSON.stringify({ ms, rssMb: process.resourceUsage().maxRSS / 1024, heapMb } satisfies Cost));
}

/** makeShards writes DISTINCT real shard folders and copies them up to the largest count, with their index changed. */
function makeShards(base: string, count: number): void {
  const plan = syntheticPlan([
    { name: 'warm', s: 10, rps: 50 },
    { name: 'steady', s: 40, rps: 200 },
    { name: 'spike', s: 10, rps: 400 },
  ], 'merge-cost');
  // A skewed latency: mostly 2–8 ms, a tail to about 250 ms, spread differently per shard.
  const latency = (k: number) => (i: number): number => {
    const u = ((i * 2_654_435_761 + k * 40_503) % 1_000_003) / 1_000_003;
    return 2000 + 6000 * u + (u > 0.99 ? 240_000 * (u - 0.99) * 100 : 0);
  };
  for (let k = 0; k < Math.min(DISTINCT, count); k++) writeSyntheticShard(path.join(base, `shard-${k}`), plan, shardInfo(k, count), evenRequests(plan, latency(k), k * 37));
  for (let k = DISTINCT; k < count; k++) {
    const to = path.join(base, `shard-${k}`);
    cpSync(path.join(base, `shard-${k % DISTINCT}`), to, { recursive: true });
    const file = path.join(to, 'results.json');
    const r = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
    r.shard = { ...r.shard!, index: k, faults: false };
    writeFileSync(file, JSON.stringify(r));
  }
}

/** decodeCost times adding a shard-sized histogram through decodeHistogram and through addEncoded (µs each, medians). */
function decodeCost(): { copyUs: number; directUs: number } {
  const h = newHistogram();
  for (let i = 0; i < 12_000; i++) recordUs(h, 2000 + ((i * 7919) % 250_000));
  const encoded = encodeHistogram(h);
  const into = newHistogram();
  const time = (f: () => void): number => {
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) f();
    return ((performance.now() - t0) * 1000) / 2000;
  };
  const copy: number[] = [];
  const direct: number[] = [];
  for (let round = 0; round < 5; round++) {
    copy.push(time(() => into.add(decodeHistogram(encoded))));
    direct.push(time(() => addEncoded(into, encoded)));
  }
  return { copyUs: median(copy), directUs: median(direct) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function main(): void {
  const self = fileURLToPath(import.meta.url);
  const root = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-merge-cost-'));
  try {
    const sets = new Map(COUNTS.map((n) => [n, path.join(root, `n${n}`)]));
    for (const [n, base] of sets) makeShards(base, n);
    const size = readFileSync(path.join(sets.get(1)!, 'shard-0', 'results.json')).length + readFileSync(path.join(sets.get(1)!, 'shard-0', 'latency.hlog')).length;
    console.log(`shard files: 60 s, 3 phases, ${Math.round(size / 1024)} KiB each (results.json + latency.hlog); ${ROUNDS} round(s); node ${process.version}, ${os.availableParallelism()} cores`);
    const costs = new Map<number, Cost[]>(COUNTS.map((n) => [n, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of round % 2 === 0 ? COUNTS : [...COUNTS].reverse()) {
        const out = execFileSync(process.execPath, [self, 'child', sets.get(n)!, String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 });
        costs.get(n)!.push(JSON.parse(out) as Cost);
      }
    }
    const med = (n: number, k: keyof Cost): number => median(costs.get(n)!.map((c) => c[k]));
    console.log('shards   merge ms   peak RSS MB   heap after MB   ms ÷ 1-shard   RSS ÷ 1-shard   heap ÷ 1-shard   ms per shard');
    for (const n of COUNTS) {
      const row = [n, med(n, 'ms').toFixed(0), med(n, 'rssMb').toFixed(0), med(n, 'heapMb').toFixed(1), (med(n, 'ms') / med(1, 'ms')).toFixed(2), (med(n, 'rssMb') / med(1, 'rssMb')).toFixed(2), (med(n, 'heapMb') / med(1, 'heapMb')).toFixed(2), (med(n, 'ms') / n).toFixed(1)];
      console.log(row.map((x, i) => String(x).padStart(i === 0 ? 6 : 14)).join(' '));
    }
    const d = decodeCost();
    console.log(`one histogram added: ${d.copyUs.toFixed(1)} µs through decodeHistogram, ${d.directUs.toFixed(1)} µs through addEncoded (ratio ${(d.directUs / d.copyUs).toFixed(2)})`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') child(process.argv[3]!, Number(process.argv[4]));
else main();
