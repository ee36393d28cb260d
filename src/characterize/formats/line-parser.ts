/**
 * LineParser: one access-log format compiled for reading. Each format file builds parsers from the read options;
 * detection tries them on a file's first lines and the reader runs the winner on every line.
 */
import type { LogFormat, LogRecord } from '../log-record.js';
import type { FieldMapping } from './fields.js';

/** ParseOptions are the parts of the read options that shape a parser. */
export interface ParseOptions {
  /** An nginx `log_format` string (the directive's string; `log_format NAME` and quotes are stripped). */
  logFormat?: string;
  /** Which field becomes LogRecord.route: `model`, `route`/`path`, an nginx variable (`$http_x_model`) or a JSON/CSV key. */
  modelField?: string;
  /** Explicit JSONL/CSV field names, for those the name rules cannot guess. */
  fields?: FieldMapping;
}

/** LineParser reads one line into a record, or says why it cannot (a reason, never the line's text). */
export interface LineParser {
  readonly format: LogFormat;
  /** The variant, as FileReadStats.format shows it (`nginx combined`, `envoy json`, `gauntlet access log`, ...). */
  variant: string;
  /** Where the arrival time comes from, e.g. `log time − $request_time (nginx logs completion)`. */
  arrivalTime: string;
  /** parse is the line's record, a reason it is malformed, or undefined for a line that is no request (a CSV header). */
  parse(line: string): LogRecord | string | undefined;
  /** warnings are said once the file is read (a --model-field found on no line, ...). */
  warnings(): string[];
}

/** RouteChoice says how --model-field picks LogRecord.route. */
export type RouteChoice = { kind: 'default' } | { kind: 'model' } | { kind: 'path' } | { kind: 'field'; name: string };

/** routeChoiceOf reads --model-field: `model`, `route`/`path`, or any other name as a field (a leading `$` is kept off). */
export function routeChoiceOf(modelField: string | undefined): RouteChoice {
  if (modelField === undefined || modelField === '') return { kind: 'default' };
  const name = modelField.startsWith('$') ? modelField.slice(1) : modelField;
  if (name === 'model') return { kind: 'model' };
  if (name === 'route' || name === 'path') return { kind: 'path' };
  return { kind: 'field', name };
}

/** isDash says whether a logged value is empty (`-`, empty or the text `null`). */
export function isDash(v: string): boolean {
  return v === '-' || v === '' || v === 'null';
}

/** isTimeReason says whether a malformed line's reason is only its timestamp (the line is of the format, but has no usable time). */
export function isTimeReason(reason: string): boolean {
  return reason.startsWith('no timestamp field') || reason.endsWith('is not a time') || reason.endsWith('out of range');
}
