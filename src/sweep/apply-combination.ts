/**
 * Applying one combination of an external sweep to the user's server, in order: render the config template
 * into the user's config file, run the apply command (its own process group, killed on timeout and with
 * gauntlet), load the model through the repository extension, and wait on the readiness probe. Any step that
 * fails throws GAUNTLET_ERR_APPLY_FAILED with the reason and the command's output tail: the sweep records the
 * combination as failed and goes on. What each step did is kept in the combination's record and folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GauntletError } from '../errors.js';
import { runCommand } from '../faults/command.js';
import { InterruptedError } from '../run/abort.js';
import type { Plan } from '../scenario/plan.js';
import type { TargetSpec } from '../targets/target-spec.js';
import { ConfigBackup, type RestoreRecord } from './config-backup.js';
import { envName, renderTemplate, type VarValue } from './config-template.js';
import { defaultReady, externalTarget, type ExternalSpec, type ReadySpec } from './external-config.js';
import { httpCall } from './http-call.js';

/** ApplyRecord is what applying one combination did (sweep.json, combinations[].apply). */
export interface ApplyRecord {
  /** The rendered config file, in the combination's folder. */
  config?: string;
  /** How the apply command ended; its output is in `log` (in the combination's folder). */
  command?: { outcome: 'ok' | 'failed' | 'timeout'; exitCode: number | null; signal: string | null; durationMs: number; log: string };
  /** The load call: its HTTP status (null: no answer) and how long it took. */
  reload?: { status: number | null; durationMs: number };
  /** The readiness probe: the last status seen (null: no answer) and how long it waited. */
  ready?: { url: string; status: number | null; waitedMs: number };
}

/** ExternalRecord describes an external sweep's apply steps (sweep.json, sweep.external). */
export interface ExternalRecord {
  target: { name: string; url: string; file?: string };
  configFile?: string;
  template?: string;
  apply?: { command: string; timeoutS: number };
  reload?: { model: string; url: string; timeoutS: number };
  ready?: ReadySpec;
  /** What became of the user's config file when the sweep ended. */
  restore?: RestoreRecord;
}

/** ExternalRun is an external sweep in progress: its target, probe, and the saved original config. */
export interface ExternalRun {
  spec: ExternalSpec;
  target: TargetSpec;
  model: string | undefined;
  ready: ReadySpec | undefined;
  reloadUrl: string | undefined;
  backup: ConfigBackup | undefined;
  /** Where the apply command runs: the sweep file's folder. */
  cwd: string;
  record: ExternalRecord;
}

/** APPLY_LOG_LINES is how many lines of the apply command's output are kept in apply.log (the record shows the last 20). */
export const APPLY_LOG_LINES = 500;
const TAIL_LINES = 20;
/** PROBE_MIN_MS and PROBE_MAX_MS bound how long one readiness poll waits for its answer. */
const PROBE_MIN_MS = 200;
const PROBE_MAX_MS = 10_000;

/** prepareExternal resolves the target and probe and saves the user's config file before anything is written. */
export function prepareExternal(ext: ExternalSpec, plan: Plan, sweepDir: string, sweepFile: string | undefined, onExitRestore?: () => void): ExternalRun {
  const target = externalTarget(ext, plan);
  if (!target) throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', 'a sweep of your own server needs an external target (target:)');
  const model = target.model ?? plan.request.model;
  const ready = ext.ready ?? defaultReady(target, model);
  const reloadUrl = ext.reload ? (ext.reload.url ?? baseUrl(target.url)) : undefined;
  const backup = ext.template ? ConfigBackup.take(ext.template.dest, sweepDir, onExitRestore) : undefined;
  const record: ExternalRecord = {
    target: { name: target.name, url: target.url, ...(ext.target?.file !== undefined && { file: ext.target.file }) },
    ...(ext.template && { configFile: ext.template.dest, template: ext.template.source }),
    ...(ext.apply && { apply: ext.apply }),
    ...(ext.reload && reloadUrl !== undefined && { reload: { model: ext.reload.model, url: reloadUrl, timeoutS: ext.reload.timeoutS } }),
    ...(ready && { ready }),
    ...(backup && { restore: backup.record }),
  };
  return { spec: ext, target, model, ready, reloadUrl, backup, cwd: sweepFile ? path.dirname(path.resolve(sweepFile)) : process.cwd(), record };
}

