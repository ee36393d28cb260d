/**
 * nginx access logs: `combined`, or any `log_format` string compiled once into a parser that walks each line by
 * index (literal, variable, literal, ...) with no regular expression. Variables characterize does not use are
 * matched and skipped, so addresses and user agents never leave the parser.
 */
import { GauntletError } from '../../errors.js';
import type { LogRecord } from '../log-record.js';
import { MAX_BYTES, MAX_EPOCH_US, MAX_LATENCY_US, MIN_EPOCH_US, parseIso, parseTimeLocal } from '../parse-time.js';
import { modelOfPath, pathOf, pathOfRequest } from '../route.js';
import { isDash, type LineParser, type ParseOptions, routeChoiceOf } from './line-parser.js';

/** NGINX_COMBINED is nginx's predefined `combined` format. */
export const NGINX_COMBINED = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

const enum Role { Skip, TimeLocal, TimeIso, Msec, RequestTime, UpstreamTime, RequestLength, BodyBytes, BytesSent, Status, Request, Uri, Custom }

const ROLES: Record<string, Role> = {
  time_local: Role.TimeLocal, time_iso8601: Role.TimeIso, msec: Role.Msec, request_time: Role.RequestTime,
  upstream_response_time: Role.UpstreamTime, request_length: Role.RequestLength, body_bytes_sent: Role.BodyBytes,
  bytes_sent: Role.BytesSent, status: Role.Status, request: Role.Request, uri: Role.Uri, request_uri: Role.Uri,
};

/** CompiledFormat is a log_format as literals around variables: line = lits[0] vars[0] lits[1] ... vars[n-1] lits[n]. */
interface CompiledFormat {
  lits: string[];
  vars: string[];
}

/** unwrapLogFormat is the format string itself from what a user pastes: `log_format NAME [escape=..] 'a' 'b';` → `ab`. */
export function unwrapLogFormat(text: string): string {
  let s = text.trim();
  if (s.startsWith('log_format ')) {
    s = s.slice(11).trim().replace(/^[\w-]+\s+/, '').replace(/^escape=\w+\s+/, '');
    if (s.endsWith(';')) s = s.slice(0, -1).trim();
  }
  const q = s[0];
  if (q !== "'" && q !== '"') return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const quote = s[i];
    if (quote !== "'" && quote !== '"') return text.trim();
    const end = s.indexOf(quote, i + 1);
    if (end === -1) return text.trim();
    out += s.slice(i + 1, end);
    i = end + 1;
    while (i < s.length && /\s/.test(s[i]!)) i++;
  }
  return out;
}

/** compileLogFormat splits a log_format string into literals and variables (`$name` or `${name}`); two variables with nothing between them cannot be told apart and are refused. */
export function compileLogFormat(format: string): CompiledFormat {
  const lits: string[] = [];
  const vars: string[] = [];
  let lit = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== '$') {
      lit += c;
      i++;
      continue;
    }
    let name: string;
    if (format[i + 1] === '{') {
      const end = format.indexOf('}', i + 2);
      if (end === -1) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--log-format: "\${" at ${i} is not closed`);
      name = format.slice(i + 2, end);
      i = end + 1;
    } else {
      let j = i + 1;
      while (j < format.length && /[A-Za-z0-9_]/.test(format[j]!)) j++;
      name = format.slice(i + 1, j);
      i = j;
    }
    if (name === '') {
      lit += '$';
      continue;
    }
    if (vars.length > 0 && lit === '') throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--log-format: $${vars[vars.length - 1]} and $${name} have nothing between them, so a line cannot be split`);
    lits.push(lit);
    vars.push(name);
    lit = '';
  }
  lits.push(lit);
  if (vars.length === 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', '--log-format has no variables');
  return { lits, vars };
}

/** endOf finds where a variable's value ends: the next occurrence of the literal after it, skipping quotes escaped as `\"`. */
function endOf(line: string, lit: string, from: number): number {
  let j = line.indexOf(lit, from);
  if (lit.charCodeAt(0) !== 34 /* " */) return j;
  while (j > from) {
    let k = j - 1;
    while (k >= from && line.charCodeAt(k) === 92 /* \ */) k--;
    if ((j - 1 - k) % 2 === 0) return j;
    j = line.indexOf(lit, j + 1);
  }
  return j;
}

/** num reads a logged number (`-` → undefined, garbage → NaN). */
function num(v: string): number | undefined {
  if (isDash(v)) return undefined;
  const n = +v;
  return v.trim() === '' ? NaN : n;
}

/** upstreamSumUs adds up $upstream_response_time's list (`0.010, 0.020 : 0.005`, one per upstream tried); `-` entries count 0; undefined when none is a number. */
export function upstreamSumUs(v: string): number | undefined {
  if (isDash(v)) return undefined;
  let total = 0;
  let any = false;
  for (const part of v.split(/[,:]/)) {
    const t = part.trim();
    if (isDash(t)) continue;
    const n = +t;
    if (!Number.isFinite(n) || n < 0) return NaN;
    total += n;
    any = true;
  }
  return any ? Math.round(total * 1e6) : undefined;
}

