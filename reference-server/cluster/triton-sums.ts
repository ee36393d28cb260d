/**
 * TritonSums scrapes every replica's Triton metrics and keeps the `nv_inference_*` series, and the LLMs' `vllm:*`
 * series, summed over replicas, so a scraper that only knows Triton's or vLLM's names sees the whole stack.
 * Counters and histograms stay monotonic across deaths and restarts: when a replica's process ends, its last
 * scraped counters and buckets are kept (retired), and the next process's, which start again at zero, are added
 * on top. Gauges are summed over the live processes only, except ratios (names ending in `_perc`, such as
 * `vllm:gpu_cache_usage_perc`), which are averaged over them, and the GPU gauges (`nv_gpu_*`, labelled by
 * `gpu_uuid`): replicas on one GPU all report that device's figures, so the average per GPU is the GPU's figure.
 */
import { performance } from 'node:perf_hooks';
import { controlGet } from './replica-process.js';
import type { Replica } from './supervisor.js';

/** MAX_SCRAPE_BYTES bounds one replica's /metrics answer (a few hundred series take tens of KB). */
const MAX_SCRAPE_BYTES = 16 * 1024 * 1024;

const PREFIXES = ['nv_inference_', 'vllm:', 'nv_gpu_'];
/** averaged says whether a gauge is averaged over the live replicas instead of summed. */
const averaged = (name: string): boolean => name.endsWith('_perc') || name.startsWith('nv_gpu_');
const summed = (name: string): boolean => PREFIXES.some((p) => name.startsWith(p));
/** The samples of a histogram family `h` are named h_bucket, h_sum and h_count. */
const HISTOGRAM_PARTS = ['_bucket', '_sum', '_count'];

interface Family {
  type: string;
  help: string;
}

interface Scraped {
  generation: number;
  values: Map<string, number>;
  /** performance.now() of the scrape. */
  atMs: number;
}

/** TritonSums holds the sums; `refresh` scrapes, `retire` is called when a replica's process ends. */
export class TritonSums {
  private readonly families = new Map<string, Family>();
  private readonly retired = new Map<string, number>();
  private readonly live = new Map<Replica, Scraped>();
  private refreshing?: Promise<void>;

  /** refresh scrapes every replica with a live process (at most one refresh at a time). */
  refresh(replicas: readonly Replica[], timeoutMs: number): Promise<void> {
    this.refreshing ??= Promise.all(
      replicas.map(async (r) => {
        const generation = r.generation;
        const port = r.metricsPort;
        if (!port || isDown(r)) return;
        const text = await scrape(port, timeoutMs);
        // The process may have ended during the scrape: its counters were retired already.
        if (text !== undefined && r.generation === generation && !isDown(r)) this.update(r, generation, text);
      }),
    ).then(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** update records one scrape of a replica (exported for tests). */
  update(r: Replica, generation: number, text: string): void {
    const prev = this.live.get(r);
    if (prev && prev.generation !== generation) this.retire(r);
    const values = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
        const [, kind, name, ...rest] = line.split(' ');
        if (!name || !summed(name)) continue;
        const family = this.families.get(name) ?? { type: 'untyped', help: '' };
        if (kind === 'HELP') family.help = rest.join(' ');
        else family.type = rest[0] ?? 'untyped';
        this.families.set(name, family);
        continue;
      }
      if (!summed(line)) continue;
      const sample = parseSample(line);
      if (sample) values.set(sample.key, (values.get(sample.key) ?? 0) + sample.value);
    }
    this.live.set(r, { generation, values, atMs: performance.now() });
  }

  /** scrapedAt is when the replica's last scrape arrived (performance.now(); undefined: none since it started). */
  scrapedAt(r: Replica): number | undefined {
    return this.live.get(r)?.atMs;
  }

