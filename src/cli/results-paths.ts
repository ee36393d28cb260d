/**
 * What a results argument names: a results.json, the run folder that holds one, or the folder of a `run
 * --repeat N` (rep-1 … rep-N, each a run folder, and no results.json of its own), which stands for its
 * repetitions in order.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { GauntletError } from '../errors.js';

/** MAX_REPETITIONS bounds how many rep-N folders one argument may stand for (as `run --repeat` does). */
export const MAX_REPETITIONS = 1000;

/** resultsPath accepts a results.json or the run folder holding it. */
export function resultsPath(p: string): string {
  return p.endsWith('.json') ? p : path.join(p, 'results.json');
}

/** repetitionFolders lists a --repeat folder's rep-N folders in numeric order (empty: not such a folder). */
export function repetitionFolders(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory() || existsSync(path.join(dir, 'results.json'))) return [];
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => ({ n, i: /^rep-(\d{1,7})$/.exec(n)?.[1] }))
    .filter((x): x is { n: string; i: string } => x.i !== undefined)
    .sort((a, b) => Number(a.i) - Number(b.i))
    .map((x) => path.join(dir, x.n));
}

/**
 * expandResults turns the arguments into results.json paths: a --repeat folder becomes its repetitions'. A rep-N
 * folder without results.json, or more than MAX_REPETITIONS of them, is an error listing them.
 */
export function expandResults(args: string[]): string[] {
  const out: string[] = [];
  const problems: string[] = [];
  for (const a of args) {
    const reps = a.endsWith('.json') ? [] : repetitionFolders(a);
    if (reps.length === 0) {
      out.push(resultsPath(a));
      continue;
    }
    if (reps.length > MAX_REPETITIONS) {
      problems.push(`${a}: ${reps.length} rep-N folders, more than ${MAX_REPETITIONS}`);
      continue;
    }
    for (const r of reps) {
      if (existsSync(path.join(r, 'results.json'))) out.push(path.join(r, 'results.json'));
      else problems.push(`${r}: no results.json (a repetition that never started?)`);
    }
  }
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'cannot read the repetitions of a --repeat folder', problems);
  return out;
}
