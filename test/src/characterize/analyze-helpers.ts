/**
 * Helpers for the analysis tests: run records through a Characterizer with an empty reader context.
 */
import { expect } from 'vitest';
import { Characterizer, type CharacterizeContext, type CharacterizeOptions } from '../../../src/characterize/analyze.js';
import type { Characterization } from '../../../src/characterize/characterization.js';
import type { LogRecord } from '../../../src/characterize/log-record.js';

/** CTX is a reader context with no files and no malformed lines. */
export const CTX: CharacterizeContext = { gauntletVersion: 'test', files: [], lines: 0, malformedCount: 0, malformedFirst: [], maxMalformedFraction: 0.01, arrivalTime: 'test records' };

/** characterize runs the records through a new Characterizer and returns its characterization. */
export function characterize(records: readonly LogRecord[], options: CharacterizeOptions = {}, ctx: Partial<CharacterizeContext> = {}): Characterization {
  const c = new Characterizer(options);
  for (const r of records) c.add(r);
  return c.finish({ ...CTX, ...ctx });
}

/** within expects `actual` within a relative tolerance of `expected`. */
export function within(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(rel * Math.abs(expected));
}
