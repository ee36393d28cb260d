/**
 * The execution-provider probe (src/profile/ep-probe.ts) in a real child process: it loads a model on the cpu
 * provider and says so, and it exits at once, loading nothing, when its parent is not the one that started it
 * (a gauntlet killed while a provider hangs must not leave the probe behind).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMlp } from '../../../reference-server/models/mlp.js';
import { probeEp, PROBE_SCRIPT } from '../../../src/profile/ep-probe.js';
import { TINY_MLP } from '../../helpers/test-repo.js';

const model = path.join(mkdtempSync(path.join(os.tmpdir(), 'gauntlet-probe-')), 'model.onnx');
writeFileSync(model, buildMlp(TINY_MLP, 'fp32'));

describe('the execution-provider probe', () => {
  it('loads a model on the cpu provider', async () => {
    expect(await probeEp(model, 'cpu')).toEqual({ ok: true });
  });

  it('exits at once without loading when its parent is gone', async () => {
    const env = { ...process.env, GAUNTLET_ORT_URL: import.meta.resolve('onnxruntime-node'), GAUNTLET_MODEL: model, GAUNTLET_EP: 'cpu', GAUNTLET_PROBE_PARENT: '1' };
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(out).toBe('');
  });
});
