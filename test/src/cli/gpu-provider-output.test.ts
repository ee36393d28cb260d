/**
 * `gauntlet serve` with models on the webgpu and cuda execution providers, on a machine without a GPU: what ONNX
 * Runtime (cuda: "Failed to load library …providers_shared.so") and Dawn (webgpu: "Couldn't load Vulkan") print
 * from native code while a provider fails to load is reported once, in the model's reason, never as raw (red)
 * lines on the server's stderr; a model that falls back to CPU as configured prints nothing at all.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../../helpers/cli.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';

/** On a machine with a GPU these providers may load, and there is nothing to report. */
const HAS_GPU = existsSync('/dev/nvidia0') || existsSync('/dev/dri');
const gpu = (name: string, ep: string, extra: Record<string, unknown> = {}) => tinyMlpConfig(name, { execution_provider: ep, instance_group: [{ count: 1, kind: 'KIND_GPU' }], ...extra });

interface Served {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** serve starts `gauntlet serve` on the repository, waits for its ready line, stops it, and returns its output. */
function serve(repo: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--model-repository', repo, '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not get ready in 60 s:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/^Server is (ready|live)/m.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

describe.skipIf(HAS_GPU || !existsSync(CLI))('GPU execution providers that cannot load', () => {
  let repo: string;
  let out: Served;
  beforeAll(async () => {
    repo = makeRepository({ good: tinyMlpConfig('good'), cuda: gpu('cuda', 'cuda'), webgpu: gpu('webgpu', 'webgpu'), webgpu_fallback: gpu('webgpu_fallback', 'webgpu', { fallback_to_cpu: true }) });
    out = await serve(repo);
  }, 90_000);
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('print no raw native lines on stderr', () => {
    expect(out.stderr).not.toContain('\x1b[');
    expect(out.stderr).not.toMatch(/Failed to load library|Couldn't load Vulkan/);
    expect(out.stderr).toBe('');
  });

  it('say why in the model\'s reason, once', () => {
    const cuda = out.stdout.split('\n').find((l) => l.startsWith('model cuda version 1: not loaded'));
    expect(cuda).toMatch(/execution provider 'cuda' is unavailable: .*\(native output: .*Failed to load library .*libonnxruntime_providers_shared\.so/);
    const webgpu = out.stdout.split('\n').find((l) => l.startsWith('model webgpu version 1: not loaded'));
    expect(webgpu).toMatch(/execution provider 'webgpu' is unavailable: .*\(native output: Warning: Couldn't load Vulkan/);
    expect(out.stdout.match(/Couldn't load Vulkan/g)).toHaveLength(1);
    expect(out.stdout).toMatch(/model webgpu_fallback version 1: ready \(1 instance\(s\), cpu: webgpu is unavailable, fallback_to_cpu\)/);
    expect(out.stdout).toMatch(/model good version 1: ready/);
  });
});
