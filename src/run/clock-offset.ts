/**
 * Clock offset against the target's `Date` header, measured by a shard before its start (docs/sharding.md). A Date
 * header has whole seconds, but the instant its second flips is sharp: the estimator polls the target with cheap
 * GETs until two exchanges in a row straddle a flip, so the flip lies between the send of the last exchange that
 * saw the old second and the reply of the first that saw the new one. The offset is the local time at the middle
 * of that bracket minus the new second; the uncertainty is half the bracket, a hard bound as long as the server
 * stamps its replies with its own clock at the time it answers.
 *
 * Two passes keep the bracket narrow and the requests few: a coarse pass polls every COARSE_GAP_MS until a flip,
 * then the fine pass sleeps until just before the next flip that pass predicts and polls back to back. Both are
 * bounded (MAX_POLLS, the time limit); what cannot be measured is method 'none' with the reason.
 */
import http from 'node:http';
import https from 'node:https';
import type { TargetSpec } from '../targets/target-spec.js';
import { tlsOptions } from '../targets/tls-options.js';

/** ClockOffset is this process's clock against a reference (ShardInfo.clock in results.json). */
export interface ClockOffset {
  method: 'date-header' | 'none';
  /** local − reference, ms (positive: this clock is ahead); null when method is none. */
  offsetMs: number | null;
  /** ± bound on offsetMs, ms. */
  uncertaintyMs: number | null;
  /** The URL measured against (without credentials), or why nothing was. */
  reference: string;
}

/** Exchange is one poll: local send and reply times (epoch ms, fractional) and the Date header's second (epoch ms). */
export interface Exchange {
  sentMs: number;
  repliedMs: number;
  dateMs: number;
}

/** Bracket is a flip of the reference's second between two exchanges: local [fromMs, toMs] holds reference `flipMs`. */
export interface Bracket {
  fromMs: number;
  toMs: number;
  flipMs: number;
}

/** MAX_POLLS bounds the requests one measurement sends. */
export const MAX_POLLS = 400;
/** CLOCK_LIMIT_MS bounds the time one measurement takes. */
export const CLOCK_LIMIT_MS = 3000;
/** COARSE_GAP_MS is the coarse pass's poll interval. */
const COARSE_GAP_MS = 40;
/** FINE_LEAD_MS is how long before its predicted flip (beyond the coarse bracket) the fine pass starts polling. */
const FINE_LEAD_MS = 5;

/** findFlip returns the bracket of the first flip of the Date second in a run of consecutive exchanges, if any. */
export function findFlip(exchanges: readonly Exchange[]): Bracket | undefined {
  for (let i = 1; i < exchanges.length; i++) {
    const a = exchanges[i - 1]!;
    const b = exchanges[i]!;
    // One second exactly: a bigger jump (a gap between polls) does not say when the latest flip was.
    if (b.dateMs - a.dateMs === 1000) return { fromMs: a.sentMs, toMs: b.repliedMs, flipMs: b.dateMs };
  }
  return undefined;
}

/** offsetOf turns a bracket into an offset (local − reference) and its bound. */
export function offsetOf(b: Bracket): { offsetMs: number; uncertaintyMs: number } {
  return { offsetMs: (b.fromMs + b.toMs) / 2 - b.flipMs, uncertaintyMs: (b.toMs - b.fromMs) / 2 };
}

/** DateProbe sends one exchange: resolves with it, or with undefined when the reply had no usable Date header. */
export type DateProbe = () => Promise<Exchange | undefined>;

/** httpDateProbe polls `url` with GET on one keep-alive connection, reading the reply's Date header. */
export function httpDateProbe(url: URL, target?: TargetSpec): { probe: DateProbe; close: () => void } {
  const secure = url.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 1, ...(target && tlsOptions(target, url.hostname, 'http/1.1')) })
    : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const probe: DateProbe = () =>
    new Promise((resolve, reject) => {
      const sentMs = performance.timeOrigin + performance.now();
      const req = (secure ? https : http).get(url, { agent, timeout: 1000 }, (res) => {
        const repliedMs = performance.timeOrigin + performance.now();
        res.resume();
        const date = Date.parse(res.headers.date ?? '');
        resolve(Number.isFinite(date) ? { sentMs, repliedMs, dateMs: date } : undefined);
      });
      req.on('timeout', () => req.destroy(new Error('no reply within 1 s')));
      req.on('error', reject);
    });
  return { probe, close: () => agent.destroy() };
}