/** applyCombination applies one combination's variables; it throws GAUNTLET_ERR_APPLY_FAILED (or InterruptedError). */
export async function applyCombination(run: ExternalRun, id: string, variables: Record<string, VarValue>, dir: string, out: ApplyRecord, opts: { signal?: AbortSignal; log: (line: string) => void }): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const { spec, backup } = run;
  const checkInterrupt = (): void => {
    if (opts.signal?.aborted) throw new InterruptedError('applying the combination');
  };
  if (spec.template && backup) {
    const text = renderTemplate(spec.template.text, variables);
    const name = `rendered-${path.basename(spec.template.dest)}`;
    writeFileSync(path.join(dir, name), text);
    out.config = name;
    try {
      backup.write(text);
    } catch (err) {
      throw failed(`could not write ${spec.template.dest}: ${(err as Error).message}`);
    }
  }
  checkInterrupt();
  if (spec.apply) {
    const env: Record<string, string> = { GAUNTLET_COMBINATION: id, GAUNTLET_COMBINATION_DIR: path.resolve(dir) };
    if (spec.template) env['GAUNTLET_CONFIG_FILE'] = spec.template.dest;
    for (const [k, v] of Object.entries(variables)) env[envName(k)] = String(v);
    const r = await runCommand(spec.apply.command, { timeoutMs: spec.apply.timeoutS * 1000, cwd: run.cwd, env, tailLines: APPLY_LOG_LINES, ...(opts.signal && { cancel: opts.signal }) });
    writeFileSync(path.join(dir, 'apply.log'), r.output.join('\n') + (r.output.length ? '\n' : ''));
    out.command = { outcome: r.outcome, exitCode: r.exitCode, signal: r.signal, durationMs: r.durationMs, log: 'apply.log' };
    checkInterrupt();
    if (r.outcome !== 'ok') {
      const why = r.error ?? (r.outcome === 'timeout' ? `ran past its timeout of ${spec.apply.timeoutS} s and was killed` : r.exitCode !== null ? `exited with code ${r.exitCode}` : `was ended by ${r.signal}`);
      throw failed(`the apply command ${why}`, r.output.slice(-TAIL_LINES));
    }
    opts.log(`  applied in ${(r.durationMs / 1000).toFixed(1)} s`);
  }
  if (spec.reload && run.reloadUrl !== undefined) {
    const t0 = Date.now();
    const url = `${run.reloadUrl}/v2/repository/models/${encodeURIComponent(spec.reload.model)}/load`;
    const r = await httpCall(url, { method: 'POST', body: '{}', timeoutMs: spec.reload.timeoutS * 1000, target: run.target, ...(opts.signal && { signal: opts.signal }) });
    out.reload = { status: 'status' in r ? r.status : null, durationMs: Date.now() - t0 };
    checkInterrupt();
    if ('error' in r) throw failed(`the model load (POST ${url}) got no answer: ${r.error}`);
    if (r.status < 200 || r.status > 299) throw failed(`the model load (POST ${url}) answered HTTP ${r.status}`, bodyLines(r.body));
    opts.log(`  model ${spec.reload.model} loaded in ${(out.reload.durationMs / 1000).toFixed(1)} s`);
  }
  if (run.ready) await waitReady(run, run.ready, out, opts.signal);
}

/** waitReady polls the probe until it answers the expected status, or fails at its timeout. */
async function waitReady(run: ExternalRun, probe: ReadySpec, out: ApplyRecord, signal: AbortSignal | undefined): Promise<void> {
  const t0 = Date.now();
  const deadline = t0 + probe.timeoutS * 1000;
  let last = 'no answer';
  out.ready = { url: probe.url, status: null, waitedMs: 0 };
  for (;;) {
    const left = deadline - Date.now();
    // Each poll may take PROBE_MIN_MS even at the deadline, so that a slow answer is still heard once.
    const r = await httpCall(probe.url, { method: 'GET', timeoutMs: Math.min(Math.max(left, PROBE_MIN_MS), PROBE_MAX_MS), target: run.target, ...(signal && { signal }) });
    out.ready = { url: probe.url, status: 'status' in r ? r.status : (out.ready.status ?? null), waitedMs: Date.now() - t0 };
    if (signal?.aborted) throw new InterruptedError('waiting for the server to be ready');
    if ('status' in r && r.status === probe.status) return;
    // A poll cut short by the deadline does not hide the last answer the server gave.
    if ('status' in r) last = `HTTP ${r.status}${r.body ? `: ${r.body.trim().slice(0, 300)}` : ''}`;
    else if (out.ready.status === null) last = r.error;
    const wait = Math.min(probe.intervalS * 1000, deadline - Date.now());
    if (wait <= 0) break;
    await sleep(wait, signal);
  }
  throw failed(`the server was not ready within ${probe.timeoutS} s (GET ${probe.url} must answer ${probe.status}; last: ${last})`);
}

/**
 * finishExternal puts the user's config file back and, for reload_model sweeps, loads the model once more so the
 * server serves the original again. Servers redeployed by an apply command keep the last combination until the
 * user redeploys (the record says so).
 */
export async function finishExternal(run: ExternalRun, log: (line: string) => void): Promise<void> {
  if (!run.backup) return;
  const r = run.backup.restore();
  run.record.restore = r;
  log(r.state === 'failed' ? `warning: could not restore ${run.backup.file}: ${r.error}` : `${run.backup.file}: ${r.state === 'restored' ? 'the original restored' : 'removed (there was none before the sweep)'}`);
  if (r.state === 'failed') return;
  if (run.spec.reload && run.reloadUrl !== undefined) {
    const url = `${run.reloadUrl}/v2/repository/models/${encodeURIComponent(run.spec.reload.model)}/load`;
    const res = await httpCall(url, { method: 'POST', body: '{}', timeoutMs: run.spec.reload.timeoutS * 1000, target: run.target });
    r.reload = 'status' in res ? `HTTP ${res.status}${res.status >= 300 ? `: ${res.body.trim().slice(0, 300)}` : ''}` : res.error;
    log(`  model ${run.spec.reload.model} reloaded with the original config: ${r.reload}`);
  } else if (run.spec.apply) {
    r.reload = 'not reloaded: the server runs the last combination until you redeploy it';
    log(`  note: the server still runs the last combination's configuration until you redeploy it`);
  }
}

function failed(message: string, tail: string[] = []): GauntletError {
  return new GauntletError('GAUNTLET_ERR_APPLY_FAILED', message, tail);
}

function bodyLines(body: string): string[] {
  let text = body.trim();
  try {
    const doc = JSON.parse(text) as { error?: unknown };
    if (typeof doc.error === 'string') text = doc.error;
  } catch {
    // Not JSON: shown as it is.
  }
  return text.split('\n').slice(0, TAIL_LINES);
}

function baseUrl(url: string): string {
  return (/^[a-z]+:\/\//i.test(url) ? url : `http://${url}`).replace(/\/+$/, '');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
