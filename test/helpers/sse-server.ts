/**
 * A tiny OpenAI-compatible test server (node:http, 127.0.0.1, port 0) that answers /v1/chat/completions and
 * /v1/completions on a schedule the test controls: the first token `ttftMs` after the request arrived, then one
 * every `itlMs`, `tokens` in all (each token's time is fixed from the arrival, so timer lateness does not add up),
 * with or without a usage chunk, finish reason and [DONE], and misbehaviours on demand (a cut, a hang, HTML, a
 * malformed data line, an error event or object, an HTTP error). It records when it wrote each token, on the
 * same performance.now() clock as the client (one process): the truth the client's figures are held to.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Misbehaviour is what a plan does instead of (or in the middle of) a well-formed stream. */
export type Misbehaviour =
  | { kind: 'cut'; afterTokens: number }
  | { kind: 'hang'; afterTokens: number }
  /** Send every token and [DONE], then keep the answer open. */
  | { kind: 'linger' }
  | { kind: 'html'; status: number }
  | { kind: 'malformed'; afterTokens: number }
  | { kind: 'error-event'; afterTokens: number }
  | { kind: 'error-object'; afterTokens: number }
  | { kind: 'http-error'; status: number; message: string }
  | { kind: 'plain-text' };

/** SsePlan is how one request is answered. */
export interface SsePlan {
  ttftMs: number;
  itlMs: number;
  tokens: number;
  /** Send a role-only chunk and an empty-content chunk right away (as vLLM does); default true. */
  roleChunk?: boolean;
  /** The finish_reason on the last token's chunk (null: none); default 'length'. */
  finish?: string | null;
  /** Send `data: [DONE]` at the end; default true. */
  done?: boolean;
  /** Send a usage chunk when the request asks for it (stream_options.include_usage); default true. */
  usage?: boolean;
  /** Words per content chunk; default 1. */
  wordsPerChunk?: number;
  misbehave?: Misbehaviour;
}

/** Served is one request the server answered: its body and when (performance.now() ms) it wrote each content chunk. */
export interface Served {
  path: string;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
  arrivedMs: number;
  chunkMs: number[];
}

/** SseServer is a started test server. */
export interface SseServer {
  url: string;
  served: Served[];
  /** stall holds every write of every stream for `ms` from now (a global pause, like a GC or a stuck engine); later ones keep their schedule. */
  stall(ms: number): void;
  close(): Promise<void>;
}

/** startSseServer starts a server that answers each request with `plan(body, path)`. */
export async function startSseServer(plan: (body: Record<string, unknown>, path: string) => SsePlan): Promise<SseServer> {
  const served: Served[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stalledUntil = 0;
  const later = (atMs: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (performance.now() < stalledUntil) later(stalledUntil, fn);
      else fn();
    }, Math.max(0, atMs - performance.now()));
    timers.add(t);
  };
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const arrivedMs = performance.now();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad JSON"}}');
        return;
      }
      const path = req.url ?? '';
      const s: Served = { path, body, headers: req.headers, arrivedMs, chunkMs: [] };
      served.push(s);
      answer(plan(body, path), s, res, later);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    stall: (ms: number) => void (stalledUntil = performance.now() + ms),
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

function answer(p: SsePlan, s: Served, res: http.ServerResponse, later: (atMs: number, fn: () => void) => void): void {
  const m = p.misbehave;
  if (m?.kind === 'http-error') return void res.writeHead(m.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: m.message, type: 'invalid_request_error' } }));
  if (m?.kind === 'html') return void res.writeHead(m.status, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>');
  if (m?.kind === 'plain-text') return void res.writeHead(200).end('upstream connect error or disconnect/reset before headers');
  const chat = s.path.endsWith('/chat/completions');
  const model = String(s.body['model']);
  const perChunk = p.wordsPerChunk ?? 1;
  const chunk = (text: string | null, finish: string | null): Record<string, unknown> => ({
    id: 'cmpl-test',
    object: chat ? 'chat.completion.chunk' : 'text_completion',
    model,
    choices: [chat ? { index: 0, delta: text === null ? { role: 'assistant', content: '' } : { content: text }, finish_reason: finish } : { index: 0, text: text ?? '', finish_reason: finish }],
  });
  const words = (i: number): string => Array.from({ length: perChunk }, (_, k) => ` ${WORDS[(i * perChunk + k) % WORDS.length]}`).join('');
  const finish = p.finish === undefined ? 'length' : p.finish;
  const usage = { prompt_tokens: 7, completion_tokens: p.tokens * perChunk, total_tokens: 7 + p.tokens * perChunk };
  if (s.body['stream'] !== true) {
    // Non-streamed: the whole answer when the last token would have been made.
    later(s.arrivedMs + p.ttftMs + (p.tokens - 1) * p.itlMs, () => {
      const text = Array.from({ length: p.tokens }, (_, i) => words(i)).join('');
      const choice = chat ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: finish } : { index: 0, text, finish_reason: finish };
      s.chunkMs.push(performance.now());
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'cmpl-test', model, choices: [choice], ...(p.usage !== false && { usage }) }));
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const send = (doc: unknown): boolean => res.write(`data: ${JSON.stringify(doc)}\n\n`);
  if (p.roleChunk !== false) send(chunk(null, null));
  const stopAt = m !== undefined && 'afterTokens' in m ? m.afterTokens : p.tokens;
  // One timer at a time, each token's due time fixed from the arrival: timers due at once may fire out of order
  // on a late event loop, and the ending must follow the last token.
  const step = (i: number): void => {
    if (i < stopAt) {
      s.chunkMs.push(performance.now());
      send(chunk(words(i), i === p.tokens - 1 ? finish : null));
    }
    if (i >= stopAt - 1) return ending();
    later(s.arrivedMs + p.ttftMs + (i + 1) * p.itlMs, () => step(i + 1));
  };
  later(s.arrivedMs + p.ttftMs, () => step(0));
  const ending = (): void => {
    if (m === undefined) {
      const include = (s.body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true;
      if (include && p.usage !== false) send({ id: 'cmpl-test', model, choices: [], usage });
      if (p.done !== false) res.write('data: [DONE]\n\n');
      return void res.end();
    }
    switch (m.kind) {
      case 'cut':
        // Cut once the tokens written so far have left (a destroy right after a write would discard them).
        return void res.write(': cut\n\n', () => res.socket?.destroy());
      case 'hang':
        return; // never another byte
      case 'linger':
        return void res.write('data: [DONE]\n\n');
      case 'malformed':
        res.write('data: {"choices": [ {"delta": \n\n');
        return void res.end();
      case 'error-event':
        res.write(`event: error\ndata: ${JSON.stringify({ error: { message: 'the engine died', code: 500 } })}\n\n`);
        return void res.end();
      case 'error-object':
        send({ error: { message: 'CUDA out of memory', type: 'server_error', code: 500 } });
        return void res.end();
    }
  };
}
