/**
 * CSV access logs with a header naming the columns (the names follow the JSONL rules in fields.ts). Fields may be
 * quoted (`"a,b"`, `""` for a quote inside). The header is the first line; each later line is a row.
 */
import type { LogRecord } from '../log-record.js';
import { FieldReader, KNOWN_FIELDS, type Row } from './fields.js';
import type { LineParser, ParseOptions } from './line-parser.js';

/** splitCsv splits one CSV line into its fields, or undefined when a quote is not closed. */
export function splitCsv(line: string, sep = ','): string[] | undefined {
  if (line.indexOf('"') === -1) return line.split(sep);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q === -1) return undefined;
        v += line.slice(j, q);
        if (line[q + 1] === '"') (v += '"'), (j = q + 2);
        else {
          j = q + 1;
          break;
        }
      }
      out.push(v);
      if (j >= line.length) return out;
      if (line[j] !== sep) return undefined;
      i = j + 1;
    } else {
      const c = line.indexOf(sep, i);
      if (c === -1) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/** TIME_NAMES are the header names that make a line a plausible CSV header (it must name a time). */
const TIME_NAMES = new Set([...KNOWN_FIELDS.start, ...KNOWN_FIELDS.timestamp, ...KNOWN_FIELDS.end].map((k) => (typeof k === 'string' ? k : k[0])));

/** createCsvParser builds the CSV parser: the first line is the header, later lines are rows. */
export function createCsvParser(options: ParseOptions = {}): LineParser {
  const reader = new FieldReader(options.fields, options.modelField);
  const mappedNames = new Set(Object.values(options.fields ?? {}).map((f) => f.name));
  let header: string[] | undefined;
  return {
    format: 'csv',
    variant: 'csv',
    get arrivalTime(): string {
      return reader.arrivalField ?? 'the timestamp column';
    },
    parse(line: string): LogRecord | string | undefined {
      const cells = splitCsv(line);
      if (cells === undefined) return 'a quoted field is not closed';
      if (header === undefined) {
        const names = cells.map((c) => c.trim());
        if (names.length < 2 || !names.some((n) => TIME_NAMES.has(n) || mappedNames.has(n))) return 'not a CSV header naming a time column';
        header = names;
        return undefined;
      }
      if (cells.length !== header.length) return `${cells.length} fields where the header has ${header.length}`;
      const row: Row = {};
      for (let i = 0; i < cells.length; i++) row[header[i]!] = cells[i];
      return reader.read(row);
    },
    warnings: () => reader.warnings(),
  };
}
