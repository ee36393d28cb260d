/**
 * The per-op part of `gauntlet profile --ops`: after the cells are measured, the machine's roof on the EP (cached
 * per machine, roof.ts) and, for each variant that is not broken, one per-op profile at one batch size (ORT's own
 * profiler on a separate session, so the cells' timings carry none of its overhead), each op placed under the roof.
 */
import path from 'node:path';
import { profileOps } from './ops/profile-ops.js';
import { resolveDims } from './feeds.js';
import type { OpProfile, ProfileRecord, Roof } from './profile-record.js';
import { measureRoof } from './roof.js';

/** OpsOptions choose the batch the per-op profiles run at (default the largest profiled) and where the roof cache is. */
export interface OpsOptions {
  batch?: number;
  /** The profile's folder: variant files recorded relative to it are resolved against it. */
  outDir: string;
  roofCacheDir?: string;
  log?: (line: string) => void;
}

/** addOpProfiles measures the roof and the per-op profiles and puts them into the record (roof, ops). */
export async function addOpProfiles(record: ProfileRecord, o: OpsOptions): Promise<void> {
  const log = o.log ?? (() => {});
  const batch = o.batch ?? Math.max(...record.options.batchSizes);
  const roof: Roof = await measureRoof({ ep: record.options.ep, threads: record.options.threads, ...(o.roofCacheDir !== undefined && { cacheDir: o.roofCacheDir }) });
  log(`roof on ${roof.ep}${roof.cached ? ' (cached)' : ''}: ${(roof.peakFlopsPerS / 1e9).toFixed(0)} GFLOP/s, ${(roof.bandwidthBytesPerS / 1e9).toFixed(1)} GB/s, ridge ${roof.ridgeIntensity.toFixed(1)} FLOP/byte`);
  record.roof = roof;
  const dims = resolveDims(record.model.inputs, record.options.shapes);
  const inputShapes = Object.fromEntries(record.model.inputs.map((i) => [i.name, [batch, ...(dims.get(i.name) ?? [])]]));
  const ops: OpProfile[] = [];
  for (const v of record.variants) {
    if (v.error !== undefined || v.broken) continue;
    const modelFile = path.isAbsolute(v.file) ? v.file : path.join(o.outDir, v.file);
    const profile = await profileOps({ modelFile, inputShapes, ep: record.options.ep, threads: record.options.threads, roof, precision: v.precision, batch });
    ops.push(profile);
    const top = profile.ops[0];
    log(`ops ${v.precision} at batch ${batch}: ${profile.ops.length} ops${top ? `; top ${top.name} (${top.opType}) ${(top.timeShare * 100).toFixed(0)} %, ${top.bound}-bound` : ''}`);
  }
  record.ops = ops;
}