/**
 * estimateOffset measures with a probe: a coarse flip, then a fine one; the fine bracket when it found one, else
 * the coarse. Throws when the probe fails; resolves to a reason (string) when no flip could be bracketed.
 */
export async function estimateOffset(probe: DateProbe, limitMs = CLOCK_LIMIT_MS): Promise<{ offsetMs: number; uncertaintyMs: number } | string> {
  const deadline = Date.now() + limitMs;
  let polls = 0;
  const poll = async (): Promise<Exchange | undefined> => (polls++, probe());
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  // Coarse: a poll every COARSE_GAP_MS until the second flips.
  const coarse: Exchange[] = [];
  let found: Bracket | undefined;
  while (!found && polls < MAX_POLLS && Date.now() < deadline) {
    const e = await poll();
    if (!e) return 'the target sent no Date header';
    coarse.push(e);
    found = findFlip(coarse.slice(-2));
    if (!found) await sleep(COARSE_GAP_MS - (e.repliedMs - e.sentMs));
  }
  if (!found) return `no flip of the Date second within ${polls} polls`;
  const rough = offsetOf(found);
  // Fine: the next flip is due at local (flip + 1000 + offset); poll back to back around it.
  const nextLocal = found.flipMs + 1000 + rough.offsetMs;
  const wait = nextLocal - rough.uncertaintyMs - FINE_LEAD_MS - (performance.timeOrigin + performance.now());
  if (Date.now() + wait + 2 * rough.uncertaintyMs + 2 * FINE_LEAD_MS < deadline) {
    await sleep(wait);
    const fine: Exchange[] = [];
    while (polls < MAX_POLLS && Date.now() < deadline) {
      const e = await poll();
      if (!e) break;
      fine.push(e);
      const b = findFlip(fine.slice(-2));
      if (b) return offsetOf(b).uncertaintyMs < rough.uncertaintyMs ? offsetOf(b) : rough;
      // Started too late: the first fine exchange already saw the next second.
      if (fine.length === 1 && e.dateMs > found.flipMs) break;
    }
  }
  return rough;
}

/** probeUrl is the HTTP URL a target's clock is read from: its health path, its base URL, or its metrics endpoint. */
export function probeUrl(target: TargetSpec): URL | string {
  try {
    if (target.protocol === 'kserve-http') return new URL('/v2/health/ready', target.url);
    if (target.protocol === 'openai' || target.protocol === 'http') return new URL('/', target.url);
    if (target.metricsUrl) return new URL(target.metricsUrl);
    return 'a gRPC target without an HTTP endpoint (metrics_url) to read a Date header from';
  } catch {
    return `the target's URL ${target.url} cannot be read as an HTTP URL`;
  }
}

/** withoutCredentials is a URL as it may be written in results: no user, password, query or fragment. */
function withoutCredentials(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** measureClockOffset measures this clock against the target's Date header, or says why it could not. */
export async function measureClockOffset(target: TargetSpec, limitMs = CLOCK_LIMIT_MS): Promise<ClockOffset> {
  const url = probeUrl(target);
  if (typeof url === 'string') return { method: 'none', offsetMs: null, uncertaintyMs: null, reference: url };
  const reference = withoutCredentials(url);
  let p: ReturnType<typeof httpDateProbe> | undefined;
  try {
    p = httpDateProbe(url, target);
    const r = await estimateOffset(p.probe, limitMs);
    if (typeof r === 'string') return { method: 'none', offsetMs: null, uncertaintyMs: null, reference: `${reference}: ${r}` };
    return { method: 'date-header', offsetMs: round3(r.offsetMs), uncertaintyMs: round3(r.uncertaintyMs), reference };
  } catch (err) {
    return { method: 'none', offsetMs: null, uncertaintyMs: null, reference: `${reference}: ${(err as Error).message}` };
  } finally {
    p?.close();
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
