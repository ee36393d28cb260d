/**
 * Format detection: every parser a format (or `auto`) allows is tried on a file's first non-empty lines, and the
 * one that reads most of them wins (ties go to the earlier in LOG_FORMATS order). When none reads any, the error
 * names the formats tried and shows the first line masked (redact.ts).
 */
import { GauntletError } from '../errors.js';
import { createCsvParser } from './formats/csv.js';
import { createEnvoyJsonParser, createEnvoyTextParser } from './formats/envoy.js';
import { createJsonlParser } from './formats/jsonl.js';
import { isTimeReason, type LineParser, type ParseOptions } from './formats/line-parser.js';
import { createNginxParser } from './formats/nginx.js';
import type { LogFormat } from './log-record.js';
import { maskSample } from './redact.js';

/** SAMPLE_LINES is how many non-empty lines detection tries each format on. */
export const SAMPLE_LINES = 20;

/** PARSER_FACTORIES builds, per format, the parsers of its variants (each call makes fresh ones: a CSV parser keeps its header). */
export const PARSER_FACTORIES: Record<LogFormat, ((options: ParseOptions) => LineParser)[]> = {
  nginx: [createNginxParser],
  envoy: [createEnvoyTextParser, createEnvoyJsonParser],
  jsonl: [createJsonlParser],
  csv: [createCsvParser],
};

/** Detected is the parser that won, ready to read the file from its first line. */
export interface Detected {
  parser: LineParser;
  /** How many of the sample lines it read. */
  parsed: number;
}

/** detectParser picks the parser for a file from its first non-empty lines (`sample`); `format` limits the candidates to one format's variants. */
export function detectParser(file: string, sample: string[], format: 'auto' | LogFormat, options: ParseOptions): Detected {
  const formats: LogFormat[] = format === 'auto' ? (Object.keys(PARSER_FACTORIES) as LogFormat[]) : [format];
  let best: { make: () => LineParser; parsed: number } | undefined;
  const tried: string[] = [];
  const why: string[] = [];
  let timeless: { variant: string; reason: string } | undefined;
  for (const f of formats) {
    for (const make of PARSER_FACTORIES[f]) {
      let parser: LineParser;
      try {
        parser = make(options);
      } catch (err) {
        if (format !== 'auto') throw err;
        tried.push(f);
        why.push(`${f}: ${(err as Error).message}`);
        continue;
      }
      tried.push(parser.variant);
      let parsed = 0;
      let firstReason: string | undefined;
      for (const line of sample) {
        const r = parser.parse(line);
        if (typeof r === 'object') parsed++;
        else if (typeof r === 'string') {
          firstReason ??= r;
          if (isTimeReason(r)) timeless ??= { variant: parser.variant, reason: r };
        }
      }
      if (firstReason !== undefined) why.push(`${parser.variant}: ${firstReason}`);
      if (parsed > (best?.parsed ?? 0)) best = { make: () => make(options), parsed };
    }
  }
  if (best === undefined && timeless !== undefined) {
    throw new GauntletError('GAUNTLET_ERR_LOG_EMPTY', `${file}: no requests with usable timestamps in its first ${sample.length} line(s) (read as ${timeless.variant}: ${timeless.reason})`, why);
  }
  if (best === undefined) {
    const first = sample[0] ?? '';
    throw new GauntletError(
      'GAUNTLET_ERR_LOG_FORMAT',
      `${file}: no format reads its first ${sample.length} line(s) (tried ${tried.join(', ')}); its first line, with addresses and query strings masked: ${maskSample(first)}`,
      why,
    );
  }
  return { parser: best.make(), parsed: best.parsed };
}
