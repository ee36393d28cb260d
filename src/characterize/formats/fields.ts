/**
 * Named fields, as JSONL objects and CSV rows carry them: which key holds the timestamp, latency, sizes, status and
 * route, found by common names (units from suffixes: `_us`, `_ms`, `_s`) or mapped explicitly with `--field`.
 * A time field is never read without a known unit: a guess would silently scale every latency by 1000.
 */
import { GauntletError } from '../../errors.js';
import type { LogRecord } from '../log-record.js';
import { epochToTime, epochUnitOf, type IsoTime, MAX_BYTES, MAX_EPOCH_US, MAX_LATENCY_US, MIN_EPOCH_US, parseDurationText, parseIso, parseTimeLocal, type TimeUnit } from '../parse-time.js';
import { modelOfPath, pathOf, pathOfRequest } from '../route.js';
import { type RouteChoice, routeChoiceOf } from './line-parser.js';

/** FIELD_ROLES are what a named field can hold: arrival (`start`), a timestamp taken as arrival, completion (`end`), and the rest. */
export const FIELD_ROLES = ['start', 'timestamp', 'end', 'latency', 'request_bytes', 'response_bytes', 'status', 'grpc_status', 'model', 'route'] as const;
/** FieldRole is one of FIELD_ROLES. */
export type FieldRole = (typeof FIELD_ROLES)[number];

/** FieldRef names one field and, for times, its unit (timestamps without one are ISO text or an epoch number sized by magnitude). */
export interface FieldRef {
  name: string;
  unit?: TimeUnit;
}
/** FieldMapping is `--field ROLE=NAME[:UNIT]` read: the fields the name rules would not find. */
export type FieldMapping = Partial<Record<FieldRole, FieldRef>>;

/**
 * KNOWN_FIELDS lists, per role, the names looked for in order; a name's unit comes from its suffix or, for the
 * unsuffixed ones, the unit given here. `duration`, `latency` and `elapsed` have none (Envoy's duration is ms,
 * Caddy's is s): their values must carry one (`12ms`, `1.5s`) or be mapped with --field, never guessed.
 */
export const KNOWN_FIELDS: Record<FieldRole, (string | [string, TimeUnit])[]> = {
  start: ['start_us', 'start_ms', 'start_s', 'start_ns', 'start_time', 'startTime', 'start', 'request_start', 'started_at'],
  timestamp: ['time', 'timestamp', 'ts', '@timestamp', 'datetime', 'date', 'logged_at'],
  end: ['end_us', 'end_ms', 'end_s', 'end_time', 'endTime', 'end', 'completed_at', 'finished_at'],
  latency: ['duration_us', 'duration_ms', 'duration_s', 'duration_ns', 'latency_us', 'latency_ms', 'latency_s', 'durationUs', 'durationMs', 'latencyUs', 'latencyMs', 'elapsed_ms', 'response_time_ms', ['request_time', 's'], 'duration', 'latency', 'elapsed'],
  request_bytes: ['request_bytes', 'bytes_received', 'request_length', 'request_size', 'req_bytes', 'requestBytes', 'bytes_in', 'input_bytes'],
  response_bytes: ['response_bytes', 'bytes_sent', 'body_bytes_sent', 'response_size', 'resp_bytes', 'responseBytes', 'bytes_out', 'output_bytes', 'size'],
  status: ['status', 'response_code', 'status_code', 'statusCode', 'http_status', 'code'],
  grpc_status: ['grpc_status', 'grpc_code', 'grpcStatus'],
  model: ['model', 'model_name', 'modelName'],
  route: ['route', 'path', 'uri', 'request_uri', 'url', 'endpoint', 'request_path', 'request'],
};

const TIME_ROLES = new Set<FieldRole>(['start', 'timestamp', 'end', 'latency']);
const UNITS = new Set(['s', 'ms', 'us', 'ns']);

/** unitOfName is the unit a field's name ends with (`duration_ms` → ms, `latencyUs` → us), or undefined. */
export function unitOfName(name: string): TimeUnit | undefined {
  const m = /(?:_(s|ms|us|ns|sec|secs|seconds|millis|micros|nanos)|(Ms|Us|Ns|Millis|Micros|Nanos|Seconds))$/.exec(name);
  const u = (m?.[1] ?? m?.[2])?.toLowerCase();
  if (u === undefined) return undefined;
  return u.startsWith('s') ? 's' : u === 'millis' || u === 'ms' ? 'ms' : u === 'micros' || u === 'us' ? 'us' : 'ns';
}

