/**
 * TritonSums scrapes every replica's Triton metrics and keeps the `nv_inference_*` series summed over replicas,
 * so a scraper that only knows Triton's names sees the whole stack. Counters stay monotonic across deaths and
 * restarts: when a replica's process ends, its last scraped counters are kept (retired), and the next process's
 * counters, which start again at zero, are added on top. Gauges are summed over the live processes only.
 */
import { controlGet } from './replica-process.js';
import type { Replica } from './supervisor.js';

/** MAX_SCRAPE_BYTES bounds one replica's /metrics answer (a few hundred series take tens of KB). */
const MAX_SCRAPE_BYTES = 16 * 1024 * 1024;

const PREFIX = 'nv_inference_';

interface Family {
  type: string;
  help: string;
}

interface Scraped {
  generation: number;
  values: Map<string, number>;
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
        if (!name?.startsWith(PREFIX)) continue;
        const family = this.families.get(name) ?? { type: 'untyped', help: '' };
        if (kind === 'HELP') family.help = rest.join(' ');
        else family.type = rest[0] ?? 'untyped';
        this.families.set(name, family);
        continue;
      }
      if (!line.startsWith(PREFIX)) continue;
      const sample = parseSample(line);
      if (sample) values.set(sample.key, (values.get(sample.key) ?? 0) + sample.value);
    }
    this.live.set(r, { generation, values });
  }

  /** retire keeps a replica's last counters when its process has ended. */
  retire(r: Replica): void {
    const last = this.live.get(r);
    if (!last) return;
    this.live.delete(r);
    for (const [key, value] of last.values) {
      if (this.families.get(nameOf(key))?.type === 'counter') this.retired.set(key, (this.retired.get(key) ?? 0) + value);
    }
  }

  /** render writes the sums in the Prometheus text format. */
  render(): string {
    const sums = new Map<string, number>(this.retired);
    for (const { values } of this.live.values()) for (const [key, value] of values) sums.set(key, (sums.get(key) ?? 0) + value);
    const byName = new Map<string, string[]>();
    for (const [key, value] of [...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const name = nameOf(key);
      const lines = byName.get(name) ?? [];
      lines.push(`${key} ${value}`);
      byName.set(name, lines);
    }
    let out = '';
    for (const [name, lines] of byName) {
      const f = this.families.get(name);
      out += `# HELP ${name} ${f?.help ?? ''}\n# TYPE ${name} ${f?.type ?? 'untyped'}\n${lines.join('\n')}\n`;
    }
    return out;
  }
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
