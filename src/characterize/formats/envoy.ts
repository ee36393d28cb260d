/**
 * Envoy access logs: the default text format, and json_format logs (read by field names like JSONL). The default
 * text format is `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 * %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ...`; newer defaults (and Istio's) put
 * %RESPONSE_CODE_DETAILS%, %CONNECTION_TERMINATION_DETAILS% and a quoted failure reason before the byte counts, so
 * the counts are taken as the first three integers after %RESPONSE_FLAGS%. START_TIME is the arrival.
 */
import type { LogRecord } from '../log-record.js';
import { MAX_BYTES, MAX_EPOCH_US, MAX_LATENCY_US, MIN_EPOCH_US, parseIso } from '../parse-time.js';
import { modelOfPath, pathOf } from '../route.js';
import { createJsonParser } from './jsonl.js';
import { isDash, type LineParser, type ParseOptions, routeChoiceOf } from './line-parser.js';

/** MAX_TOKENS_BEFORE_COUNTS bounds how far past %RESPONSE_FLAGS% the byte counts are looked for. */
const MAX_TOKENS_BEFORE_COUNTS = 8;

/** tokenEnd is the end of the space-separated token starting at `from` (a quoted token ends at its closing quote). */
function tokenEnd(line: string, from: number): number {
  if (line.charCodeAt(from) === 34 /* " */) {
    let j = from + 1;
    for (;;) {
      j = line.indexOf('"', j);
      if (j === -1) return -1;
      if (line.charCodeAt(j - 1) !== 92 /* \ */) return j + 1;
      j++;
    }
  }
  const sp = line.indexOf(' ', from);
  return sp === -1 ? line.length : sp;
}

/** isCount says whether a token is a non-negative integer. */
function isCount(t: string): boolean {
  if (t.length === 0 || t.length > 15) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** createEnvoyTextParser builds the parser of Envoy's default text format (old and new). */
export function createEnvoyTextParser(options: ParseOptions = {}): LineParser {
  const choice = routeChoiceOf(options.modelField);
  return {
    format: 'envoy',
    variant: 'envoy text',
    arrivalTime: '%START_TIME% (Envoy logs arrival)',
    warnings: () => (choice.kind === 'field' ? [`--model-field ${choice.name}: Envoy's text format has no named fields; the route is the path's model`] : []),
    parse(line: string): LogRecord | string {
      if (line.charCodeAt(0) !== 91 /* [ */) return 'does not start with [%START_TIME%]';
      const close = line.indexOf('] "', 1);
      if (close === -1) return 'no "] \\"" after %START_TIME%';
      const time = parseIso(line.slice(1, close));
      if (time === undefined) return '%START_TIME% is not a time';
      if (!(time.us >= MIN_EPOCH_US && time.us <= MAX_EPOCH_US)) return 'timestamp out of range';
      const reqEnd = tokenEnd(line, close + 2);
      if (reqEnd === -1) return 'the request line is not closed';
      const request = line.slice(close + 3, reqEnd - 1);
      let pos = reqEnd + 1;
      const tokens: string[] = [];
      let counts = -1;
      while (pos < line.length && tokens.length < MAX_TOKENS_BEFORE_COUNTS + 5) {
        const end = tokenEnd(line, pos);
        if (end === -1) return 'a quoted field is not closed';
        tokens.push(line.slice(pos, end));
        pos = end + 1;
        const n = tokens.length;
        if (n >= 5 && isCount(tokens[n - 1]!) && isCount(tokens[n - 2]!) && isCount(tokens[n - 3]!)) {
          counts = n - 3;
          break;
        }
      }
      if (counts === -1) return 'no %BYTES_RECEIVED% %BYTES_SENT% %DURATION% after %RESPONSE_FLAGS%';
      const status = tokens[0]!;
      const requestBytes = +tokens[counts]!;
      const responseBytes = +tokens[counts + 1]!;
      const latencyUs = +tokens[counts + 2]! * 1000;
      if (requestBytes > MAX_BYTES || responseBytes > MAX_BYTES) return 'a byte count is out of range';
      if (latencyUs > MAX_LATENCY_US) return 'latency over a day';
      const sp1 = request.indexOf(' ');
      const sp2 = request.lastIndexOf(' ');
      const uri = sp1 === -1 ? '' : sp2 > sp1 ? request.slice(sp1 + 1, sp2) : request.slice(sp1 + 1);
      const path = isDash(uri) ? undefined : pathOf(uri);
      const model = path === undefined ? undefined : modelOfPath(path);
      const route = choice.kind === 'path' ? path : choice.kind === 'model' ? model : (model ?? path);
      return { startUs: time.us, resolutionUs: time.resolutionUs, latencyUs, requestBytes, responseBytes, status: isDash(status) ? undefined : status, route };
    },
  };
}

/** ENVOY_JSON_KEYS: a JSON line is taken for Envoy's when it has start_time and one of these. */
const ENVOY_JSON_KEYS = ['response_code', 'bytes_received', 'response_flags', 'upstream_host'];

/** createEnvoyJsonParser builds the parser of Envoy json_format logs: JSONL's field rules, for objects with Envoy's usual keys. */
export function createEnvoyJsonParser(options: ParseOptions = {}): LineParser {
  const fields = { ...options.fields };
  if (fields.latency === undefined) fields.latency = { name: 'duration', unit: 'ms' }; // %DURATION% is in ms
  return createJsonParser('envoy', 'envoy json', { ...options, fields }, (row) => ('start_time' in row && ENVOY_JSON_KEYS.some((k) => k in row) ? undefined : 'not an Envoy JSON line (no start_time and response_code)'));
}
