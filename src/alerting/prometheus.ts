/**
 * A real Prometheus for the alerting drill: the installed binary (Debian's `prometheus` package), on a free loopback
 * port, with a generated prometheus.yml (1 s scrape and evaluation intervals, the target's metrics endpoint, the
 * drill's rule file) kept in the run folder, and its storage in a temporary folder removed at the stop.
 *
 * It dies with us: it is started through `setpriv --pdeathsig KILL` (util-linux) where that exists, so that even a
 * SIGKILL of gauntlet kills it, and it gets SIGKILL on any exit of ours that runs 'exit' handlers. Prometheus
 * cannot listen on port 0, so a free port is picked here, and a start that lost the port to another process is
 * retried on a new one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { GauntletError } from '../errors.js';
import { InterruptedError } from '../run/abort.js';
import { onProcessExit } from '../util/on-exit.js';

/** SCRAPE_INTERVAL_S is Prometheus's scrape and rule-evaluation interval in the drill. */
export const SCRAPE_INTERVAL_S = 1;
/** READY_TIMEOUT_MS bounds Prometheus's start-up (until /-/ready answers 200). */
export const READY_TIMEOUT_MS = 20_000;
/** STOP_GRACE_MS is how long Prometheus may shut down after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 5_000;
/** PORT_TRIES is how many free ports a start tries before it gives up. */
const PORT_TRIES = 3;
/** OUTPUT_CHARS bounds the output kept for messages and the log file. */
const OUTPUT_CHARS = 64 * 1024;

/** PrometheusOptions say what Prometheus scrapes and evaluates, and where its files go. */
export interface PrometheusOptions {
  /** The binary (a name on PATH or a path). */
  binary: string;
  /** Metrics URLs to scrape (http or https). */
  metricsUrls: string[];
  rulesFile: string;
  /** The run's folder for Prometheus (its config, the rules' copy, its log). */
  dir: string;
  signal?: AbortSignal;
}

/** PrometheusServer is a running Prometheus. */
export interface PrometheusServer {
  url: string;
  version?: string;
  /** The config and the rules' copy, in the run folder. */
  configFile: string;
  rulesCopy: string;
  /** stop sends SIGTERM, then SIGKILL after STOP_GRACE_MS, writes its log next to its config, and removes its storage. */
  stop(): Promise<void>;
}

/** findPrometheus returns the binary's path, or throws GAUNTLET_ERR_PROMETHEUS_MISSING saying how to install it. */
export function findPrometheus(binary: string): string {
  const candidates = binary.includes('/') ? [binary] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, binary));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // Not this one.
    }
  }
  throw new GauntletError(
    'GAUNTLET_ERR_PROMETHEUS_MISSING',
    `the scenario's alerts: (the alerting drill) needs a real Prometheus, and ${binary.includes('/') ? `${binary} is not an executable file` : `'${binary}' is not on PATH`}: ` +
      'install it (Debian/Ubuntu: apt-get install prometheus) or name the binary in alerts.prometheus. Nothing was run.',
  );
}

/** startPrometheus starts Prometheus and resolves once it is ready; it throws GAUNTLET_ERR_PROMETHEUS_FAILED when it does not come up. */
export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  const binary = findPrometheus(opts.binary);
  mkdirSync(opts.dir, { recursive: true });
  const rulesCopy = path.join(opts.dir, 'rules.yaml');
  copyFileSync(opts.rulesFile, rulesCopy);
  const configFile = path.join(opts.dir, 'prometheus.yml');
  writeFileSync(configFile, configText(opts.metricsUrls, rulesCopy));
  let last = '';
  for (let attempt = 1; attempt <= PORT_TRIES; attempt++) {
    const port = await freePort();
    const started = await startOnce(binary, port, configFile, opts);
    if ('server' in started) {
      const server = { ...started.server, configFile, rulesCopy };
      // Prometheus applies its targets about 5 s after it starts: the run's clock starts once it scrapes them.
      const scraped = await waitFirstScrape(server.url, opts.metricsUrls.length, opts.signal);
      if (scraped === true) return server;
      await server.stop();
      if (scraped === 'interrupted') throw new InterruptedError('interrupted while Prometheus started');
      throw new GauntletError('GAUNTLET_ERR_PROMETHEUS_FAILED', `Prometheus (${binary}) did not scrape ${opts.metricsUrls.join(', ')} within ${READY_TIMEOUT_MS / 1000} s of being ready`);
    }
    last = started.why;
    if (!started.portTaken) break;
  }
  throw new GauntletError('GAUNTLET_ERR_PROMETHEUS_FAILED', `Prometheus (${binary}) did not come up for the alerting drill: ${last}`);
}

/** configText is the drill's prometheus.yml: every metrics URL as one job, 1 s intervals, the rule file. */
export function configText(metricsUrls: string[], rulesFile: string): string {
  const jobs = metricsUrls.map((u, i) => {
    const url = new URL(u);
    return {
      job_name: metricsUrls.length === 1 ? 'target' : `target-${i}`,
      scheme: url.protocol.replace(':', ''),
      metrics_path: url.pathname || '/metrics',
      static_configs: [{ targets: [url.host] }],
    };
  });
  const global = { scrape_interval: `${SCRAPE_INTERVAL_S}s`, scrape_timeout: `${SCRAPE_INTERVAL_S}s`, evaluation_interval: `${SCRAPE_INTERVAL_S}s` };
  return `# Written by gauntlet for the alerting drill (docs/drills.md).\n${stringify({ global, rule_files: [rulesFile], scrape_configs: jobs })}`;
}

