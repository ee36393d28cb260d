/**
 * RepositoryClient speaks the KServe v2 / Triton model repository extension of any server that implements it:
 * the repository index, a model's configuration, and load (with Triton's `config` override parameter) and
 * unload. Every call has a timeout and ends when the run is interrupted; an answer other than 200 is an error
 * with the server's message, which the fault actions turn into outcomes.
 */

/** MAX_ANSWER_BYTES bounds a repository answer (an index of many models stays far below it). */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** IndexRow is one row of `POST /v2/repository/index`. */
export interface IndexRow {
  name: string;
  version?: string;
  state?: string;
  reason?: string;
}

/** RepositoryError is a call the server refused (its HTTP status and message) or that got no answer in time. */
export class RepositoryError extends Error {
  constructor(
    message: string,
    readonly kind: 'refused' | 'timeout' | 'transport',
  ) {
    super(message);
  }
}

/** RepositoryClient calls one server's repository extension at `baseUrl` (e.g. http://127.0.0.1:8000). */
export class RepositoryClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly cancel: AbortSignal,
  ) {}

  /** index lists the repository's models and versions. */
  async index(): Promise<IndexRow[]> {
    const rows = await this.call('POST', '/v2/repository/index', {});
    return Array.isArray(rows) ? (rows as IndexRow[]) : [];
  }

  /** readyVersions are the versions of `model` the index shows READY, as numbers, ascending. */
  async readyVersions(model: string): Promise<number[]> {
    const rows = await this.index();
    return rows.filter((r) => r.name === model && r.state === 'READY' && /^\d+$/.test(r.version ?? '')).map((r) => Number(r.version)).sort((a, b) => a - b);
  }

  /** config is the model's effective configuration (`GET /v2/models/{m}/config`). */
  async config(model: string): Promise<Record<string, unknown>> {
    const doc = await this.call('GET', `/v2/models/${encodeURIComponent(model)}/config`);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new RepositoryError(`the configuration of ${model} is not a JSON object`, 'refused');
    return doc as Record<string, unknown>;
  }

  /** load loads (or reloads) a model, with a configuration override when `config` is given. */
  async load(model: string, config?: Record<string, unknown>): Promise<void> {
    await this.call('POST', `/v2/repository/models/${encodeURIComponent(model)}/load`, config ? { parameters: { config: JSON.stringify(config) } } : {});
  }

  /** unload unloads a model. */
  async unload(model: string): Promise<void> {
    await this.call('POST', `/v2/repository/models/${encodeURIComponent(model)}/unload`, {});
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = AbortSignal.any([timeout, this.cancel]);
    let res: Response;
    let text: string;
    try {
      res = await fetch(new URL(path, this.baseUrl), { method, signal, ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
      text = await res.text();
    } catch (err) {
      if (timeout.aborted) throw new RepositoryError(`${method} ${path}: no answer in ${(this.timeoutMs / 1000).toFixed(0)} s`, 'timeout');
      if (this.cancel.aborted) throw new RepositoryError(`${method} ${path}: the run was interrupted`, 'transport');
      throw new RepositoryError(`${method} ${path}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, 'transport');
    }
    if (text.length > MAX_ANSWER_BYTES) throw new RepositoryError(`${method} ${path}: the answer is over ${MAX_ANSWER_BYTES} bytes`, 'refused');
    const doc = text === '' ? undefined : safeJson(text);
    if (res.status !== 200) {
      const message = typeof doc === 'object' && doc !== null && 'error' in doc ? String((doc as { error: unknown }).error) : text.slice(0, 300);
      throw new RepositoryError(`HTTP ${res.status}: ${message}`, 'refused');
    }
    return doc;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