/** parseFieldMapping reads `--field ROLE=NAME[:UNIT]` specs; every problem is listed (GAUNTLET_ERR_INVALID_ARGUMENT). */
export function parseFieldMapping(specs: string[]): FieldMapping {
  const mapping: FieldMapping = {};
  const problems: string[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const role = (eq === -1 ? spec : spec.slice(0, eq)).trim().replace(/-/g, '_') as FieldRole;
    let name = eq === -1 ? '' : spec.slice(eq + 1).trim();
    if (!FIELD_ROLES.includes(role)) {
      problems.push(`--field ${spec}: ${role || '(empty)'} is not one of ${FIELD_ROLES.join(', ')}`);
      continue;
    }
    let unit: TimeUnit | undefined;
    const colon = name.lastIndexOf(':');
    if (colon > 0 && UNITS.has(name.slice(colon + 1))) (unit = name.slice(colon + 1) as TimeUnit), (name = name.slice(0, colon));
    if (name === '') problems.push(`--field ${spec}: write ${role}=NAME (the JSON key or CSV column)`);
    else if (role === 'latency' && unit === undefined && unitOfName(name) === undefined && !knownUnit('latency', name)) {
      problems.push(`--field ${spec}: the latency field ${name} has no unit; write ${role}=${name}:ms (or :s, :us, :ns)`);
    } else if (unit !== undefined && !TIME_ROLES.has(role)) problems.push(`--field ${spec}: ${role} takes no unit`);
    else {
      const u = unit ?? unitOfName(name) ?? knownUnit(role, name);
      mapping[role] = u === undefined ? { name } : { name, unit: u };
    }
  }
  if (problems.length > 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', problems.join('; '), problems);
  return mapping;
}

/** knownUnit is the unit KNOWN_FIELDS gives an unsuffixed name for a role. */
function knownUnit(role: FieldRole, name: string): TimeUnit | undefined {
  for (const k of KNOWN_FIELDS[role]) if (Array.isArray(k) && k[0] === name) return k[1];
  return undefined;
}

/** Row is one JSONL object or CSV row: its fields by name. */
export type Row = Record<string, unknown>;

/** timeOf reads a timestamp value: ISO text, nginx's $time_local, or an epoch number (text or number) in `unit` or sized by magnitude. */
function timeOf(v: unknown, unit: TimeUnit | undefined): IsoTime | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? epochToTime(String(v), unit ?? epochUnitOf(v)) : undefined;
  if (typeof v !== 'string' || v === '') return undefined;
  const c = v.charCodeAt(0);
  if (v.length >= 19 && v[4] === '-') return parseIso(v);
  if (c >= 48 && c <= 57 && v.length < 26) {
    const n = Number(v);
    if (Number.isFinite(n)) return epochToTime(v, unit ?? epochUnitOf(n));
  }
  const local = parseTimeLocal(v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v);
  return Number.isNaN(local) ? undefined : { us: local, resolutionUs: 1e6 };
}

/** sizeOf reads a byte count (number or numeric text; `-`, null and empty are absent). */
function sizeOf(v: unknown): number | undefined | string {
  if (v === null || v === undefined || v === '' || v === '-') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= MAX_BYTES ? n : 'bad';
}

