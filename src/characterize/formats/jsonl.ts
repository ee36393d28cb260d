/**
 * JSONL access logs: one JSON object per line, its fields found by name (src/characterize/formats/fields.ts). The
 * reference server's own access log (`gauntlet serve --access-log`) is recognised as the `gauntlet access log`
 * variant by its keys; Envoy's json_format logs are read by the same rules (src/characterize/formats/envoy.ts).
 */
import type { LogFormat, LogRecord } from '../log-record.js';
import { FieldReader, type Row } from './fields.js';
import type { LineParser, ParseOptions } from './line-parser.js';

/** GAUNTLET_LOG_KEYS are the keys of the reference server's access log, all present on each of its lines. */
const GAUNTLET_LOG_KEYS = ['time', 'start_us', 'duration_us', 'protocol', 'method', 'route', 'model', 'status', 'request_bytes', 'response_bytes'];

/** parseObjectLine is a line's JSON object, or why it is not one. */
export function parseObjectLine(line: string): Row | string {
  const t = line.charCodeAt(0) === 123 /* { */ ? line : line.trimStart();
  if (t.charCodeAt(0) !== 123) return 'not a JSON object';
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return 'not valid JSON';
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Row) : 'not a JSON object';
}

/** dig follows a dotted field name (`request.uri`) into nested objects; undefined where a step is missing. */
function dig(row: Row, path: string[]): unknown {
  let v: unknown = row;
  for (const step of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Row)[step];
  }
  return v;
}

/** createJsonParser builds a parser of JSON lines for a format; `accept` may refuse an object (Envoy's parser refuses objects with no Envoy keys). */
export function createJsonParser(format: LogFormat, variant: string, options: ParseOptions, accept?: (row: Row) => string | undefined): LineParser & { reader: FieldReader } {
  const reader = new FieldReader(options.fields, options.modelField);
  const dotted = [...Object.values(options.fields ?? {}).map((f) => f.name), options.modelField ?? '']
    .filter((name) => name.includes('.'))
    .map((name) => ({ name, path: name.split('.') }));
  let labelled = false;
  return {
    format,
    variant,
    reader,
    get arrivalTime(): string {
      return reader.arrivalField ?? 'the timestamp field';
    },
    parse(line: string): LogRecord | string {
      const row = parseObjectLine(line);
      if (typeof row === 'string') return row;
      const refusal = accept?.(row);
      if (refusal !== undefined) return refusal;
      if (!labelled && format === 'jsonl') {
        labelled = true;
        if (GAUNTLET_LOG_KEYS.every((k) => k in row)) this.variant = 'gauntlet access log';
      }
      for (const d of dotted) if (!(d.name in row)) row[d.name] = dig(row, d.path);
      return reader.read(row);
    },
    warnings: () => reader.warnings(),
  };
}

/** createJsonlParser builds the JSONL parser (the gauntlet access log included). */
export function createJsonlParser(options: ParseOptions = {}): LineParser {
  return createJsonParser('jsonl', 'jsonl', options);
}
