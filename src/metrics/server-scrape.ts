/**
 * ServerScraper reads a target's Prometheus endpoint (Triton's metric names, which the reference server
 * exports too) once a second during a run, and turns counter deltas into the server's own view of each
 * second: requests, executions and mean batch size, queue and compute time per request, pending requests. An LLM
 * server's vLLM-named metrics (vLLM's own, or the reference server's LLM) add the running and waiting sequences,
 * the KV-cache usage and prompt and generated tokens per second.
 * It is stored beside the client's view so reports can show where latency came from. Every scrape is bounded
 * (SCRAPE_TIMEOUT_MS, MAX_SCRAPE_BYTES), never overlaps the previous one, and stop() aborts one in flight.
 */
import type tls from 'node:tls';
import { fetchMetrics } from './fetch-metrics.js';

/** SCRAPE_TIMEOUT_MS bounds one scrape, body included. */
export const SCRAPE_TIMEOUT_MS = 900;
/** MAX_SCRAPE_BYTES bounds the metrics text read in one scrape (16 MiB). */
export const MAX_SCRAPE_BYTES = 16 * 1024 * 1024;

/** ServerInterval is the server's view of one second (rates per second, times in µs per request). */
export interface ServerInterval {
  second: number;
  requestsPerS: number;
  inferencesPerS: number;
  executionsPerS: number;
  /** Inferences per execution. */
  meanBatch: number;
  queueUs: number;
  computeInputUs: number;
  computeInferUs: number;
  computeOutputUs: number;
  /** Server-side request duration per successful request. */
  requestUs: number;
  failuresPerS: number;
  pending: number;
  /** nv_cpu_utilization (0..1) when exported. */
  cpuUtilization?: number;
  /** nv_gpu_utilization (0..1) averaged over GPUs, when exported. */
  gpuUtilization?: number;
  /** An LLM server's view (vLLM's metric names), when it exports them. */
  llm?: LlmServerInterval;
  /** Set when the scrape had none of Triton's request counters for the model (a vLLM-style server): the Triton figures above are 0 because absent, not measured. */
  noTriton?: true;
}

/** LlmServerInterval is an LLM server's second: sequences running and waiting, KV-cache usage (0..1), tokens per second. */
export interface LlmServerInterval {
  running: number;
  waiting: number;
  kvCacheUsage: number;
  promptTokensPerS: number;
  generationTokensPerS: number;
}

/** VLLM maps vLLM's metric names (`vllm:…`) to what a sample keeps; gauges are summed over models, counters too. */
const VLLM = {
  'vllm:num_requests_running': 'running',
  'vllm:num_requests_waiting': 'waiting',
  'vllm:gpu_cache_usage_perc': 'kvCache',
  'vllm:kv_cache_usage_perc': 'kvCache',
  'vllm:prompt_tokens_total': 'promptTokens',
  'vllm:generation_tokens_total': 'generationTokens',
} as const;
type VllmKey = (typeof VLLM)[keyof typeof VLLM];

const COUNTERS = [
  'nv_inference_request_success',
  'nv_inference_request_failure',
  'nv_inference_count',
  'nv_inference_exec_count',
  'nv_inference_request_duration_us',
  'nv_inference_queue_duration_us',
  'nv_inference_compute_input_duration_us',
  'nv_inference_compute_infer_duration_us',
  'nv_inference_compute_output_duration_us',
] as const;

type Sample = Record<(typeof COUNTERS)[number] | 'nv_inference_pending_request_count', number> & { cpu?: number; gpu?: number; vllm?: Record<VllmKey, number>; triton?: true };

/** parseMetrics sums the Triton counters of the given model (all models when undefined) from Prometheus text. */
export function parseMetrics(text: string, model?: string): Sample {
  const s = Object.fromEntries([...COUNTERS, 'nv_inference_pending_request_count'].map((k) => [k, 0])) as unknown as Sample;
  const gpus: number[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('vllm:')) {
      const m = /^(vllm:[a-z_]+)(\{[^}]*\})?\s+([-+0-9.eE]+)/.exec(line);
      const key = m ? VLLM[m[1] as keyof typeof VLLM] : undefined;
      if (!m || key === undefined || (model !== undefined && !m[2]?.includes(`model_name="${model}"`))) continue;
      s.vllm ??= { running: 0, waiting: 0, kvCache: 0, promptTokens: 0, generationTokens: 0 };
      const v = Number(m[3]);
      if (Number.isFinite(v)) s.vllm[key] += v;
      continue;
    }
    if (!line.startsWith('nv_')) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+([-+0-9.eE]+|NaN)/.exec(line);
    if (!m) continue;
    const [, name, labels = '', value] = m;
    const v = Number(value);
    if (!Number.isFinite(v)) continue;
    if (name === 'nv_cpu_utilization') s.cpu = v;
    else if (name === 'nv_gpu_utilization') gpus.push(v);
    else if (name! in s) {
      if (model !== undefined && !labels.includes(`model="${model}"`)) continue;
      const k = name as (typeof COUNTERS)[number] | 'nv_inference_pending_request_count';
      s[k] = (s[k] ?? 0) + v;
      if ((COUNTERS as readonly string[]).includes(k)) s.triton = true;
    }
  }
  if (gpus.length) s.gpu = gpus.reduce((a, b) => a + b, 0) / gpus.length;
  return s;
}