/** textOf is a field as text, or undefined when absent (`-`, null, empty). */
function textOf(v: unknown): string | undefined {
  if (v === null || v === undefined || v === '' || v === '-') return undefined;
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** FieldReader turns rows into records, finding each role's field on the first row that has one. */
export class FieldReader {
  private readonly found = new Map<FieldRole, FieldRef>();
  private readonly choice: RouteChoice;
  private modelFieldSeen = false;
  /** The time roles looked at: only the mapped ones when --field maps any. */
  private readonly timeRoles: ('start' | 'timestamp' | 'end')[];
  /** The reason given for a row with no time field. */
  private readonly noTime: string;
  /** Which field gave the arrival time, once known. */
  arrivalField: string | undefined;

  constructor(
    private readonly mapping: FieldMapping = {},
    modelField?: string,
  ) {
    this.choice = routeChoiceOf(modelField);
    const mapped = (['start', 'timestamp', 'end'] as const).filter((r) => mapping[r] !== undefined);
    this.timeRoles = mapped.length > 0 ? mapped : ['start', 'timestamp', 'end'];
    const names = this.timeRoles.map((r) => mapping[r]?.name ?? KNOWN_FIELDS[r].slice(0, 4).join(', '));
    this.noTime = `no timestamp field (looked for ${names.join(', ')}, …; name yours with --field timestamp=NAME)`;
  }

  /** fieldFor is the field a row carries for a role: the mapped one, the one found before, or the first known name present. */
  private fieldFor(row: Row, role: FieldRole): FieldRef | undefined {
    const mapped = this.mapping[role];
    if (mapped !== undefined) return mapped.name in row ? mapped : undefined;
    const before = this.found.get(role);
    if (before !== undefined && before.name in row) return before;
    for (const k of KNOWN_FIELDS[role]) {
      const name = typeof k === 'string' ? k : k[0];
      if (!(name in row)) continue;
      const ref: FieldRef = { name, unit: typeof k === 'string' ? unitOfName(name) : k[1] };
      this.found.set(role, ref);
      return ref;
    }
    return undefined;
  }

  /** read is a row's record, or why it has none. */
  read(row: Row): LogRecord | string {
    let latencyUs: number | undefined;
    const lat = this.fieldFor(row, 'latency');
    if (lat !== undefined) {
      const v = row[lat.name];
      if (v !== null && v !== undefined && v !== '' && v !== '-') {
        if (lat.unit === undefined && (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))))) {
          return `${lat.name} is a number without a unit: say which with --field latency=${lat.name}:ms (or :s, :us, :ns)`;
        }
        latencyUs = typeof v === 'number' ? Math.round(v * (lat.unit === 's' ? 1e6 : lat.unit === 'ms' ? 1000 : lat.unit === 'ns' ? 0.001 : 1)) : typeof v === 'string' ? parseDurationText(v, lat.unit) : undefined;
        if (latencyUs === undefined || !(latencyUs >= 0 && latencyUs <= MAX_LATENCY_US)) return `${lat.name} is not a latency`;
      }
    }
    let time: IsoTime | undefined;
    let isEnd = false;
    let timeField: string | undefined;
    for (const role of this.timeRoles) {
      const f = this.fieldFor(row, role);
      if (f === undefined || textOf(row[f.name]) === undefined) continue;
      time = timeOf(row[f.name], f.unit);
      if (time === undefined) return `${f.name} is not a time`;
      (isEnd = role === 'end'), (timeField = f.name);
      if (this.arrivalField === undefined) this.arrivalField = role === 'end' ? `the ${f.name} field − latency (it logs completion)` : role === 'start' ? `the ${f.name} field` : `the ${f.name} field (taken as arrival)`;
      break;
    }
    if (time === undefined) return this.noTime;
    const startUs = isEnd && latencyUs !== undefined ? time.us - latencyUs : time.us;
    if (!(startUs >= MIN_EPOCH_US && startUs <= MAX_EPOCH_US)) return `${timeField} is out of range`;
    const reqF = this.fieldFor(row, 'request_bytes');
    const requestBytes = reqF === undefined ? undefined : sizeOf(row[reqF.name]);
    if (requestBytes === 'bad') return `${reqF!.name} is not a size`;
    const respF = this.fieldFor(row, 'response_bytes');
    const responseBytes = respF === undefined ? undefined : sizeOf(row[respF.name]);
    if (responseBytes === 'bad') return `${respF!.name} is not a size`;
    const grpcF = this.fieldFor(row, 'grpc_status');
    const statusF = this.fieldFor(row, 'status');
    const status = (grpcF === undefined ? undefined : textOf(row[grpcF.name])) ?? (statusF === undefined ? undefined : textOf(row[statusF.name]));
    return { startUs, resolutionUs: time.resolutionUs, latencyUs, requestBytes: requestBytes as number | undefined, responseBytes: responseBytes as number | undefined, status, route: this.routeOf(row) };
  }

  /** routeOf picks LogRecord.route as --model-field says: a named field, the model, the path, or by default the model when there is one, else the path. */
  private routeOf(row: Row): string | undefined {
    if (this.choice.kind === 'field') {
      const v = textOf(row[this.choice.name]);
      if (v !== undefined) this.modelFieldSeen = true;
      return v;
    }
    const modelF = this.fieldFor(row, 'model');
    const routeF = this.fieldFor(row, 'route');
    const raw = routeF === undefined ? undefined : textOf(row[routeF.name]);
    const path = raw === undefined ? undefined : routeF!.name === 'request' ? pathOfRequest(raw) : pathOf(raw);
    if (this.choice.kind === 'path') return path;
    const model = (modelF === undefined ? undefined : textOf(row[modelF.name])) ?? (path === undefined ? undefined : modelOfPath(path));
    return this.choice.kind === 'model' ? model : (model ?? path);
  }

  /** warnings say what was asked for and never found. */
  warnings(): string[] {
    return this.choice.kind === 'field' && !this.modelFieldSeen ? [`--model-field ${this.choice.name} was on no line: no route or model is kept`] : [];
  }
}
