/**
 * A temporary folder of sweep files for parse tests: the scenarios they name, written once, and each sweep text
 * written to its own file; `problemsOf` returns the problems a rejected sweep lists, with the file's path made
 * neutral (`sweep-N.yaml`, `DIR/` for the folder).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { GauntletError } from '../../src/errors.js';
import { loadSweep } from '../../src/sweep/parse-sweep.js';

/** SweepFolder is a folder of a test's sweep files. */
export interface SweepFolder {
  dir: string;
  /** write puts a sweep text into a new file of the folder and returns its path. */
  write(text: string): string;
  /** problemsOf loads a sweep text that must be rejected and returns its problems, paths made neutral. */
  problemsOf(text: string): Promise<string[]>;
}

/** sweepFolder makes the folder with `files` (name → text) in it, removed after the suite. */
export function sweepFolder(prefix: string, files: Record<string, string>): SweepFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  let n = 0;
  const write = (text: string): string => {
    const file = join(dir, `sweep-${++n}.yaml`);
    writeFileSync(file, text);
    return file;
  };
  return {
    dir,
    write,
    async problemsOf(text) {
      try {
        await loadSweep(write(text));
      } catch (err) {
        if (!(err instanceof GauntletError) || err.code !== 'GAUNTLET_ERR_INVALID_CONFIG') throw err;
        return err.details.map((d) => d.replaceAll(`${dir}/`, 'DIR/').replace(/DIR\/sweep-\d+\.yaml/, 'sweep-N.yaml'));
      }
      throw new Error('expected the sweep to be rejected');
    },
  };
}
