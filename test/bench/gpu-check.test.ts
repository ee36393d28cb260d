/**
 * bench/gpu-check.sh, the prepared GPU device check (docs/gpu.md), as far as it can be checked without a GPU: it
 * parses (bash -n), its dry run prints every step with the flags the issue names and the 100 ms nvidia-smi
 * sampling with batching off then on, within the 8-minute budget, and a real run on a machine without the
 * prerequisites exits 2 listing each missing one, before it starts anything.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'bench', 'gpu-check.sh');

function run(args: string[], env: Record<string, string> = {}, cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  const { OUT: _out, ...rest } = process.env;
  const r = spawnSync('bash', [SCRIPT, ...args], { cwd, encoding: 'utf8', timeout: 30_000, env: { ...rest, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bench/gpu-check.sh', () => {
  it('parses', () => {
    expect(spawnSync('bash', ['-n', SCRIPT], { encoding: 'utf8' }).status).toBe(0);
  });

  it('prints its steps in dry mode: profiles of the three families on webgpu, the webgpu run, utilisation with batching off then on', () => {
    const r = run(['--dry-run', '--out', '/tmp/gpu-check-dry']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const m of ['mlp', 'encoder', 'cnn']) {
      expect(r.stdout).toContain(`profile ${m} --ep webgpu --batch-sizes 1,8,32,128 --precisions fp32,fp16,int8,int4 --max-seconds-per-cell 3 --out /tmp/gpu-check-dry/profile-${m}`);
    }
    expect(r.stdout).toContain('-lms 100');
    expect(r.stdout).toContain('instance_group [{count: 1, kind: KIND_GPU}]');
    const off = r.stdout.indexOf('util-batching-off');
    expect(off).toBeGreaterThan(0);
    expect(r.stdout.indexOf('util-batching-on')).toBeGreaterThan(off);
    expect(r.stdout).toContain('run-webgpu');
    // The step limits fit the 8-minute budget, with room for the server's two starts.
    const limits = [...r.stdout.matchAll(/^\[\s*(\d+)s\]/gm)].map((m) => Number(m[1]));
    expect(limits.length).toBe(11);
    expect(limits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(480 - 2 * 20);
  });

  it('exits 2 listing every missing prerequisite, and starts nothing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gpu-check-'));
    const r = run(['--out', path.join(dir, 'results')], {}, dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/prerequisite\(s\) missing/);
    for (const what of ['gauntlet project root', '.gpu/setup.sh', 'dist/src/cli/main.js', 'nvidia-smi']) expect(r.stderr).toContain(what);
    expect(r.stdout).toBe('');
  });

  it.each([
    [['--bogus'], {}, 'unknown option --bogus'],
    [[], { GPU_CHECK_BUDGET_S: '9000' }, 'GPU_CHECK_BUDGET_S: must be from 60 to 540'],
    [[], { GPU_CHECK_MODELS: 'mlp resnet' }, "model 'resnet'"],
  ])('exits 2 on a bad option %j %j', (args, env, message) => {
    const r = run(args, env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
