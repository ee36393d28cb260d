/**
 * The tables of a profile as rows of text, shared by the HTML page and the Markdown report: the variants (size
 * and accuracy), every cell (latency, its interval, convergence, throughput, memory) and the top ops.
 */
import type { OpProfile, ProfileRecord } from '../profile/profile-record.js';
import { sig } from './format.js';
import { batchesOf, cosineText, precisionsOf } from './profile-view.js';

/** bytesText shows a size in kB, MB or GB (decimal). */
export function bytesText(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  return a >= 1e9 ? `${sig(v / 1e9)} GB` : a >= 1e6 ? `${sig(v / 1e6)} MB` : a >= 1e3 ? `${sig(v / 1e3)} kB` : `${v} B`;
}

/** VARIANT_HEADER heads the variants table. */
export const VARIANT_HEADER = ['precision', 'model size', 'cosine vs fp32', 'max abs error', 'top-1 agreement', 'task accuracy (drop)', 'state'];

/** variantRows is a row per variant, in the record's order. */
export function variantRows(r: ProfileRecord): string[][] {
  return r.variants.map((v) => {
    const a = v.accuracy;
    const task = a?.task ? `${sig(a.task.value * 100)} % (${sig(a.task.dropVsFp32 * 100)} pt)` : '-';
    const state = v.error ? `failed: ${v.error}` : v.broken ? 'BROKEN' : 'ok';
    return [v.precision, bytesText(v.bytes), a ? cosineText(a.cosine) : '-', a ? sig(a.maxAbsError) : '-', a?.top1 !== undefined ? `${sig(a.top1 * 100)} %` : '-', task, state];
  });
}

/** CELL_HEADER heads the cells table. */
export const CELL_HEADER = ['precision', 'batch', 'p50 ms', 'p99 ms', 'mean ms', 'p50 95 % interval ms', 'converged', 'samples/s', 'memory', 'iterations'];

/** cellRows is a row per cell, by precision then batch; a cell that did not run says why. */
export function cellRows(r: ProfileRecord): string[][] {
  const rows: string[][] = [];
  for (const p of precisionsOf(r)) {
    for (const b of batchesOf(r)) {
      const c = r.cells.find((x) => x.precision === p && x.batch === b);
      if (!c) continue;
      const name = r.variants.some((v) => v.precision === p && v.broken) ? `${p} BROKEN` : p;
      if (c.error !== undefined) {
        rows.push([name, String(b), '-', '-', '-', '-', '-', '-', '-', `failed: ${c.error}`]);
        continue;
      }
      const mem = typeof c.deviceMemoryBytes === 'number' ? `${bytesText(c.deviceMemoryBytes)} device` : `${bytesText(c.rssGrowthBytes)} RSS`;
      rows.push([name, String(b), sig(c.latencyMs.p50), sig(c.latencyMs.p99), sig(c.latencyMs.mean), `${sig(c.p50Ci95Ms[0])} – ${sig(c.p50Ci95Ms[1])} (±${sig(c.ciShare * 100)} %)`, c.converged ? 'yes' : 'no (time bound)', sig(c.throughputSamplesPerS), mem, String(c.iterations)]);
    }
  }
  return rows;
}

/** OP_HEADER heads the top ops table. */
export const OP_HEADER = ['op', 'type', 'share of time', 'time µs', 'MFLOPs', 'MB moved', 'FLOP/byte', 'bound', 'of its roof'];

/** opRows are the `limit` ops with the largest share of time. */
export function opRows(p: OpProfile, limit: number): string[][] {
  return [...p.ops]
    .sort((a, b) => b.timeShare - a.timeShare)
    .slice(0, limit)
    .map((o) => [o.name, o.opType, `${sig(o.timeShare * 100)} %`, sig(o.timeUs), sig(o.flops / 1e6), sig(o.bytes / 1e6), sig(o.intensity), o.bound, o.roofFraction === null ? '-' : `${sig(o.roofFraction * 100)} %`]);
}
