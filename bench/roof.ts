/**
 * Measures this machine's roof on one EP (docs/roofline.md): peak FLOP/s from a square MatMul and bandwidth from
 * an elementwise Add, both run through ONNX Runtime, kernel times from ORT's profiler. Always remeasures (and
 * refreshes the cache that `gauntlet profile` reads), then prints the roof.
 * Run: `npm run build && node dist/bench/roof.js [ep] [threads]` (ep default cpu; threads default ORT's own).
 */
import { cpus } from 'node:os';
import type { ProfileEp } from '../src/profile/profile-record.js';
import { measureRoof, roofCachePath } from '../src/profile/roof.js';

const ep = (process.argv[2] ?? 'cpu') as ProfileEp;
const threads = process.argv[3] === undefined ? null : Number(process.argv[3]);
const t0 = performance.now();
const roof = await measureRoof({ ep, threads, force: true });
const seconds = (performance.now() - t0) / 1000;
console.log(`${cpus()[0]?.model ?? '?'} × ${cpus().length} cores, ep ${ep}, threads ${threads ?? 'ORT default'}`);
for (const k of roof.kernels) console.log(`  ${k.name.padEnd(7)} ${k.value.toFixed(1).padStart(8)} ${k.unit.padEnd(8)} ${k.what}`);
console.log(`  ridge   ${roof.ridgeIntensity.toFixed(2).padStart(8)} FLOP/byte`);
console.log(`measured in ${seconds.toFixed(1)} s; cached at ${roofCachePath(ep, threads)}`);