/** ServerScraper polls one endpoint and keeps the intervals. */
export class ServerScraper {
  readonly intervals: ServerInterval[] = [];
  private last?: { sample: Sample; atMs: number };
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private readonly stopped = new AbortController();
  private inFlight?: Promise<void>;
  lastError?: string;

  constructor(
    readonly url: string,
    private readonly model: string | undefined,
    private readonly runStartMs: number,
    /** TLS options for an https:// URL (the target's CA, client certificate, server_name). */
    private readonly tls?: tls.ConnectionOptions,
  ) {}

  /** start scrapes now and then every second until stop(). */
  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), 1000);
  }

  /**
   * stop ends polling: it waits for a scrape in flight and makes one last one, or (`final` false: the run was
   * interrupted) aborts the one in flight and makes none.
   */
  async stop(opts: { final?: boolean } = {}): Promise<void> {
    clearInterval(this.timer);
    if (opts.final === false) {
      this.stopped.abort();
      await this.inFlight;
      return;
    }
    await this.inFlight;
    await this.scrape();
  }

  /** tick starts a scrape unless one is still in flight. */
  private tick(): void {
    if (this.inFlight || this.stopped.signal.aborted) return;
    this.inFlight = this.scrape().finally(() => (this.inFlight = undefined));
  }

  private async scrape(): Promise<void> {
    const atMs = Date.now();
    let sample: Sample;
    try {
      const signal = AbortSignal.any([this.stopped.signal, AbortSignal.timeout(SCRAPE_TIMEOUT_MS)]);
      sample = parseMetrics(await fetchMetrics(this.url, { signal, maxBytes: MAX_SCRAPE_BYTES, ...(this.tls && { tls: this.tls }) }), this.model);
    } catch (err) {
      this.failures++;
      this.lastError = (err as Error).message;
      return;
    }
    const prev = this.last;
    this.last = { sample, atMs };
    if (!prev) return;
    const dt = (atMs - prev.atMs) / 1000;
    if (dt <= 0) return;
    const d = (k: (typeof COUNTERS)[number]): number => Math.max(0, sample[k] - prev.sample[k]);
    const ok = d('nv_inference_request_success');
    const per = (k: (typeof COUNTERS)[number]): number => (ok > 0 ? d(k) / ok : 0);
    const execs = d('nv_inference_exec_count');
    const row: ServerInterval = {
      second: Math.max(0, Math.floor((atMs - this.runStartMs) / 1000) - 1),
      requestsPerS: ok / dt,
      inferencesPerS: d('nv_inference_count') / dt,
      executionsPerS: execs / dt,
      meanBatch: execs > 0 ? d('nv_inference_count') / execs : 0,
      queueUs: per('nv_inference_queue_duration_us'),
      computeInputUs: per('nv_inference_compute_input_duration_us'),
      computeInferUs: per('nv_inference_compute_infer_duration_us'),
      computeOutputUs: per('nv_inference_compute_output_duration_us'),
      requestUs: per('nv_inference_request_duration_us'),
      failuresPerS: d('nv_inference_request_failure') / dt,
      pending: sample.nv_inference_pending_request_count,
    };
    if (!sample.triton && !prev.sample.triton) row.noTriton = true;
    if (sample.cpu !== undefined) row.cpuUtilization = sample.cpu;
    if (sample.gpu !== undefined) row.gpuUtilization = sample.gpu;
    const v = sample.vllm;
    if (v !== undefined) {
      const was = prev.sample.vllm;
      row.llm = {
        running: v.running,
        waiting: v.waiting,
        kvCacheUsage: v.kvCache,
        promptTokensPerS: was ? Math.max(0, v.promptTokens - was.promptTokens) / dt : 0,
        generationTokensPerS: was ? Math.max(0, v.generationTokens - was.generationTokens) / dt : 0,
      };
    }
    this.intervals.push(row);
  }
}

