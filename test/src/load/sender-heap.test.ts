/**
 * The load workers' garbage collection is tuned before they start (src/load/sender-heap.ts): a worker created
 * afterwards starts with a young generation of SENDER_SEMI_SPACE_MB per semi-space (V8 starts it at 1 MB), and
 * GAUNTLET_SENDER_GC=default leaves V8's defaults. Each case runs in a fresh node process: V8 flags belong to the
 * process, and the test runner's own must not change.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SENDER_SEMI_SPACE_MB } from '../../../src/load/sender-heap.js';

const MODULE = pathToFileURL(fileURLToPath(new URL('../../../src/load/sender-heap.ts', import.meta.url))).href;
// The worker inherits --input-type=module: ESM.
const WORKER = `import v8 from 'node:v8'; import { parentPort } from 'node:worker_threads'; parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;
const SCRIPT = `
import { Worker } from 'node:worker_threads';
import { tuneSenderHeap } from ${JSON.stringify(MODULE)};
const tuned = tuneSenderHeap();
const again = tuneSenderHeap();
const w = new Worker(${JSON.stringify(WORKER)}, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 128 } });
w.once('message', (newSpace) => { console.log(JSON.stringify({ tuned, again, newSpace })); process.exit(0); });
`;

function probe(env: Record<string, string>): { tuned: boolean; again: boolean; newSpace: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out.trim().split('\n').pop()!) as { tuned: boolean; again: boolean; newSpace: number };
}

describe('tuneSenderHeap', () => {
  it('gives load workers created afterwards a large young generation from the start', () => {
    const r = probe({});
    expect(r).toMatchObject({ tuned: true, again: true });
    expect(r.newSpace).toBeGreaterThanOrEqual(SENDER_SEMI_SPACE_MB * 1024 * 1024);
  });

  it('leaves V8 alone with GAUNTLET_SENDER_GC=default', () => {
    const r = probe({ GAUNTLET_SENDER_GC: 'default' });
    expect(r).toMatchObject({ tuned: false, again: false });
    expect(r.newSpace).toBeLessThan(SENDER_SEMI_SPACE_MB * 1024 * 1024);
  });
});
