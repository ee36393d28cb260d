/**
 * Response checks: a response is compared with what its request expects (outputs present with their datatype and
 * shape, values within the tolerance, an accepted HTTP status). A wrong answer becomes the outcome BAD_OUTPUT,
 * with the first difference as its message. Like every error, it is counted in the error rate and never in the
 * latency histograms, which hold successful requests only (src/load/interval-recorder.ts): a fast wrong answer
 * cannot make the latency of good answers look better.
 */
import type { Outcome } from './client.js';
import type { ErrorSamples } from './failures.js';
import type { HttpResponse } from './http1-connection.js';
import type { Decoded, OutputTensor } from './response-outputs.js';
import type { ExpectedTensor, ResponseExpect, Tolerance } from './target-spec.js';
import type { Value } from './tensor-data.js';

/** DEFAULT_TOLERANCE is how close a checked number must be unless told: |got − want| ≤ 1e-5 + 1e-4 × |want|. */
export const DEFAULT_TOLERANCE: Readonly<Tolerance> = { absolute: 1e-5, relative: 1e-4 };

/** CHECKED_BODY_BYTES bounds the body kept of a checked HTTP response (FILE_LIMITS.dataBytes, 64 MiB); a longer one is BAD_RESPONSE. */
export const CHECKED_BODY_BYTES = 64 << 20;

/** ResponseCheck is what one prepared request's responses are checked against. */
export interface ResponseCheck {
  expect?: ResponseExpect;
  /** This request's expected outputs (from validation data). */
  expected?: ExpectedTensor[];
}

/** checkOutputs returns the first way the outputs differ from what is expected, or undefined when they pass. */
export function checkOutputs(outputs: readonly OutputTensor[], check: ResponseCheck): string | undefined {
  const tolerance = check.expect?.tolerance ?? DEFAULT_TOLERANCE;
  for (const want of check.expect?.outputs ?? []) {
    const wrong = compare(outputs, want, tolerance);
    if (wrong !== undefined) return wrong;
  }
  for (const want of check.expected ?? []) {
    const wrong = compare(outputs, want, tolerance);
    if (wrong !== undefined) return wrong;
  }
  return undefined;
}

function compare(outputs: readonly OutputTensor[], want: ExpectedTensor, tol: Tolerance): string | undefined {
  const got = outputs.find((o) => o.name === want.name);
  if (got === undefined) return `output '${want.name}' is missing from the response`;
  if (want.datatype !== undefined && got.datatype !== want.datatype) return `output '${want.name}' is ${got.datatype}, expected ${want.datatype}`;
  if (want.shape !== undefined && (got.shape.length !== want.shape.length || want.shape.some((d, i) => d !== -1 && d !== got.shape[i]))) {
    return `output '${want.name}' has shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`;
  }
  const values = want.values;
  if (values === undefined) return undefined;
  if (got.values.length !== values.length) return `output '${want.name}' has ${got.values.length} values, expected ${values.length}`;
  for (let i = 0; i < values.length; i++) {
    if (!close(got.values[i]!, values[i]!, tol)) {
      return `output '${want.name}'[${i}] is ${String(got.values[i])}, expected ${String(values[i])} (tolerance ${tol.absolute} + ${tol.relative} × |expected|)`;
    }
  }
  return undefined;
}

/** close tells whether a value matches the expected one: numbers within the tolerance (NaN only matches NaN), others exactly. */
export function close(got: Value, want: Value, tol: Tolerance): boolean {
  if (typeof want === 'number') {
    const g = typeof got === 'boolean' ? Number(got) : got;
    if (typeof g !== 'number') return false;
    if (Number.isNaN(want)) return Number.isNaN(g);
    if (g === want) return true;
    return Math.abs(g - want) <= tol.absolute + tol.relative * Math.abs(want);
  }
  if (typeof want === 'boolean') return got === want || (typeof got === 'number' && got === Number(want));
  return got === want;
}

/**
 * judgeHttp turns a kept HTTP response into the outcome of a checked request: an accepted status is OK (a
 * non-2xx one skips the output checks), a 2xx status not accepted or outputs not as expected are BAD_OUTPUT, a
 * body that cannot be decoded BAD_RESPONSE; other failures keep their code.
 */
export function judgeHttp(res: HttpResponse, check: ResponseCheck, decode: ((head: string, body: Buffer) => Decoded) | undefined, samples: ErrorSamples): Outcome {
  const o = res.outcome;
  const statuses = check.expect?.status;
  if (res.status > 0 && statuses !== undefined) {
    const accepted = statuses.includes(res.status);
    if (accepted && o.code !== 'OK') return { ...o, code: 'OK' };
    if (!accepted && o.code === 'OK') return bad(o, 'BAD_OUTPUT', `HTTP status ${res.status}, expected ${statuses.join(' or ')}`, samples);
  }
  if (o.code !== 'OK' || decode === undefined || !hasOutputChecks(check)) return o;
  if (res.body.length < (o.bytes ?? 0)) return bad(o, 'BAD_RESPONSE', `the response body has ${o.bytes} bytes, more than the ${res.body.length} a checked response may have`, samples);
  const decoded = decode(res.head, res.body);
  if (!decoded.ok) return bad(o, 'BAD_RESPONSE', decoded.message, samples);
  const wrong = checkOutputs(decoded.outputs, check);
  return wrong === undefined ? o : bad(o, 'BAD_OUTPUT', wrong, samples);
}

/** judgeDecoded is the outcome of a checked request whose response was decoded (gRPC). */
export function judgeDecoded(o: Outcome, decoded: Decoded, check: ResponseCheck, samples: ErrorSamples): Outcome {
  if (!decoded.ok) return bad(o, 'BAD_RESPONSE', decoded.message, samples);
  const wrong = checkOutputs(decoded.outputs, check);
  return wrong === undefined ? o : bad(o, 'BAD_OUTPUT', wrong, samples);
}

/** hasOutputChecks tells whether responses must be decoded: an output is expected, or values are. */
export function hasOutputChecks(check: ResponseCheck): boolean {
  return (check.expect?.outputs.length ?? 0) > 0 || (check.expected?.length ?? 0) > 0;
}

function bad(o: Outcome, code: string, message: string, samples: ErrorSamples): Outcome {
  if (!samples.full) samples.add(code, message);
  return { ...o, code };
}
