/**
 * AccessLogProbe sends HTTP requests and gRPC calls to a server (or router) with an access log, notes what each
 * one's line must say (status, model, bytes each way, and the client's send and reply times), and checks a log's
 * text against those notes.
 */
import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import { expect } from 'vitest';
import { callUnary, type InferenceClient, type UnaryMethod } from '../../reference-server/grpc/client.js';
import type { AccessEntry } from '../../reference-server/core/access-log.js';
import { loadInferenceProtos } from '../../reference-server/grpc/load-protos.js';
import { httpRequest } from './reference-client.js';

/** Expected is what one request's line must say: its entry, with the client's send and reply times for the server's. */
export interface Expected extends Omit<AccessEntry, 'startUs' | 'durationUs'> {
  sentUs: number;
  doneUs: number;
}

/** Want is what a test states of a request; the rest is measured. */
export type Want = Partial<Expected> & { status: string };

/** wallUs is the wall clock in microseconds, on the same basis as the access log's clock. */
export const wallUs = (): number => (performance.timeOrigin + performance.now()) * 1000;

const GRPC_NAMES: Record<number, string> = { 0: 'OK', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 8: 'RESOURCE_EXHAUSTED', 14: 'UNAVAILABLE' };

/** AccessLogProbe sends requests and checks their lines. */
export class AccessLogProbe {
  readonly expected: Expected[] = [];

  constructor(
    private readonly httpPort: number,
    private readonly client: InferenceClient,
  ) {}

  /** http sends one request and notes its line. */
  async http(method: string, url: string, body: Buffer | undefined, want: Want, headers: Record<string, string> = {}): Promise<void> {
    const sentUs = wallUs();
    const reply = await httpRequest(this.httpPort, { method, path: url, ...(body && { body }), headers });
    expect(String(reply.status)).toBe(want.status);
    this.expected.push({ protocol: 'http', method, route: url.split('?')[0]!, requestBytes: body?.length ?? 0, responseBytes: reply.body.length, sentUs, doneUs: wallUs(), ...want });
  }

  /** rpc sends one unary call and notes its line; message sizes are the lengths of their protobuf encodings. */
  async rpc(method: UnaryMethod, request: object, want: Want): Promise<void> {
    const def = loadInferenceProtos('Number').service[method]!;
    const sentUs = wallUs();
    const reply = await callUnary(this.client, method, request).then(
      (r) => ({ status: 'OK', bytes: def.responseSerialize(r).length }),
      (e: grpc.ServiceError) => ({ status: GRPC_NAMES[e.code] ?? String(e.code), bytes: 0 }),
    );
    expect(reply.status).toBe(want.status);
    const route = `/inference.GRPCInferenceService/${method}`;
    this.expected.push({ protocol: 'grpc', method, route, requestBytes: def.requestSerialize(request).length, responseBytes: reply.bytes, sentUs, doneUs: wallUs(), ...want });
  }

  /**
   * check asserts that `text` has exactly one line per request noted, in the layout, each saying what was noted,
   * with its arrival between the client's send and the reply (the same clock, 1 µs of rounding each way).
   */
  check(text: string): Record<string, unknown>[] {
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(this.expected.length);
    const byArrival = [...lines].sort((a, b) => (a['start_us'] as number) - (b['start_us'] as number));
    const order = [...this.expected].sort((a, b) => a.sentUs - b.sentUs);
    order.forEach((want, i) => {
      const line = byArrival[i]!;
      const keys = ['time', 'start_us', 'duration_us', 'protocol', 'method', 'route', ...(want.model ? ['model'] : []), ...(want.version ? ['version'] : []), 'status', 'request_bytes', 'response_bytes'];
      const what = `line ${i}: ${JSON.stringify(line)}`;
      expect(Object.keys(line), what).toEqual(keys);
      expect(line, what).toMatchObject({ protocol: want.protocol, method: want.method, route: want.route, status: want.status, request_bytes: want.requestBytes, response_bytes: want.responseBytes });
      if (want.model) expect(line['model'], what).toBe(want.model);
      if (want.version) expect(line['version'], what).toBe(want.version);
      const start = line['start_us'] as number;
      const duration = line['duration_us'] as number;
      expect(start, what).toBeGreaterThanOrEqual(Math.floor(want.sentUs) - 1);
      expect(start + duration, what).toBeLessThanOrEqual(Math.ceil(want.doneUs) + 1);
      expect(duration, what).toBeGreaterThan(0);
      expect(Date.parse(line['time'] as string) * 1000 + (start % 1000), what).toBe(start);
    });
    return byArrival;
  }
}
