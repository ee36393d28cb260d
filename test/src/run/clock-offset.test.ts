import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { estimateOffset, findFlip, httpDateProbe, measureClockOffset, offsetOf } from '../../../src/run/clock-offset.js';
import type { TargetSpec } from '../../../src/targets/target-spec.js';

/** A real HTTP server whose Date header reads this process's clock shifted by `skewMs` (stamped as it answers). */
async function skewedServer(skewMs: number | null): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((_req, res) => {
    n++;
    // Node would send its own cached Date (refreshed by a timer); this one is read at the moment of the reply.
    if (skewMs === null) res.sendDate = false;
    else res.setHeader('Date', new Date(performance.timeOrigin + performance.now() + skewMs).toUTCString());
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

const target = (url: string, protocol: TargetSpec['protocol'] = 'kserve-http'): TargetSpec => ({ name: 't', protocol, url, binary: false, timeoutMs: 1000, maxInFlight: 8, connections: 0 });

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('the Date-flip estimator', () => {
  it('brackets a flip between the last old second and the first new one', () => {
    const ex = [
      { sentMs: 999_990, repliedMs: 999_991, dateMs: 999_000 },
      { sentMs: 999_995, repliedMs: 999_996, dateMs: 999_000 },
      { sentMs: 999_997, repliedMs: 999_999, dateMs: 1_000_000 },
    ];
    const b = findFlip(ex)!;
    expect(b).toEqual({ fromMs: 999_995, toMs: 999_999, flipMs: 1_000_000 });
    expect(offsetOf(b)).toEqual({ offsetMs: -3, uncertaintyMs: 2 });
    // A jump of more than one second (a gap in the polls) brackets nothing.
    expect(findFlip([ex[0]!, { sentMs: 1_002_000, repliedMs: 1_002_001, dateMs: 1_002_000 }])).toBeUndefined();
  });

  it.each([2300, -700, 0])('finds a server clock %i ms ahead within its stated uncertainty', async (skew) => {
    const s = await skewedServer(skew);
    close = s.close;
    const p = httpDateProbe(new URL(s.url));
    try {
      const r = await estimateOffset(p.probe);
      if (typeof r === 'string') throw new Error(r);
      // local − reference = −skew, and the truth is within the bound (a hair for float rounding).
      expect(Math.abs(r.offsetMs - -skew)).toBeLessThanOrEqual(r.uncertaintyMs + 1e-6);
      // A busy machine widens the bracket, but a bracket of back-to-back polls on loopback stays small.
      expect(r.uncertaintyMs).toBeLessThan(50);
    } finally {
      p.close();
    }
    expect(s.requests()).toBeLessThanOrEqual(400);
  });

  it('measures a kserve-http target at its health path and writes the URL without credentials', async () => {
    const s = await skewedServer(2300);
    close = s.close;
    const r = await measureClockOffset(target(s.url.replace('http://', 'http://user:secret@')));
    expect(r.method).toBe('date-header');
    expect(r.reference).toBe(`${s.url}/v2/health/ready`);
    expect(Math.abs(r.offsetMs! + 2300)).toBeLessThanOrEqual(r.uncertaintyMs! + 0.001);
  });

  it('says why when there is no Date header, no HTTP endpoint, or no answer', async () => {
    const s = await skewedServer(null);
    close = s.close;
    const none = await measureClockOffset(target(s.url));
    expect(none).toMatchObject({ method: 'none', offsetMs: null, uncertaintyMs: null });
    expect(none.reference).toMatch(/no Date header/);
    expect((await measureClockOffset(target('127.0.0.1:1', 'kserve-grpc'))).reference).toMatch(/gRPC target without an HTTP endpoint/);
    const refused = await measureClockOffset(target('http://127.0.0.1:1'));
    expect(refused.method).toBe('none');
    expect(refused.reference).toMatch(/ECONNREFUSED/);
  });
});
