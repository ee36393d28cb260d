/**
 * ProfileSession in both isolations on real ONNX Runtime (CPU): a worker thread (CPU profiles) and a child
 * process (GPU profiles, where it cannot be tried here on a GPU): load, run, measure, stop and close.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMlp } from '../../../reference-server/models/mlp.js';
import { makeFeeds, resolveDims } from '../../../src/profile/feeds.js';
import { LoadError, ProfileSession, type Isolation } from '../../../src/profile/profile-session.js';
import { TINY_MLP } from '../../helpers/test-repo.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-session-'));
const model = path.join(dir, 'tiny.onnx');
writeFileSync(model, buildMlp(TINY_MLP, 'fp32'));

describe.each(['thread', 'process'] as Isolation[])('ProfileSession in a %s', (isolation) => {
  it('loads, infers, measures until the interval converges, and closes', async () => {
    const s = await ProfileSession.open({ modelPath: model, ep: 'cpu', threads: 1 }, isolation);
    try {
      const feeds = makeFeeds(s.inputs, resolveDims(s.inputs, {}), 4, 1, 'x');
      const out = await s.infer(feeds);
      expect(out.dims).toEqual([4, TINY_MLP.outputSize]);
      expect(out.output).toBeInstanceOf(Float32Array);
      const m = await s.request({ kind: 'measure', feeds, maxMs: 5000, warmupIterations: 2, minIterations: 30, maxIterations: 10_000, targetShare: 0.5 });
      expect(m).toMatchObject({ kind: 'measured', converged: true });
      if (m.kind === 'measured') expect(m.samples.length).toBeGreaterThanOrEqual(30);
    } finally {
      await s.close();
    }
  });

  it('stops a measurement in progress when told to', async () => {
    const s = await ProfileSession.open({ modelPath: model, ep: 'cpu', threads: 1 }, isolation);
    const feeds = makeFeeds(s.inputs, resolveDims(s.inputs, {}), 1, 1, 'x');
    const t0 = performance.now();
    // Never converges (share 0), bounded at 60 s: only stop() ends it early.
    const pending = s.request({ kind: 'measure', feeds, maxMs: 60_000, warmupIterations: 1, minIterations: 10, maxIterations: 100_000_000, targetShare: 0 }).catch((e: Error) => e);
    s.stop();
    const got = await pending;
    expect(performance.now() - t0).toBeLessThan(10_000);
    // A thread returns what it measured; a child process is killed.
    if (isolation === 'thread') expect(got).toMatchObject({ kind: 'measured', converged: false });
    else expect(got).toBeInstanceOf(Error);
    await s.close();
  });

  it('rejects a file ONNX Runtime cannot load with a LoadError', async () => {
    const bad = path.join(dir, 'bad.onnx');
    writeFileSync(bad, 'not a model');
    await expect(ProfileSession.open({ modelPath: bad, ep: 'cpu', threads: 1 }, isolation)).rejects.toBeInstanceOf(LoadError);
  });
});
