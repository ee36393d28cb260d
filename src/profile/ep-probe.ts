/**
 * probeEp: whether an execution provider loads, tried in a child process first, so that what ONNX Runtime and
 * Dawn print from native code when a provider fails (red "Failed to load library …" lines, "Couldn't load
 * Vulkan") is captured and reported once, in the error, instead of landing raw on the profile's stderr.
 */
import { spawn } from 'node:child_process';
import type { ProfileEp } from './profile-record.js';

/** EP_PROBE_TIMEOUT_MS bounds the probe (a provider that hangs while loading counts as one that cannot load). */
export const EP_PROBE_TIMEOUT_MS = 60_000;
/** NATIVE_OUTPUT_LIMIT bounds the native output kept for the error. */
const NATIVE_OUTPUT_LIMIT = 2048;

/** ProbeResult is `ok`, or the error message and what native code printed while the provider failed. */
export type ProbeResult = { ok: true } | { ok: false; message: string; native: string };

/**
 * PROBE_SCRIPT is the probe's program. It dies with gauntlet: a provider that hangs while loading must not outlive
 * a killed parent (the parent's timeout is gone with it). Reparented means the parent is gone; checked at once and
 * every 200 ms.
 */
export const PROBE_SCRIPT = `
const parent = Number(process.env.GAUNTLET_PROBE_PARENT);
const gone = () => { if (process.ppid !== parent) process.exit(1); };
gone();
setInterval(gone, 200).unref();
const ort = await import(process.env.GAUNTLET_ORT_URL);
try {
  const s = await ort.InferenceSession.create(process.env.GAUNTLET_MODEL, { executionProviders: [process.env.GAUNTLET_EP], logSeverityLevel: 3 });
  await s.release();
  process.stdout.write(JSON.stringify({ ok: true }));
} catch (err) {
  process.stdout.write(JSON.stringify({ ok: false, message: String(err && err.message || err) }));
}`;

/** probeEp loads `model` on `ep` in a child process and says whether it loaded. */
export function probeEp(model: string, ep: ProfileEp): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, GAUNTLET_ORT_URL: import.meta.resolve('onnxruntime-node'), GAUNTLET_MODEL: model, GAUNTLET_EP: ep, GAUNTLET_PROBE_PARENT: String(process.pid) };
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < NATIVE_OUTPUT_LIMIT) err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), EP_PROBE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const native = err.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ').slice(0, NATIVE_OUTPUT_LIMIT);
      try {
        const r = JSON.parse(out) as { ok: boolean; message?: string };
        resolve(r.ok ? { ok: true } : { ok: false, message: r.message ?? 'unknown error', native });
      } catch {
        resolve({ ok: false, message: `the probe process ended (${signal ?? `exit ${code}`}) before it could say`, native });
      }
    });
  });
}