type Started = { server: Omit<PrometheusServer, 'configFile' | 'rulesCopy'> } | { why: string; portTaken: boolean };

/** startOnce starts Prometheus on one port and waits until it is ready, exits, or READY_TIMEOUT_MS passes. */
async function startOnce(binary: string, port: number, configFile: string, opts: PrometheusOptions): Promise<Started> {
  const storage = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-prometheus-'));
  const args = [`--config.file=${configFile}`, `--storage.tsdb.path=${storage}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1d', '--log.level=info'];
  const setpriv = findSetpriv();
  const child = setpriv ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer): void => void (output = (output + b.toString()).slice(-OUTPUT_CHARS));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const unregister = onProcessExit(() => void child.kill('SIGKILL'));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => keep(Buffer.from(`\n${err.message}`)));
  const clean = (): void => {
    unregister();
    rmSync(storage, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const ready = await waitReady(url, child, exited, opts.signal);
  if (ready !== 'ready') {
    await stopChild(child, exited);
    clean();
    if (ready === 'interrupted') throw new InterruptedError('interrupted while Prometheus started');
    // Its errors say why (a rule file it rejects comes before the lines of its shutdown); else its last lines.
    const lines = output.trim().split('\n');
    const errors = lines.filter((l) => /level=error/.test(l));
    const tail = (errors.length ? errors : lines).slice(-5).join('\n  ');
    const why = ready === 'exited' ? `it exited (code ${child.exitCode ?? child.signalCode}):\n  ${tail}` : `not ready within ${READY_TIMEOUT_MS / 1000} s:\n  ${tail}`;
    return { why, portTaken: /address already in use/i.test(output) };
  }
  const version = /\(version=([^\s,)]+)/.exec(output)?.[1];
  return {
    server: {
      url,
      ...(version !== undefined && { version }),
      stop: async () => {
        await stopChild(child, exited);
        writeFileSync(path.join(path.dirname(configFile), 'prometheus.log'), output);
        clean();
      },
    },
  };
}

/** waitReady polls /-/ready every 100 ms until it answers 200, the process exits, READY_TIMEOUT_MS passes or the signal aborts. */
async function waitReady(url: string, child: ChildProcess, exited: Promise<void>, signal?: AbortSignal): Promise<'ready' | 'exited' | 'timeout' | 'interrupted'> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (signal?.aborted) return 'interrupted';
    if (gone || child.exitCode !== null) return 'exited';
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await r.body?.cancel();
      if (r.status === 200) return 'ready';
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 'timeout';
}

/** waitFirstScrape polls /api/v1/targets until `count` targets have been scraped once (up or down), for at most READY_TIMEOUT_MS. */
async function waitFirstScrape(url: string, count: number, signal?: AbortSignal): Promise<true | 'timeout' | 'interrupted'> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (signal?.aborted) return 'interrupted';
    try {
      const r = await fetch(`${url}/api/v1/targets`, { signal: AbortSignal.timeout(1000) });
      const body = (await r.json()) as { data?: { activeTargets?: { lastScrape?: string }[] } };
      const scraped = (body.data?.activeTargets ?? []).filter((t) => t.lastScrape !== undefined && Date.parse(t.lastScrape) > 0);
      if (scraped.length >= count) return true;
    } catch {
      // Busy: ask again.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return 'timeout';
}

/** stopChild sends SIGTERM and, after STOP_GRACE_MS, SIGKILL; it resolves once the process has exited. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** freePort asks the kernel for a free loopback port (Prometheus may still lose it to another process: see startPrometheus). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** findSetpriv is util-linux's setpriv where it exists (it sets the parent-death signal before it runs Prometheus). */
function findSetpriv(): string | undefined {
  for (const p of ['/usr/bin/setpriv', '/bin/setpriv']) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Punctuality is how closely Prometheus kept its schedule on a busy machine (from its own metrics). */
export interface Punctuality {
  /** The longest scrape interval it measured (its summary's 0.99 quantile; seconds). */
  scrapeIntervalP99S?: number;
  /** Rule evaluations it skipped because the previous one ran late. */
  missedEvaluations?: number;
}

/**
 * readPunctuality reads Prometheus's own /metrics: `prometheus_target_interval_length_seconds` (the scrape
 * intervals it achieved) and `prometheus_rule_group_iterations_missed_total`. Empty when it cannot.
 */
export async function readPunctuality(url: string): Promise<Punctuality> {
  try {
    const r = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) });
    const text = await r.text();
    const value = (re: RegExp): number[] => [...text.matchAll(re)].map((m) => Number(m[1])).filter(Number.isFinite);
    const p99 = value(/^prometheus_target_interval_length_seconds\{[^}]*quantile="0\.99"[^}]*\} (\S+)$/gm);
    const missed = value(/^prometheus_rule_group_iterations_missed_total\{[^}]*\} (\S+)$/gm);
    return { ...(p99.length && { scrapeIntervalP99S: Math.max(...p99) }), ...(missed.length && { missedEvaluations: missed.reduce((a, b) => a + b, 0) }) };
  } catch {
    return {};
  }
}