  /** replicaTotal sums one family's samples in a replica's last scrape (0 when it has none). */
  replicaTotal(r: Replica, name: string): number {
    let total = 0;
    for (const [key, value] of this.live.get(r)?.values ?? []) if (nameOf(key) === name) total += value;
    return total;
  }

  /** retire keeps a replica's last counters when its process has ended. */
  retire(r: Replica): void {
    const last = this.live.get(r);
    if (!last) return;
    this.live.delete(r);
    for (const [key, value] of last.values) {
      const type = this.familyOf(nameOf(key))[1]?.type;
      if (type === 'counter' || type === 'histogram') this.retired.set(key, (this.retired.get(key) ?? 0) + value);
    }
  }

  /** render writes the sums in the Prometheus text format, each family's samples together (buckets in `le` order). */
  render(): string {
    const sums = new Map<string, number>(this.retired);
    const ratios = new Map<string, number>();
    for (const { values } of this.live.values()) {
      for (const [key, value] of values) {
        sums.set(key, (sums.get(key) ?? 0) + value);
        if (averaged(nameOf(key))) ratios.set(key, (ratios.get(key) ?? 0) + 1);
      }
    }
    const byFamily = new Map<string, { key: string; value: number }[]>();
    for (const [key, value] of sums) {
      const family = this.familyOf(nameOf(key))[0];
      const list = byFamily.get(family) ?? [];
      list.push({ key, value: value / (ratios.get(key) ?? 1) });
      byFamily.set(family, list);
    }
    let out = '';
    for (const family of [...byFamily.keys()].sort()) {
      const f = this.families.get(family);
      const lines = byFamily.get(family)!.sort((a, b) => compareSamples(a.key, b.key)).map((x) => `${x.key} ${x.value}`);
      out += `# HELP ${family} ${f?.help ?? ''}\n# TYPE ${family} ${f?.type ?? 'untyped'}\n${lines.join('\n')}\n`;
    }
    return out;
  }

  /** familyOf maps a sample name to its family: itself, or the histogram it is a part of. */
  private familyOf(name: string): [string, Family | undefined] {
    const own = this.families.get(name);
    if (own) return [name, own];
    for (const part of HISTOGRAM_PARTS) {
      if (!name.endsWith(part)) continue;
      const base = name.slice(0, -part.length);
      const f = this.families.get(base);
      if (f?.type === 'histogram') return [base, f];
    }
    return [name, undefined];
  }
}

/** compareSamples orders samples by name, then labels other than `le`, then `le` as a number (+Inf last). */
function compareSamples(a: string, b: string): number {
  const split = (key: string): [string, number] => {
    const le = /le="([^"]*)"/.exec(key);
    const bound = le ? (le[1] === '+Inf' ? Infinity : Number(le[1])) : -Infinity;
    return [key.replace(/,?le="[^"]*"/, ''), bound];
  };
  const [ka, la] = split(a);
  const [kb, lb] = split(b);
  return ka < kb ? -1 : ka > kb ? 1 : la - lb;
}

function isDown(r: Replica): boolean {
  return r.state === 'dead' || r.state === 'stopped';
}

function nameOf(key: string): string {
  const brace = key.indexOf('{');
  return brace < 0 ? key : key.slice(0, brace);
}

/** parseSample reads `name{a="x",b="y"} value` into a key with the labels in a canonical order. */
function parseSample(line: string): { key: string; value: number } | undefined {
  const m = /^([a-zA-Z_:][\w:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)/.exec(line);
  if (!m) return undefined;
  const value = Number(m[3]);
  if (!Number.isFinite(value)) return undefined;
  const labels = [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => `${x[1]}="${x[2]}"`).sort();
  return { key: labels.length ? `${m[1]}{${labels.join(',')}}` : m[1]!, value };
}

async function scrape(port: number, timeoutMs: number): Promise<string | undefined> {
  const a = await controlGet(port, '/metrics', timeoutMs, MAX_SCRAPE_BYTES);
  return 'error' in a || a.status !== 200 ? undefined : a.body;
}
