/**
 * measureRoof: the device's roof on one EP, measured by running two kernels through ONNX Runtime (a square
 * MatMul for peak FLOP/s, an elementwise Add for bandwidth; kernel times from ORT's profiler) and cached per
 * machine under ~/.cache/gauntlet (one file per host, EP and threads), checked against the CPU model, core count,
 * ORT version and kernel sizes.
 */
import { createRequire } from 'node:module';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { cpus, homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { ProfileEp, Roof } from './profile-record.js';
import { addKernel, matmulKernel, roofSizes, type RoofKernel } from './ops/roof-kernels.js';
import { profiledRun } from './ops/profiled-run.js';

/** RoofOptions choose the EP and threads to measure on, and the cache. */
export interface RoofOptions {
  ep: ProfileEp;
  /** intra-op threads, as the profile's sessions use; null = ORT's default. */
  threads: number | null;
  /** Remeasure even when the cache holds a valid roof. */
  force?: boolean;
  /** The cache folder; default ~/.cache/gauntlet. */
  cacheDir?: string;
  /** Kernel sizes (tests use smaller ones); default roofSizes(ep). */
  sizes?: { n: number; elements: number };
}

/** ROOF_CACHE_MAX_AGE_MS is how long a cached roof is trusted: 30 days. */
export const ROOF_CACHE_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** ROOF_KERNEL_RUNS is how many timed runs each kernel gets (after 2 warm-up runs), bounded by ROOF_KERNEL_MAX_MS. */
export const ROOF_KERNEL_RUNS = 10;
/** ROOF_KERNEL_MAX_MS bounds each kernel's timed runs: 1.5 s. */
export const ROOF_KERNEL_MAX_MS = 1500;
const CACHE_VERSION = 1;

interface CacheKey {
  version: number;
  host: string;
  cpu: string;
  cores: number;
  ep: ProfileEp;
  threads: number | null;
  ort: string;
  sizes: { n: number; elements: number };
}

function ortVersion(): string {
  try {
    const req = createRequire(import.meta.url);
    return String((req('onnxruntime-node/package.json') as { version?: unknown }).version ?? '?');
  } catch {
    return '?';
  }
}

/** defaultCacheDir is gauntlet's folder in the user's cache: $XDG_CACHE_HOME/gauntlet, else ~/.cache/gauntlet. */
export function defaultCacheDir(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'gauntlet');
}

/** roofCachePath is where the roof of `ep` at `threads` on this machine is cached. */
export function roofCachePath(ep: ProfileEp, threads: number | null, cacheDir = defaultCacheDir()): string {
  return join(cacheDir, `roof-${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}-${ep}-t${threads ?? 'auto'}.json`);
}

async function readCache(path: string, key: CacheKey): Promise<Roof | null> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8')) as { key?: unknown; roof?: Roof };
    if (JSON.stringify(data.key) !== JSON.stringify(key) || data.roof === undefined) return null;
    const age = Date.now() - Date.parse(data.roof.measuredAt);
    if (!(age >= 0 && age < ROOF_CACHE_MAX_AGE_MS)) return null;
    if (!(data.roof.peakFlopsPerS > 0 && data.roof.bandwidthBytesPerS > 0)) return null;
    return { ...data.roof, cached: true };
  } catch {
    return null; // absent, unreadable or not JSON: remeasure
  }
}

/** kernelRate runs one kernel with ORT's profiler and returns its best achieved rate (FLOP/s or bytes/s). */
async function kernelRate(k: RoofKernel, ep: ProfileEp, threads: number | null, dir: string): Promise<number> {
  const modelPath = join(dir, `roof-${k.name}-${process.pid}.onnx`);
  await writeFile(modelPath, k.model);
  try {
    const { nodes } = await profiledRun({ modelPath, inputShapes: k.inputShapes, ep, threads, warmup: 2, iterations: ROOF_KERNEL_RUNS, maxMs: ROOF_KERNEL_MAX_MS });
    const best = Math.min(...nodes.map((n) => n.minUs));
    const work = k.name === 'matmul' ? k.flops : k.bytes;
    return work / (best / 1e6);
  } finally {
    await rm(modelPath, { force: true });
  }
}

/** measureRoof returns the roof of `ep` on this machine: cached when a valid cache exists, else measured (a few seconds). */
export async function measureRoof(o: RoofOptions): Promise<Roof> {
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  const sizes = o.sizes ?? roofSizes(o.ep);
  const cpu = cpus();
  const key: CacheKey = { version: CACHE_VERSION, host: hostname(), cpu: cpu[0]?.model ?? '?', cores: cpu.length, ep: o.ep, threads: o.threads, ort: ortVersion(), sizes };
  const path = roofCachePath(o.ep, o.threads, cacheDir);
  if (!o.force) {
    const cached = await readCache(path, key);
    if (cached) return cached;
  }
  await mkdir(cacheDir, { recursive: true });
  const mm = matmulKernel(sizes.n);
  const add = addKernel(sizes.elements);
  const peak = await kernelRate(mm, o.ep, o.threads, cacheDir);
  const bandwidth = await kernelRate(add, o.ep, o.threads, cacheDir);
  const roof: Roof = {
    ep: o.ep,
    peakFlopsPerS: peak,
    bandwidthBytesPerS: bandwidth,
    ridgeIntensity: peak / bandwidth,
    measuredAt: new Date().toISOString(),
    cached: false,
    kernels: [
      { name: 'matmul', what: mm.what, value: peak / 1e9, unit: 'GFLOP/s' },
      { name: 'add', what: add.what, value: bandwidth / 1e9, unit: 'GB/s' },
    ],
  };
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ key, roof }, null, 2));
  await rename(tmp, path);
  return roof;
}
