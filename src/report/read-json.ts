/**
 * readJsonFile: a report input's JSON, read once; a file that is not JSON is exit 2 naming it.
 */
import { readFileSync } from 'node:fs';
import { GauntletError } from '../errors.js';

/** readJsonFile parses `file`, or returns `doc` when the caller already parsed it. */
export function readJsonFile(file: string, doc?: unknown): unknown {
  if (doc !== undefined) return doc;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${file}: not JSON (${(err as Error).message})`);
  }
}