/** createNginxParser compiles `options.logFormat` (or `combined`) into a parser. */
export function createNginxParser(options: ParseOptions = {}): LineParser {
  const custom = options.logFormat !== undefined && options.logFormat.trim() !== '';
  const { lits, vars } = compileLogFormat(custom ? unwrapLogFormat(options.logFormat!) : NGINX_COMBINED);
  const choice = routeChoiceOf(options.modelField);
  if (choice.kind === 'field' && !vars.includes(choice.name)) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--model-field $${choice.name} is not in the nginx log format (it has ${vars.map((v) => `$${v}`).join(', ')})`);
  }
  const roles = vars.map((v) => (choice.kind === 'field' && v === choice.name ? Role.Custom : (ROLES[v] ?? Role.Skip)));
  const has = (r: Role): boolean => roles.includes(r);
  if (!has(Role.TimeLocal) && !has(Role.TimeIso) && !has(Role.Msec) && !(choice.kind === 'field' && ['time_local', 'time_iso8601', 'msec'].includes(choice.name))) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', '--log-format has no time variable ($time_local, $time_iso8601 or $msec)');
  }
  const customIsPath = choice.kind === 'field' && (choice.name === 'request' || choice.name === 'uri' || choice.name === 'request_uri');
  const hasRequestTime = has(Role.RequestTime);
  const n = vars.length;
  const first = lits[0]!;
  let trailing = 0;
  const parser: LineParser = {
    format: 'nginx',
    variant: custom ? 'nginx log_format' : 'nginx combined',
    arrivalTime: hasRequestTime ? 'log time − $request_time (nginx logs completion)' : 'log time (nginx logs completion; no $request_time to subtract)',
    warnings: () =>
      trailing > 0 ? [`${trailing} line(s) go on past the end of the ${custom ? 'log format' : 'combined format'}; what follows is not read (give the whole format with --log-format to read it, e.g. $request_time)`] : [],
    parse(line: string): LogRecord | string {
      if (!line.startsWith(first)) return 'does not match the log format';
      let pos = first.length;
      let timeUs = NaN;
      let timeRank = 0;
      let resolutionUs = 1e6;
      let requestTime: number | undefined;
      let upstream: number | undefined;
      let requestBytes: number | undefined;
      let bodyBytes: number | undefined;
      let bytesSent: number | undefined;
      let status: string | undefined;
      let path: string | undefined;
      let customValue: string | undefined;
      for (let i = 0; i < n; i++) {
        const lit = lits[i + 1]!;
        const end = lit === '' ? line.length : endOf(line, lit, pos);
        if (end === -1) return `no "${lit}" after $${vars[i]}`;
        const role = roles[i]!;
        if (role !== Role.Skip) {
          const v = line.slice(pos, end);
          switch (role) {
            case Role.TimeLocal:
              if (timeRank < 1) (timeUs = parseTimeLocal(v)), (timeRank = 1), (resolutionUs = 1e6);
              if (Number.isNaN(timeUs)) return '$time_local is not a time';
              break;
            case Role.TimeIso:
              if (timeRank < 2) {
                const t = parseIso(v);
                if (t === undefined) return '$time_iso8601 is not a time';
                (timeUs = t.us), (timeRank = 2), (resolutionUs = t.resolutionUs);
              }
              break;
            case Role.Msec: {
              const s = +v;
              if (v === '' || !Number.isFinite(s)) return '$msec is not a number';
              (timeUs = Math.round(s * 1000) * 1000), (timeRank = 3), (resolutionUs = 1000);
              break;
            }
            case Role.RequestTime: {
              const s = num(v);
              if (s !== undefined && !(s >= 0)) return '$request_time is not a number';
              requestTime = s === undefined ? undefined : Math.round(s * 1e6);
              break;
            }
            case Role.UpstreamTime:
              upstream = upstreamSumUs(v);
              if (upstream !== undefined && Number.isNaN(upstream)) return '$upstream_response_time is not a list of numbers';
              break;
            case Role.RequestLength:
            case Role.BodyBytes:
            case Role.BytesSent: {
              const b = num(v);
              if (b !== undefined && !(b >= 0 && b <= MAX_BYTES && Number.isInteger(b))) return `$${vars[i]} is not a size`;
              if (role === Role.RequestLength) requestBytes = b;
              else if (role === Role.BodyBytes) bodyBytes = b;
              else bytesSent = b;
              break;
            }
            case Role.Status:
              status = isDash(v) ? undefined : v;
              break;
            case Role.Request:
              if (path === undefined) path = pathOfRequest(v);
              break;
            case Role.Uri:
              if (!isDash(v)) path = pathOf(v);
              break;
            case Role.Custom:
              customValue = isDash(v) ? undefined : customIsPath ? (vars[i] === 'request' ? pathOfRequest(v) : pathOf(v)) : v;
              break;
          }
        }
        pos = end + lit.length;
      }
      if (pos < line.length) trailing++;
      if (!(timeUs >= MIN_EPOCH_US && timeUs <= MAX_EPOCH_US)) return 'timestamp out of range';
      const latencyUs = requestTime ?? upstream;
      if (latencyUs !== undefined && latencyUs > MAX_LATENCY_US) return 'latency over a day';
      let route: string | undefined;
      if (choice.kind === 'field') route = customValue;
      else if (choice.kind === 'path') route = path;
      else {
        const model = path === undefined ? undefined : modelOfPath(path);
        route = choice.kind === 'model' ? model : (model ?? path);
      }
      return {
        startUs: requestTime === undefined ? timeUs : timeUs - requestTime,
        resolutionUs,
        latencyUs,
        requestBytes,
        responseBytes: bodyBytes ?? bytesSent,
        status,
        route,
      };
    },
  };
  return parser;
}
